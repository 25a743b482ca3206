import { isDeepStrictEqual } from 'node:util'
import type { Static } from 'typebox'
import { AppError } from '../errors.js'
import type { ProofBundle, VerifyResult } from '../schemas/index.js'
import type { Registry, VersionMeta } from '../registry/registry.js'
import type { ProofJobs, ProofRecord } from '../jobs/proof-jobs.js'
import { checkBatchBundle, decodeRow, layoutFromJSON, unpackWords, type BatchBundle } from '../proofs/index.js'

type Succeeded = ProofRecord & Required<Pick<ProofRecord, 'proof' | 'public_signals'>>
type Verified = Static<typeof VerifyResult>

export interface ProofsDeps {
  registry: Registry
  proofs: ProofJobs
}

/** Proofs of predictions: read them, bundle them for offline checks, verify them against the registry's keys. */
export class Proofs {
  constructor (private readonly deps: ProofsDeps) {}

  async get (id: string): Promise<ProofRecord> {
    return await this.deps.proofs.get(id)
  }

  /** A self-contained bundle that stock snarkjs verifies. */
  async bundle (id: string): Promise<Static<typeof ProofBundle>> {
    const job = requireSucceeded(await this.deps.proofs.get(id))
    const meta = this.deps.registry.resolveProven(job.model, job.version)
    if (job.batch != null) return await this.batchBundle(job, meta)
    return {
      proof_system: job.proof_system,
      proof: job.proof,
      public_signals: job.public_signals,
      verification_key: await this.deps.proofs.verificationKey(meta) as Record<string, unknown>,
      model: { name: meta.name, version: meta.version, onnx_sha256: meta.onnx_sha256 },
      // private versions: the commitment public signal 0 must equal, and the architecture's circuit (never the weights or salt)
      ...(meta.commitment != null ? { commitment: meta.commitment, circuit_id: meta.circuit_id } : {}),
      // how each public input was computed from raw values (log1p runs outside the circuit)
      ...(meta.feature_transforms !== undefined ? { feature_transforms: meta.feature_transforms } : {}),
    }
  }

  async verifyStored (id: string): Promise<Verified> {
    const job = requireSucceeded(await this.deps.proofs.get(id))
    const meta = this.deps.registry.resolveProven(job.model, job.version)
    if (job.batch != null) return await this.verifyBatch(await this.batchBundle(job, meta))
    return await this.deps.proofs.verify(meta, job.public_signals, job.proof)
  }

  /**
   * Against the registry's key for the bundle's model version (a deleted version's tombstone keeps it), never the key
   * inside the bundle. A check with the bundle's own key (`zkpredict proof verify FILE`, stock snarkjs) can answer
   * otherwise when that key differs: `vk_matches_registry` says whether it does, and the reason says so whenever the two
   * checks could disagree.
   */
  async verifyBundle (bundle: Static<typeof ProofBundle>): Promise<Verified> {
    const meta = this.deps.registry.resolveProven(bundle.model.name, bundle.model.version)
    if (bundle.kind === 'batch' && bundle.model.onnx_sha256 === meta.onnx_sha256) return await this.verifyBatch(bundle)
    if (bundle.proof_system !== meta.proof_system) {
      const reason = `the bundle says ${bundle.proof_system}, but model '${meta.name}' version ${meta.version} proves with ` +
        `${meta.proof_system}`
      return { verified: false, verification_ms: 0, reason }
    }
    if (bundle.model.onnx_sha256 !== meta.onnx_sha256) {
      return {
        verified: false,
        verification_ms: 0,
        reason: `the bundle's onnx_sha256 does not match model '${meta.name}' version ${meta.version}`
      }
    }
    const registryKey = await this.deps.proofs.verificationKey(meta)
    const matches = isDeepStrictEqual(bundle.verification_key, registryKey)
    const result = { ...await this.deps.proofs.verify(meta, bundle.public_signals, bundle.proof), vk_matches_registry: matches }
    const version = `model '${meta.name}' version ${meta.version}`
    if (matches) {
      if (result.verified) return result
      return { ...result, reason: result.reason ?? `the proof does not verify against the verification key of ${version}` }
    }
    const differs = `the bundle's verification key differs from the registry's for ${version}`
    return {
      ...result,
      reason: result.verified
        ? `${differs}; the proof verifies against the registry's key, so a check with the bundle's own key can answer otherwise`
        : `${differs}, and the proof does not verify against the registry's key (a check with the bundle's own key, as ` +
          '`zkpredict proof verify FILE` does, may say it verifies: that proves the output of another circuit, not of this version)',
    }
  }

  /**
   * A batch bundle (issue 15): the rows are decoded from the proven words (never copied from the record), with the
   * batch circuit's own key and packing layout, so the bundle is self-contained for the CLI and stock snarkjs.
   */
  private async batchBundle (job: Succeeded, meta: VersionMeta): Promise<Static<typeof ProofBundle>> {
    const batch = job.batch as NonNullable<ProofRecord['batch']>
    const circuit = await this.batchCircuit(meta, batch.size)
    // A private batch: public signal 0 is the commitment, the words follow
    const words = meta.commitment != null ? job.public_signals.slice(1) : job.public_signals
    if (batch.vk_sha256 != null && circuit.facts.vk_sha256 !== batch.vk_sha256) {
      throw new Error(`the batch circuit of ${batch.size} rows of model '${meta.name}' version ${meta.version} is not the one ` +
        `proof '${job.id}' was made with (vk_sha256 ${String(circuit.facts.vk_sha256)} != ${batch.vk_sha256})`)
    }
    const facts = circuit.facts
    const layout = layoutFromJSON(facts.batch.layout)
    const rows = unpackWords(layout, words).rows.map((r) => decodeRow(r, facts))
    return {
      kind: 'batch',
      proof_system: 'groth16',
      proof: job.proof,
      public_signals: job.public_signals,
      verification_key: circuit.vk as Record<string, unknown>,
      model: { name: meta.name, version: meta.version, onnx_sha256: meta.onnx_sha256 },
      ...(meta.commitment != null ? { commitment: meta.commitment, circuit_id: meta.circuit_id } : {}),
      ...(meta.feature_transforms !== undefined ? { feature_transforms: meta.feature_transforms } : {}),
      batch: {
        size: batch.size,
        words: facts.batch.words,
        inputFracBits: facts.inputFracBits,
        logitScaleBits: facts.logitScaleBits,
        layout: facts.batch.layout as Record<string, unknown>,
      },
      rows,
    }
  }

  /** Against the registry's batch circuit of the bundle's size: its key AND its layout (a bundle's own layout could decode other rows). */
  private async verifyBatch (bundle: Static<typeof ProofBundle>): Promise<Verified> {
    const meta = this.deps.registry.resolve(bundle.model.name, bundle.model.version)
    const size = bundle.batch?.size
    if (size == null) return { verified: false, verification_ms: 0, reason: 'a batch bundle needs batch.size' }
    const circuit = await this.batchCircuit(meta, size)
    // A private version: public signal 0 pinned to the version's commitment, never the bundle's copy
    const check = await checkBatchBundle({
      ...(bundle as unknown as BatchBundle),
      verification_key: circuit.vk,
      batch: {
        size, inputFracBits: circuit.facts.inputFracBits, logitScaleBits: circuit.facts.logitScaleBits, layout: circuit.facts.batch.layout,
      },
    }, meta.commitment)
    const verified = check.verified && check.rowsMatch
    return {
      verified,
      verification_ms: check.verification_ms,
      ...(verified ? {} : { reason: check.reason ?? 'the proof does not verify against this version\'s batch verification key' }),
    }
  }

  private async batchCircuit (meta: VersionMeta, size: number): Promise<{ vk: unknown, facts: BatchFacts }> {
    const privates = this.deps.proofs.privates
    if (meta.circuit_id != null && privates != null) {
      // A private version's batch circuit is its architecture's, of that size (src/proofs/private/batch-setup.ts)
      const facts = await privates.batchMeta(meta.circuit_id, size)
      if (facts == null) {
        throw new AppError(409, 'circuit_not_ready', `the private batch circuit of ${size} rows of ${meta.circuit_id} is not built here`)
      }
      return { vk: await privates.batchVerificationKey(meta.circuit_id, size), facts: facts as unknown as BatchFacts }
    }
    const batches = this.deps.proofs.batches
    if (batches == null || !(await batches.isBuilt(meta, size))) {
      throw new AppError(409, 'circuit_not_ready', `model '${meta.name}' version ${meta.version} has no batch circuit of ${size} rows ` +
        '(it is built by the first batch proof of that size)')
    }
    return { vk: await batches.verificationKey(meta, size), facts: await batches.meta(meta, size) as unknown as BatchFacts }
  }
}

interface BatchFacts {
  vk_sha256: string
  inputFracBits: number
  logitScaleBits: number
  batch: { size: number, words: number, layout: Record<string, unknown> }
}

function requireSucceeded (job: ProofRecord): Succeeded {
  if (job.status !== 'succeeded' || job.proof == null || job.public_signals == null) {
    const why = job.error != null ? `: ${job.error}` : ''
    throw new AppError(409, 'proof_not_ready',
      `proof '${job.id}' is ${job.status}${why}; poll GET /proofs/${job.id} until it has succeeded`)
  }
  return { ...job, proof: job.proof, public_signals: job.public_signals }
}
