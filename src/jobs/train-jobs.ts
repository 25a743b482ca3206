import { mkdir, readdir, rm } from 'node:fs/promises'
import path from 'node:path'
import type { FastifyBaseLogger } from 'fastify'
import { AppError } from '../errors.js'
import type { DatasetName } from '../data/types.js'
import type { DataSource } from '../data/sources.js'
import { runTrainingJob, type TrainingJobSpec } from '../training/run-in-worker.js'
import type { TrainedModel, TrainingProgress } from '../training/types.js'
import { inspectOnnx } from '../onnx/inspect.js'
import type { ProofSystemName, RegisterInput, Registry, VersionMeta } from '../registry/registry.js'
import { JobStore, type StoredJob } from './job-store.js'
import { WorkQueue } from './work-queue.js'

export interface TrainSpec {
  model: string
  recipe: 'tutorial' | 'default'
  window: 3 | 7
  seed: number
  epochs?: number
  proof_system?: ProofSystemName
  data: { synthetic: { seed?: number, days?: number } } | { sources: Record<DatasetName, DataSource> }
}

export interface TrainJobRecord extends StoredJob {
  status: 'queued' | 'running' | 'succeeded' | 'failed'
  href: string
  started?: string
  finished?: string
  spec: {
    model: string,
    recipe: string,
    window: number,
    seed: number,
    epochs?: number,
    proof_system?: string,
    data: 'synthetic' | 'urls' | 'upload'
  }
  /** The full spec, kept so a queued job can resume after a restart (uploaded files live in uploadDir). */
  request: TrainSpec
  uploadDir?: string
  progress?: TrainingProgress
  dataset?: TrainedModel['dataset']
  metrics?: TrainedModel['metrics']
  model?: { name: string, version: number }
  backend?: string
  train_ms?: number
  error?: string
}

export interface TrainJobsOptions {
  dir: string
  uploadsDir: string
  concurrency: number
  queueLimit: number
  limits: { maxBytes: number, timeoutMs: number, allowedHosts?: string[] }
  defaultProofSystem: ProofSystemName
  /** The tfjs backend to force (TFJS_BACKEND); undefined lets training pick (tensorflow, then wasm, then cpu). */
  backend?: 'tensorflow' | 'wasm' | 'cpu'
  /** The one registration of a new version (src/services/models.ts): stores it and queues its circuit build. */
  register: (input: RegisterInput) => Promise<VersionMeta>
}

/** Training jobs: queued, run one (or a few) at a time in worker threads, stored in DATA_DIR. */
export class TrainJobs {
  private readonly store: JobStore<TrainJobRecord>
  private readonly queue: WorkQueue
  private readonly aborts = new Map<string, AbortController>()
  private closed = false

  constructor (private readonly registry: Registry, private readonly options: TrainJobsOptions, private readonly log: FastifyBaseLogger) {
    this.store = new JobStore(options.dir)
    this.queue = new WorkQueue('training', options.concurrency, options.queueLimit)
  }

  /** After a restart: a job that was running is failed (its worker died with the process); queued jobs run again. */
  async init (): Promise<TrainJobRecord[]> {
    const resumable: TrainJobRecord[] = []
    for (const job of await this.store.init()) {
      if (job.status === 'running') {
        // The process may have died between registering the model and recording it: the version says so.
        const made = this.registry.allVersions().find((meta) => meta.job === job.id)
        if (made != null) {
          await this.finish(job, {
            status: 'succeeded',
            model: { name: made.name, version: made.version },
            ...(made.dataset != null ? { dataset: made.dataset } : {}),
            ...(made.metrics != null ? { metrics: made.metrics as unknown as TrainJobRecord['metrics'] } : {}),
            ...(made.backend != null ? { backend: made.backend } : {}),
          })
          continue
        }
        await this.finish(job, { status: 'failed', error: 'interrupted: the service stopped while this job was running; submit it again' })
      } else if (job.status === 'queued') {
        resumable.push(job)
      }
    }
    // Files of an upload cut off by a crash (no job was ever saved for them) are never read: remove them.
    const keep = new Set(resumable.map((job) => job.uploadDir).filter((dir) => dir != null).map((dir) => path.resolve(dir as string)))
    for (const name of await readdir(this.options.uploadsDir).catch(() => [] as string[])) {
      const dir = path.resolve(this.options.uploadsDir, name)
      if (!keep.has(dir)) await rm(dir, { recursive: true, force: true })
    }
    return resumable
  }

  resume (jobs: TrainJobRecord[]): void {
    for (const job of jobs) this.enqueue(job)
  }

  get (id: string): TrainJobRecord {
    const job = this.store.get(id)
    if (job == null) throw new AppError(404, 'job_not_found', `training job '${id.slice(0, 80)}' does not exist`, { field: 'id' })
    return job
  }

  list (): TrainJobRecord[] {
    return this.store.list()
  }

  /** Jobs for `model` not yet finished. */
  active (model: string): TrainJobRecord[] {
    return this.store.list().filter((j) => j.spec.model === model && (j.status === 'queued' || j.status === 'running'))
  }

  newUploadDir (id: string): string {
    return path.join(this.options.uploadsDir, id)
  }

  async submit (spec: TrainSpec, id = JobStore.newId(), uploadDir?: string): Promise<TrainJobRecord> {
    this.queue.ensureRoom()
    const dataKind = 'synthetic' in spec.data ? 'synthetic' : uploadDir != null ? 'upload' : 'urls'
    const job: TrainJobRecord = {
      id,
      status: 'queued',
      href: `/train/${id}`,
      created: new Date().toISOString(),
      spec: {
        model: spec.model,
        recipe: spec.recipe,
        window: spec.window,
        seed: spec.seed,
        epochs: spec.epochs,
        proof_system: spec.proof_system ?? this.options.defaultProofSystem,
        data: dataKind
      },
      request: spec,
      uploadDir,
    }
    if (uploadDir != null) await mkdir(uploadDir, { recursive: true })
    await this.store.save(job)
    this.enqueue(job)
    return job
  }

  close (): void {
    this.closed = true
    for (const controller of this.aborts.values()) controller.abort()
  }

  private enqueue (job: TrainJobRecord): void {
    this.queue.push(async () => await this.run(job.id))
  }

  private async run (id: string): Promise<void> {
    if (this.closed) return
    let job = this.get(id)
    if (job.status !== 'queued') return
    const started = Date.now()
    job = { ...job, status: 'running', started: new Date().toISOString() }
    await this.store.save(job)
    const controller = new AbortController()
    this.aborts.set(id, controller)
    let lastSaved = 0
    try {
      const spec = job.request
      const workerSpec: TrainingJobSpec = {
        recipe: spec.recipe,
        window: spec.window,
        seed: spec.seed,
        epochs: spec.epochs,
        data: spec.data,
        limits: this.options.limits,
        ...(this.options.backend != null ? { backend: this.options.backend } : {}),
      }
      const result = await runTrainingJob(workerSpec, {
        signal: controller.signal,
        onProgress: (progress: TrainingProgress) => {
          job = { ...this.get(id), progress }
          this.store.touch(job)
          // Progress is read from memory; the file is refreshed now and then so a restart shows where it was.
          if (Date.now() - lastSaved > 2000) { lastSaved = Date.now(); void this.store.save(job).catch(() => undefined) }
        },
      })
      const summary = inspectOnnx(result.onnx)
      const meta = await this.options.register({
        name: spec.model,
        source: 'trained',
        onnx: result.onnx,
        inputs: summary.inputs,
        outputs: summary.outputs,
        features: result.model.featureNames,
        threshold: result.model.threshold,
        proof_system: spec.proof_system ?? this.options.defaultProofSystem,
        recipe: result.model.recipe,
        window: result.model.window,
        seed: result.model.seed,
        metrics: result.model.metrics,
        dataset: result.model.dataset,
        backend: result.model.backend,
        history: result.model.history,
        job: id,
      })
      await this.finish(this.get(id), {
        status: 'succeeded',
        dataset: result.model.dataset,
        metrics: result.model.metrics,
        model: { name: meta.name, version: meta.version },
        backend: result.model.backend,
        train_ms: Date.now() - started,
      })
      this.log.info({
        job: id,
        model: meta.name,
        version: meta.version,
        f1: result.model.metrics.f1,
        roc_auc: result.model.metrics.roc_auc
      }, 'training job succeeded')
    } catch (err) {
      const message = this.closed ? 'interrupted: the service stopped while this job was running; submit it again' : describeError(err)
      await this.finish(this.get(id), { status: 'failed', error: message })
      this.log.warn({ job: id, error: message }, 'training job failed')
    } finally {
      this.aborts.delete(id)
    }
  }

  private async finish (job: TrainJobRecord, update: Partial<TrainJobRecord>): Promise<void> {
    const done: TrainJobRecord = { ...job, ...update, finished: new Date().toISOString() }
    await this.store.save(done)
    if (done.uploadDir != null) await rm(done.uploadDir, { recursive: true, force: true }).catch(() => undefined)
  }
}

function describeError (err: unknown): string {
  const e = err as { message?: string, where?: Record<string, unknown> }
  const where = e.where != null ? Object.entries(e.where).map(([k, v]) => `${k} ${String(v)}`).join(', ') : ''
  const message = e.message ?? String(err)
  return where !== '' && !message.includes(String(Object.values(e.where ?? {})[0])) ? `${message} (${where})` : message
}
