import { createWriteStream } from 'node:fs'
import { mkdir, rm } from 'node:fs/promises'
import { pipeline } from 'node:stream/promises'
import type { Readable } from 'node:stream'
import path from 'node:path'
import type { FastifyBaseLogger } from 'fastify'
import { AppError } from '../errors.js'
import { DATASET_NAMES, type DatasetName } from '../data/types.js'
import { urlPolicyViolation, type DataSource } from '../data/sources.js'
import type { TrainRequestBody } from '../schemas/index.js'
import type { Registry } from '../registry/registry.js'
import { randomUUID } from 'node:crypto'
import type { TrainJobRecord, TrainJobs, TrainSpec } from '../jobs/train-jobs.js'
import type { TrainPage } from '../jobs/queues/train-store.js'

/** The models `npm start` trains on synthetic data when the registry has none. */
export const DEFAULT_MODELS = [
  { name: 'aave-liquidation-7d', window: 7 as const },
  { name: 'aave-liquidation-3d', window: 3 as const },
]

/** A dataset file of a multipart training request, as the HTTP layer hands it over. */
export interface UploadedFile {
  filename?: string
  file: Readable & { truncated?: boolean }
}

/** The files of one multipart training request, staged under their own job's upload directory. */
export interface TrainUpload {
  /** Stores the file of part `name` (null: the part was a field, not a file). */
  add: (name: string, file: UploadedFile | null) => Promise<void>
  /** Queues the job over the stored files; `spec` is the request's validated 'spec' part. */
  submit: (spec: TrainRequestBody) => Promise<TrainJobRecord>
  /** A refused upload leaves nothing behind. */
  discard: () => Promise<void>
}

export interface TrainingDeps {
  jobs: TrainJobs
  registry: Registry
  /** FETCH_ALLOWED_HOSTS, parsed (undefined: any host). */
  allowedHosts: string[] | undefined
  /** Train DEFAULT_MODELS at start when the registry has none (DEFAULT_MODELS, DEFAULT_SEED). */
  defaults: { enabled: boolean, seed: number }
  /** REDIS_URL mode: every API replica gets to trainDefaults at start; one deduplication key per default model makes BullMQ add it once. */
  sharedQueue?: boolean
  log: FastifyBaseLogger
}

/** Training: submit a job (synthetic data, dataset URLs or uploaded files), read jobs, train the default models. */
export class Training {
  constructor (private readonly deps: TrainingDeps) {}

  /** A JSON request: synthetic data (the default) or five dataset URLs, checked against src/data's URL policy before queueing. */
  async submit (body: TrainRequestBody): Promise<TrainJobRecord> {
    let data: TrainSpec['data'] = { synthetic: {} }
    if (body.data != null && 'sources' in body.data) {
      const sources = {} as Record<DatasetName, DataSource>
      for (const name of DATASET_NAMES) {
        checkSourceUrl(name, body.data.sources[name], this.deps.allowedHosts)
        sources[name] = { kind: 'url', url: body.data.sources[name] }
      }
      data = { sources }
    } else if (body.data != null && 'synthetic' in body.data) {
      data = { synthetic: body.data.synthetic }
    }
    return await this.deps.jobs.submit(toSpec(body, data))
  }

  beginUpload (): TrainUpload {
    const id = randomUUID()
    const dir = this.deps.jobs.newUploadDir(id)
    const sources: Partial<Record<DatasetName, DataSource>> = {}
    return {
      add: async (name, upload) => {
        if (!(DATASET_NAMES as readonly string[]).includes(name)) {
          throw new AppError(400, 'unexpected_part',
            `unexpected part '${name.slice(0, 80)}': send 'spec' and the files ${DATASET_NAMES.join(', ')}`, { field: name.slice(0, 80) })
        }
        if (upload == null) throw new AppError(400, 'invalid_part', `part '${name}' must be a file`, { field: name })
        // The stored name is the dataset's, never the client's file name: only its extension is kept.
        const ext = path.extname(upload.filename ?? '').toLowerCase().replace(/[^.a-z]/g, '').slice(0, 10)
        const file = path.join(dir, `${name}${ext}`)
        await mkdir(dir, { recursive: true })
        await pipeline(upload.file, createWriteStream(file))
        if (upload.file.truncated === true) {
          throw new AppError(413, 'file_too_large', `${name}: the file exceeds UPLOAD_LIMIT`,
            { field: name })
        }
        sources[name as DatasetName] = { kind: 'path', path: file }
      },
      submit: async (spec) => {
        const missing = DATASET_NAMES.filter((n) => sources[n] == null)
        if (missing.length > 0) {
          throw new AppError(400, 'missing_part', `missing dataset file part(s): ${missing.join(', ')}`,
            { field: missing[0] })
        }
        return await this.deps.jobs.submit(toSpec(spec, { sources: sources as Record<DatasetName, DataSource> }), id, dir)
      },
      discard: async () => { await rm(dir, { recursive: true, force: true }) },
    }
  }

  async get (id: string): Promise<TrainJobRecord> {
    return await this.deps.jobs.get(id)
  }

  /** Newest first, `limit` at a time; `cursor` is the `next` of the previous page. */
  async list (limit?: number, cursor?: string): Promise<TrainPage> {
    return await this.deps.jobs.list(limit, cursor)
  }

  /** The tfjs backend of the newest finished training job, if any. */
  async backend (): Promise<string | null> {
    return (await this.deps.jobs.list(20)).jobs.find((j) => j.backend != null)?.backend ?? null
  }

  /** Whether the first default model can serve, and if not what is missing (readiness). */
  async readiness (): Promise<{ ready: boolean, missing: string[] }> {
    if (!this.deps.defaults.enabled) return { ready: true, missing: [] }
    const model = DEFAULT_MODELS[0].name
    if (this.deps.registry.hasModel(model)) return { ready: true, missing: [] }
    const job = (await this.deps.jobs.active(model))[0]
    const progress = job?.progress != null
      ? ` (fold ${job.progress.fold}/${job.progress.folds}, epoch ${job.progress.epoch}/${job.progress.epochs})`
      : ''
    return {
      ready: false,
      missing: [`model ${model}: ${job != null ? `training ${job.status}${progress}` : 'no version and no training job'}`]
    }
  }

  /**
   * Whether the default model's latest version can be proven yet: its circuit is built after training, and a proof
   * asked for before then waits. False when the service has no default model (DEFAULT_MODELS off).
   */
  defaultProvable (): boolean {
    if (!this.deps.defaults.enabled) return false
    const model = DEFAULT_MODELS[0].name
    if (!this.deps.registry.hasModel(model)) return false
    return this.deps.registry.circuit(this.deps.registry.resolve(model)).status === 'ready'
  }

  /** Queues the default models that have neither a version nor a job, the 7-day one (the one readiness waits for) first. */
  async trainDefaults (): Promise<void> {
    if (!this.deps.defaults.enabled) return
    const { registry, jobs, log } = this.deps
    const seed = this.deps.defaults.seed
    for (const { name, window } of DEFAULT_MODELS) {
      if (registry.hasModel(name) || (await jobs.active(name)).length > 0) continue
      log.info({ model: name }, 'no model yet: training the default model on synthetic data in the background')
      // Every replica gets here at start: one deduplication key per default model makes BullMQ queue one job. It is
      // released when that job ends, so a failed default training is queued again by the next start (a fixed job id
      // kept the failed job's place for the 7 days BullMQ keeps failed jobs).
      const dedupe = this.deps.sharedQueue === true ? `default-${name}-${seed}` : undefined
      await jobs.submit({ model: name, recipe: 'default', window, seed, data: { synthetic: { seed } } }, undefined, undefined,
        dedupe != null ? { dedupe } : {})
        .catch((err: Error) => log.error({ err }, 'could not start the default training'))
    }
  }
}

function toSpec (body: TrainRequestBody, data: TrainSpec['data']): TrainSpec {
  if (body.horizon !== undefined && body.recipe !== 'forecast') {
    const message = `horizon applies to the forecast recipe only (recipe is '${body.recipe ?? 'default'}')`
    throw new AppError(400, 'invalid_spec', message, { field: 'horizon' })
  }
  if (body.proof_visibility === 'private' && body.proof_system === 'plonk') {
    throw new AppError(400, 'invalid_spec', 'private versions prove with groth16 (one key per architecture): drop proof_system plonk',
      { field: 'proof_system' })
  }
  return {
    model: body.model,
    recipe: body.recipe ?? 'default',
    window: body.window ?? 7,
    seed: body.seed ?? 0,
    epochs: body.epochs,
    ...(body.horizon !== undefined ? { horizon: body.horizon } : {}),
    ...(body.walk_forward !== undefined ? { walk_forward: body.walk_forward } : {}),
    proof_system: body.proof_system,
    ...(body.proof_visibility !== undefined ? { proof_visibility: body.proof_visibility } : {}),
    data
  }
}

/** src/data's URL policy, answered before a job is queued with the API's codes (invalid_url, host_not_allowed). */
function checkSourceUrl (dataset: string, text: string, hosts: string[] | undefined): void {
  const violation = urlPolicyViolation(text, hosts)
  if (violation == null) return
  const where = { field: `data.sources.${dataset}` }
  switch (violation.kind) {
    case 'not_a_url':
      throw new AppError(400, 'invalid_url', `data.sources.${dataset}: '${text.slice(0, 200)}' is not a URL`, where)
    case 'scheme':
      throw new AppError(400, 'invalid_url', `data.sources.${dataset}: only http and https URLs are allowed, not ${violation.protocol}`,
        where)
    case 'host':
      throw new AppError(400, 'host_not_allowed',
        `data.sources.${dataset}: host '${violation.url.hostname}' is not in FETCH_ALLOWED_HOSTS`, where)
  }
}
