import { Value } from 'typebox/value'
import type { Static } from 'typebox'
import { AppError } from '../errors.js'
import { UploadSpec, type Evaluation, type ModelSummary, type ModelVersion, type UploadSpecBody } from '../schemas/index.js'
import { createSession } from '../onnx/session.js'
import { inspectOnnx, type OnnxSummary } from '../onnx/inspect.js'
import type { ProofSystemName, RegisterInput, Registry, VersionMeta, VersionRecord } from '../registry/registry.js'
import { versionView } from '../registry/views.js'
import type { CircuitBuilds } from '../jobs/circuit-builds.js'
import type { ProofJobs } from '../jobs/proof-jobs.js'
import type { ProofEngine } from '../jobs/proof-engine.js'
import { batchSizes } from '../proofs/batch-sizes.js'
import type { PrivateModels, PrivateSecrets } from '../jobs/private-models.js'

export interface ModelsDeps {
  registry: Registry
  circuits: CircuitBuilds
  proofs: ProofJobs
  engine: ProofEngine
  defaultProofSystem: ProofSystemName
  /** Private versions (issue 14): commitments, the per-architecture circuits, the secrets. */
  privateModels?: PrivateModels
}

/** The model registry's use cases: register (trained or uploaded), read, delete, aliases, verifier downloads. */
export class Models {
  constructor (private readonly deps: ModelsDeps) {}

  /** The one registration of a new version, trained or uploaded: it is stored, then its circuit is built in the background. */
  async register (input: RegisterInput): Promise<VersionMeta> {
    if (input.proof_visibility === 'private') return await this.registerPrivate(input)
    const meta = await this.deps.registry.register(input)
    void this.deps.circuits.enqueue(meta)
    return meta
  }

  /**
   * A private version: committed to with a fresh salt; when its architecture's circuit already exists the
   * version is registered ready (provable at once, no build); else the one build of that architecture is queued.
   */
  private async registerPrivate (input: RegisterInput): Promise<VersionMeta> {
    const pm = this.privateModels()
    const committed = pm.commit(input.onnx, input.threshold)
    const known = await pm.lookup(committed.circuit_id)
    const meta = await this.deps.registry.register({
      ...input,
      proof_system: 'groth16',
      commitment: committed.commitment,
      circuit_id: committed.circuit_id,
      secrets: committed.secrets,
      ...(known != null ? { circuit: { ...pm.circuitState(known), build_ms: 0 } } : {}),
    })
    if (known == null) void this.deps.circuits.enqueue(meta)
    return meta
  }

  private privateModels (): PrivateModels {
    if (this.deps.privateModels == null) throw new AppError(501, 'private_unavailable', 'this service has no private models')
    return this.deps.privateModels
  }

  /** An ONNX file trained elsewhere and its spec (the parsed JSON of the 'spec' part, checked here). */
  async upload (onnx: Uint8Array | undefined, specValue: unknown): Promise<VersionMeta> {
    const spec = checkUploadSpec(specValue)
    if (onnx == null || onnx.byteLength === 0) {
      throw new AppError(400, 'missing_part', "the multipart body has no 'model' file part (the ONNX file)", { field: 'model' })
    }
    if (spec.proof_visibility === 'private' && spec.proof_system === 'plonk') {
      throw new AppError(400, 'invalid_spec', 'private versions prove with groth16 (one key per architecture): drop proof_system plonk',
        { field: 'spec.proof_system' })
    }
    const summary = await checkServable(onnx, spec)
    const featuresFromMetadata = parseJsonArray(summary.metadata.feature_names)
    const threshold = spec.threshold ?? Number(summary.metadata.threshold ?? 0.5)
    return await this.register({
      name: spec.name,
      source: 'uploaded',
      onnx,
      inputs: summary.inputs,
      outputs: summary.outputs,
      features: spec.features ?? featuresFromMetadata,
      threshold: Number.isFinite(threshold) ? threshold : 0.5,
      proof_system: spec.proof_system ?? this.deps.defaultProofSystem,
      ...(spec.proof_visibility !== undefined ? { proof_visibility: spec.proof_visibility } : {}),
    })
  }

  list (): Array<Static<typeof ModelSummary>> {
    return this.deps.registry.listModels()
  }

  /** Every version number of a model (the version itself when the model is gone meanwhile). */
  versions (meta: VersionMeta): number[] {
    return this.deps.registry.listModels().find((m) => m.name === meta.name)?.versions ?? [meta.version]
  }

  resolve (name: string, version: string | number = 'latest'): VersionMeta {
    return this.deps.registry.resolve(name, version)
  }

  /** Any version, whatever its status (ready, damaged, deleted). */
  view (name: string, version: string | number = 'latest'): Static<typeof ModelVersion> {
    const record = this.deps.registry.lookup(name, version)
    const view = versionView(this.deps.registry, record)
    // A ceremony may have replaced the architecture's key since registration: show the key in use.
    const circuitId = record.meta?.circuit_id
    const arch = circuitId != null ? this.deps.privateModels?.known(circuitId) : undefined
    if (arch != null && view.circuit?.status === 'ready') view.circuit = { ...view.circuit, ...this.privateModels().circuitState(arch) }
    return view
  }

  /** The version's evaluation report (evaluation.json): 404 for a version without one. */
  async evaluation (name: string, version: string): Promise<Static<typeof Evaluation>> {
    const meta = this.resolve(name, version)
    const report = await this.deps.registry.readEvaluation(meta)
    if (report == null) {
      const why = meta.source === 'uploaded' ? 'uploaded models are evaluated by their owner' : 'trained before evaluations were saved'
      const message = `model '${meta.name}' version ${meta.version} has no evaluation (${why})`
      throw new AppError(404, 'evaluation_not_found', message, { field: 'version' })
    }
    return report as Static<typeof Evaluation>
  }

  /** The ONNX file; a private version's only for an admin key (its weights are what the commitment hides). */
  async onnx (name: string, version: string, admin = false): Promise<{ meta: VersionMeta, bytes: Buffer }> {
    const meta = this.resolve(name, version)
    requireAdminForPrivate(meta, admin, 'ONNX file is')
    return { meta, bytes: await this.deps.registry.readOnnx(meta) }
  }

  /** A private version's secrets (quantized weights, salt): what an admin needs to recompute the commitment. */
  async privateParameters (name: string, version: string, admin: boolean): Promise<PrivateSecrets> {
    const meta = this.resolve(name, version)
    if (meta.proof_visibility !== 'private') {
      throw new AppError(404, 'not_private', `model '${meta.name}' version ${meta.version} is public: its weights are in its ONNX file`,
        { field: 'version' })
    }
    requireAdminForPrivate(meta, admin, 'weights and salt are')
    return await this.privateModels().readSecrets(this.deps.registry.versionDir(meta.name, meta.version))
  }

  /**
   * Deletes a version, keeping a tombstone (its finished proofs stay verifiable and downloadable); its queued proofs
   * fail with "version N was deleted" and are counted in the reply.
   */
  async delete (name: string, version: string): Promise<{ record: VersionRecord, cancelled: number }> {
    const record = await this.deps.registry.deleteVersion(name, version)
    const cancelled = await this.deps.proofs.cancelVersion(record.name, record.version,
      `model '${record.name}' version ${record.version} was deleted before this proof was made`)
    return { record, cancelled }
  }

  async setAlias (name: string, alias: string, version: number): Promise<Static<typeof ModelSummary>> {
    await this.deps.registry.setAlias(name, alias, version)
    const summary = this.deps.registry.listModels().find((m) => m.name === name)
    if (summary == null) throw new AppError(404, 'model_not_found', `model '${name}' does not exist`)
    return summary
  }

  /** A deleted version's key too: its tombstone keeps it for the proofs made before. */
  async verificationKey (name: string, version: string): Promise<unknown> {
    return await this.deps.proofs.verificationKey(this.deps.registry.resolveProven(name, version))
  }

  /**
   * The Solidity contract of a version's batch circuit of `size` rows (issue 15): `ZkPredictBatch{size}Verifier`, which
   * takes the rows and outputs as calldata. A size's circuit is built by the first batch proof of that size. A private
   * version's is its architecture's `ZkPredictPrivateBatch{size}Verifier`, deployed with the version's commitment.
   */
  async batchVerifier (name: string, version: string, size: number): Promise<string> {
    const meta = this.resolve(name, version)
    const batches = this.deps.proofs.batches
    const sizes = batches != null ? batchSizes(batches.maxRows) : []
    if (batches == null || !sizes.includes(size)) {
      throw new AppError(400, 'invalid_batch_size', `size ${size} is not a batch size; the batch circuits have ${sizes.join(', ')} rows`,
        { field: 'size' })
    }
    if (meta.circuit_id != null) {
      const pm = this.privateModels()
      if ((await pm.batchMeta(meta.circuit_id, size)) == null) {
        throw new AppError(409, 'circuit_not_ready', `the private batch circuit of ${size} rows of ${meta.circuit_id} is not built ` +
          `yet: it is built by the first request with proof "batch" of ${rowsOf(sizes, size)} to a private version of that architecture`,
        { field: 'size' })
      }
      return await pm.batchSolidity(meta.circuit_id, size)
    }
    if (!(await batches.isBuilt(meta, size))) {
      throw new AppError(409, 'circuit_not_ready', `model '${meta.name}' version ${meta.version} has no batch circuit of ${size} rows ` +
        `yet: it is built by the first request with proof "batch" of ${rowsOf(sizes, size)}`,
      { field: 'size' })
    }
    return await batches.solidity(meta, size)
  }

  async solidityVerifier (name: string, version: string): Promise<string> {
    const meta = this.deps.registry.resolveProven(name, version)
    await this.deps.proofs.verificationKey(meta) // the same readiness checks and errors
    if (meta.circuit_id != null) return await this.privateModels().solidityVerifier(meta.circuit_id)
    return await this.deps.engine.solidityVerifier(this.deps.registry.circuitDir(meta), meta.proof_system)
  }
}

/** The request sizes a batch size serves ("3 to 4 rows"). */
function rowsOf (sizes: number[], size: number): string {
  const smaller = sizes[sizes.indexOf(size) - 1] ?? 0
  return smaller + 1 === size ? `${size} row${size === 1 ? '' : 's'}` : `${smaller + 1} to ${size} rows`
}

function requireAdminForPrivate (meta: VersionMeta, admin: boolean, what: string): void {
  if (meta.proof_visibility === 'private' && !admin) {
    throw new AppError(403, 'admin_key_required',
      `model '${meta.name}' version ${meta.version} is private: its ${what} served only with an admin key (ADMIN_API_KEYS)`)
  }
}

export function checkUploadSpec (value: unknown): UploadSpecBody {
  if (!Value.Check(UploadSpec, value)) {
    const first = [...Value.Errors(UploadSpec, value)][0]
    const where = `spec${first?.instancePath ?? ''}`
    throw new AppError(400, 'invalid_spec', `${where} ${first?.message ?? 'is invalid'}`, { field: where })
  }
  return value
}

/**
 * What the service can serve: one float input of shape [N, W] or [1, W] (or [W]) and tensor
 * outputs. The file must also load in onnxruntime before it is accepted.
 */
export async function checkServable (onnx: Uint8Array, spec: UploadSpecBody): Promise<OnnxSummary> {
  const summary = inspectOnnx(onnx)
  if (summary.inputs.length !== 1) {
    const names = summary.inputs.map((i) => i.name).join(', ')
    throw new AppError(422, 'unsupported_model',
      `the model has ${summary.inputs.length} inputs (${names}); one input of shape [N, features] is required`, { field: 'model' })
  }
  const input = summary.inputs[0]
  if (input.datatype !== 'FP32') {
    throw new AppError(422, 'unsupported_model', `input '${input.name}' has type ${input.datatype}; FP32 is required`, { field: 'model' })
  }
  const width = input.shape[input.shape.length - 1]
  if (input.shape.length !== 2 || width == null || width < 1 || (input.shape[0] !== -1 && input.shape[0] !== 1)) {
    throw new AppError(422, 'unsupported_model',
      `input '${input.name}' has shape [${input.shape.join(', ')}]; [N, features] or [1, features] with a fixed feature count is required`,
      { field: 'model' })
  }
  if (summary.outputs.length === 0) throw new AppError(422, 'unsupported_model', 'the model has no outputs', { field: 'model' })
  if (spec.features != null && spec.features.length !== width) {
    throw new AppError(400, 'invalid_spec',
      `spec.features names ${spec.features.length} features; the model's input '${input.name}' takes ${width}`, { field: 'spec.features' })
  }
  if (spec.features != null && new Set(spec.features).size !== spec.features.length) {
    throw new AppError(400, 'invalid_spec', 'spec.features has duplicate names', { field: 'spec.features' })
  }
  try {
    const session = await createSession(onnx)
    await session.release()
  } catch (err) {
    throw new AppError(422, 'invalid_model', `onnxruntime cannot load the model: ${(err as Error).message.split('\n')[0]}`,
      { field: 'model' })
  }
  return summary
}

function parseJsonArray (text: string | undefined): string[] | null {
  if (text == null) return null
  try {
    const value = JSON.parse(text) as unknown
    return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : null
  } catch {
    return null
  }
}
