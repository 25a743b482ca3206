import type { Static } from 'typebox'
import { AppError } from '../errors.js'
import type { ProofBundle, VerifyResult } from '../schemas/index.js'
import type { Registry } from '../registry/registry.js'
import type { ProofJobs, ProofRecord } from '../jobs/proof-jobs.js'

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
    const meta = this.deps.registry.resolve(job.model, job.version)
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
    return await this.deps.proofs.verify(this.deps.registry.resolve(job.model, job.version), job.public_signals, job.proof)
  }

  /** Against the registry's key for the bundle's model version, never the key inside the bundle. */
  async verifyBundle (bundle: Static<typeof ProofBundle>): Promise<Verified> {
    const meta = this.deps.registry.resolve(bundle.model.name, bundle.model.version)
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
    const result = await this.deps.proofs.verify(meta, bundle.public_signals, bundle.proof)
    const reason = result.reason ?? 'the proof does not verify against this version\'s verification key'
    return result.verified ? result : { ...result, reason }
  }
}

function requireSucceeded (job: ProofRecord): Succeeded {
  if (job.status !== 'succeeded' || job.proof == null || job.public_signals == null) {
    const why = job.error != null ? `: ${job.error}` : ''
    throw new AppError(409, 'proof_not_ready',
      `proof '${job.id}' is ${job.status}${why}; poll GET /proofs/${job.id} until it has succeeded`)
  }
  return { ...job, proof: job.proof, public_signals: job.public_signals }
}
