import { mkdir, readdir, rm } from 'node:fs/promises'
import { randomUUID } from 'node:crypto'
import path from 'node:path'
import type { FastifyBaseLogger } from 'fastify'
import { AppError } from '../errors.js'
import { runTrainingJob, type TrainingJobSpec } from './train-in-worker.js'
import type { TrainingProgress } from '../training/types.js'
import { inspectOnnx } from '../onnx/inspect.js'
import type { ProofSystemName, RegisterInput, Registry, VersionMeta } from '../registry/registry.js'
import { WorkQueue } from './work-queue.js'
import { InFlight } from './in-flight.js'
import { publishTraining } from '../observability/events.js'
import { inJobSpan, traceCarrier } from '../observability/tracing.js'
import { FileTrainStore, type TrainPage, type TrainStore } from './queues/train-store.js'
import type { TrainJobRecord, TrainSpec } from './train-record.js'

export type { TrainJobRecord, TrainSpec } from './train-record.js'

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

/** Where a submitted training job goes: the in-process queue (embedded) or BullMQ's 'training' queue. */
export interface TrainDispatch {
  /** See ProofDispatch.recordFirst. */
  readonly recordFirst: boolean
  ensureRoom: () => Promise<void>
  /**
   * Queues `job`; returns the job that will run. With `dedupe` (BullMQ only), while a job queued under
   * the same key is neither finished nor failed, that job is returned and nothing new is queued.
   */
  enqueue: (job: TrainJobRecord, options?: { dedupe?: string }) => Promise<TrainJobRecord>
  close: () => Promise<void>
}

/** A training failure that no retry can fix (a bad dataset or URL, a spec the data cannot serve): BullMQ's UnrecoverableError. */
export class PermanentTrainError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'PermanentTrainError'
  }
}

/** A job stopped by this worker's shutdown: handed back to the queue without spending an attempt (the next worker trains it). */
export class TrainInterruptedError extends Error {
  constructor () {
    super(INTERRUPTED)
    this.name = 'TrainInterruptedError'
  }
}

/** Where a BullMQ job stands in its tries: the last one records a failure, an earlier one hands the job back for a retry. */
export interface TrainAttempt { attempt: number, attempts: number }

export class LocalTrainDispatch implements TrainDispatch {
  readonly recordFirst = true
  /** Public for the metrics' queue depth (a QueueDepthSource). */
  readonly queue: WorkQueue
  run: (id: string) => Promise<void> = async () => {}
  constructor (concurrency: number, limit: number) { this.queue = new WorkQueue('training', concurrency, limit) }
  async ensureRoom (): Promise<void> { this.queue.ensureRoom() }
  async enqueue (job: TrainJobRecord): Promise<TrainJobRecord> {
    this.queue.push(async () => await this.run(job.id))
    return job
  }

  async close (): Promise<void> {}
}

const INTERRUPTED = 'interrupted: the service stopped while this job was running; submit it again'

/** Training jobs: queued, run one (or a few) at a time in worker threads, here (embedded) or in worker processes (BullMQ). */
export class TrainJobs {
  readonly store: TrainStore
  private readonly dispatch: TrainDispatch
  private readonly aborts = new Map<string, AbortController>()
  private closed = false
  /** The runs under way in this process, awaited by close(). */
  private readonly inFlight = new InFlight()

  constructor (
    private readonly registry: Registry, private readonly options: TrainJobsOptions, private readonly log: FastifyBaseLogger,
    queues?: { store: TrainStore, dispatch: TrainDispatch }
  ) {
    this.store = queues?.store ?? new FileTrainStore(options.dir)
    this.dispatch = queues?.dispatch ?? new LocalTrainDispatch(options.concurrency, options.queueLimit)
    if (this.dispatch instanceof LocalTrainDispatch) this.dispatch.run = async (id) => await this.runTraced(id)
  }

  /** The in-process queue (embedded mode), for the metrics' queue depth; BullMQ mode reads the queue itself. */
  get localQueue (): WorkQueue | undefined {
    return this.dispatch instanceof LocalTrainDispatch ? this.dispatch.queue : undefined
  }

  /**
   * Embedded mode after a restart: a job that was running is failed (its worker died with the
   * process); queued jobs run again. (BullMQ mode: the queue holds them; a stalled job runs again.)
   */
  async init (): Promise<TrainJobRecord[]> {
    if (!(this.store instanceof FileTrainStore)) return []
    const resumable: TrainJobRecord[] = []
    const jobs = await this.store.jobs.init()
    for (const [id, damage] of this.store.jobs.damaged) {
      this.log.error({ item: `training job '${id}'`, file: damage.file, reason: damage.reason },
        `stored file is damaged: training job '${id}' is listed as damaged and never run`)
    }
    for (const job of jobs) {
      if (job.status === 'running') {
        if (await this.finishIfRegistered(job)) continue
        await this.finish(job, { status: 'failed', error: INTERRUPTED })
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
    for (const job of jobs) void this.dispatch.enqueue(job)
  }

  async get (id: string): Promise<TrainJobRecord> {
    const job = await this.store.get(id)
    if (job == null) throw new AppError(404, 'job_not_found', `training job '${id.slice(0, 80)}' does not exist`, { field: 'id' })
    return job
  }

  /** Newest first, `limit` at a time; `cursor` is the `next` of the previous page. */
  async list (limit = 50, cursor?: string): Promise<TrainPage> {
    return await this.store.page(limit, cursor)
  }

  /** Jobs for `model` not yet finished (among the newest 100). */
  async active (model: string): Promise<TrainJobRecord[]> {
    return (await this.store.page(100)).jobs.filter((j) => j.spec.model === model && (j.status === 'queued' || j.status === 'running'))
  }

  newUploadDir (id: string): string {
    return path.join(this.options.uploadsDir, id)
  }

  /**
   * Queues a job. `dedupe` (REDIS_URL mode): replicas that submit the same work at once (the default
   * models at start) queue one job; the key is released when that job succeeds or fails for good, so a
   * failed job never blocks the next submission (a fixed job id would, for as long as BullMQ keeps it).
   */
  async submit (spec: TrainSpec, id: string = randomUUID(), uploadDir?: string, options: { dedupe?: string } = {}):
  Promise<TrainJobRecord> {
    await this.dispatch.ensureRoom()
    const dataKind = 'synthetic' in spec.data ? 'synthetic' : uploadDir != null ? 'upload' : 'urls'
    const trace = traceCarrier()
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
        ...(spec.horizon !== undefined ? { horizon: spec.horizon } : {}),
        ...(spec.walk_forward !== undefined ? { walk_forward: spec.walk_forward } : {}),
        proof_system: spec.proof_system ?? this.options.defaultProofSystem,
        ...(spec.proof_visibility !== undefined ? { proof_visibility: spec.proof_visibility } : {}),
        data: dataKind,
      },
      request: spec,
      uploadDir,
      ...(trace != null ? { trace } : {}),
    }
    if (uploadDir != null) await mkdir(uploadDir, { recursive: true })
    if (this.dispatch.recordFirst) await this.store.save(job)
    const queued = await this.dispatch.enqueue(job, options)
    if (queued.id !== job.id) return await this.store.get(queued.id) ?? queued // another replica's job, already queued
    if (!this.dispatch.recordFirst) await this.store.create(job)
    publishTraining({ source: this, state: 'queued', recipe: spec.recipe })
    return job
  }

  async close (): Promise<void> {
    this.closed = true
    for (const controller of this.aborts.values()) controller.abort()
    await this.dispatch.close()
    // An aborted run still records how it ended: wait for that, so nothing writes into DATA_DIR after close().
    await this.inFlight.settled()
  }

  /**
   * The BullMQ 'training' processor. A job found 'running' was held by a worker that died (stalled
   * recovery): finished when its model version exists, else trained again from the start. A transient
   * failure before the last attempt throws (BullMQ retries after its backoff) with the job queued again;
   * a bad input throws PermanentTrainError (no retry); both leave the record failed when final.
   */
  async runFromQueue (id: string, data?: TrainJobRecord, attempt: TrainAttempt = { attempt: 1, attempts: 1 }): Promise<void> {
    let job = await this.store.get(id)
    if (job == null) {
      if (data == null) return
      await this.store.create(data)
      job = data
    }
    if (job.status === 'running') {
      await this.registry.reloadModel(job.spec.model)
      if (await this.finishIfRegistered(job)) return
      await this.store.save({ ...job, status: 'queued' })
    }
    await this.runTraced(id, attempt)
    if (this.closed && (await this.store.get(id))?.status !== 'succeeded') throw new TrainInterruptedError()
  }

  private async finishIfRegistered (job: TrainJobRecord): Promise<boolean> {
    // The process may have died between registering the model and recording it: the version says so.
    const made = this.registry.allVersions().find((meta) => meta.job === job.id)
    if (made == null) return false
    await this.finish(job, {
      status: 'succeeded',
      model: { name: made.name, version: made.version },
      ...(made.dataset != null ? { dataset: made.dataset } : {}),
      ...(made.metrics != null ? { metrics: made.metrics as unknown as TrainJobRecord['metrics'] } : {}),
      ...(made.backend != null ? { backend: made.backend } : {}),
    })
    return true
  }

  /** Runs a job in a span, child of the request that submitted it (the context travels in the record). */
  private async runTraced (id: string, attempt?: TrainAttempt): Promise<void> {
    const job = await this.store.get(id)
    if (job == null) return
    const attributes = { 'zkpredict.training.id': id, 'zkpredict.model': job.spec.model, 'zkpredict.recipe': job.spec.recipe }
    await this.inFlight.run(async () => { await inJobSpan('training job', job.trace, attributes, async () => await this.run(id, attempt)) })
  }

  /** `attempt`: BullMQ mode (failures are thrown to the queue); without it (embedded) a failure is recorded and that is all. */
  private async run (id: string, attempt?: TrainAttempt): Promise<void> {
    if (this.closed) return
    let job = await this.get(id)
    if (job.status !== 'queued' || this.closed) return
    const started = Date.now()
    // Registered before the job says 'running' (no await in between since the check of `closed`): a close()
    // from here on aborts this run, which close() then waits for. Registered later, a close() during the
    // save below missed the run, waited for the whole training and recorded it as succeeded.
    const controller = new AbortController()
    this.aborts.set(id, controller)
    // `error` of a queued job is the previous attempt's; this attempt starts clean.
    job = { ...job, status: 'running', started: new Date().toISOString(), error: undefined, progress: undefined }
    try {
      await this.store.save(job)
    } catch (err) {
      this.aborts.delete(id)
      throw err
    }
    publishTraining({ source: this, state: 'running', recipe: job.spec.recipe })
    let lastSaved = 0
    try {
      const spec = job.request
      const workerSpec: TrainingJobSpec = {
        recipe: spec.recipe,
        window: spec.window,
        seed: spec.seed,
        epochs: spec.epochs,
        horizon: spec.horizon,
        walkForward: typeof spec.walk_forward === 'object'
          ? { testDays: spec.walk_forward.test_days, stepDays: spec.walk_forward.step_days, spanDays: spec.walk_forward.span_days }
          : spec.walk_forward,
        data: spec.data,
        limits: this.options.limits,
        ...(this.options.backend != null ? { backend: this.options.backend } : {}),
      }
      const result = await runTrainingJob(workerSpec, {
        signal: controller.signal,
        onProgress: (progress: TrainingProgress) => {
          job = { ...job, progress }
          void this.store.progress(job).catch(() => undefined)
          // Embedded: progress is read from memory; the file is refreshed now and then so a restart shows where it was.
          if (this.store instanceof FileTrainStore && Date.now() - lastSaved > 2000) {
            lastSaved = Date.now()
            void this.store.save(job).catch(() => undefined)
          }
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
        ...(spec.proof_visibility !== undefined ? { proof_visibility: spec.proof_visibility } : {}),
        recipe: result.model.recipe,
        window: result.model.window,
        seed: result.model.seed,
        metrics: result.model.metrics,
        dataset: result.model.dataset,
        backend: result.model.backend,
        history: result.model.history,
        ...(result.model.featureTransforms !== undefined ? { feature_transforms: result.model.featureTransforms } : {}),
        ...(result.model.target !== undefined ? { target: result.model.target, horizon_days: result.model.horizon ?? 0 } : {}),
        ...(result.model.calibration !== undefined ? { calibration: result.model.calibration } : {}),
        ...(result.model.evaluation !== undefined ? { evaluation: result.model.evaluation } : {}),
        job: id,
      })
      await this.finish(await this.get(id), {
        status: 'succeeded',
        dataset: result.model.dataset,
        metrics: result.model.metrics,
        model: { name: meta.name, version: meta.version },
        backend: result.model.backend,
        train_ms: Date.now() - started,
      })
      publishTraining({ source: this, state: 'succeeded', recipe: job.spec.recipe, seconds: (Date.now() - started) / 1000 })
      this.log.info({
        job: id,
        model: meta.name,
        version: meta.version,
        f1: result.model.metrics.f1,
        roc_auc: result.model.metrics.roc_auc
      }, 'training job succeeded')
    } catch (err) {
      const message = this.closed ? INTERRUPTED : describeError(err)
      // BullMQ mode: a job stopped by a worker's shutdown stays 'running' for the next worker (runFromQueue).
      if (this.closed && !(this.store instanceof FileTrainStore)) return
      const badInput = isBadInput(err)
      if (attempt != null && !badInput && attempt.attempt < attempt.attempts) {
        // Transient (the data host down, a crashed training thread, a storage fault): queued again, BullMQ retries after its backoff.
        await this.store.save({
          ...await this.get(id),
          status: 'queued',
          progress: undefined,
          error: `attempt ${attempt.attempt} of ${attempt.attempts} failed, retrying: ${message}`,
        })
        this.log.warn({ job: id, attempt: attempt.attempt, attempts: attempt.attempts, error: message },
          'training attempt failed; retrying')
        throw err
      }
      await this.finish(await this.get(id), { status: 'failed', error: message })
      publishTraining({ source: this, state: 'failed', recipe: job.spec.recipe, seconds: (Date.now() - started) / 1000 })
      this.log.warn({ job: id, error: message }, 'training job failed')
      if (attempt != null) throw badInput ? new PermanentTrainError(message) : err
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

/** A failure of the request itself (a 4xx: bad data, a bad URL, a spec the data cannot serve): retrying cannot fix it. */
function isBadInput (err: unknown): boolean {
  return err instanceof AppError && err.statusCode < 500
}

function describeError (err: unknown): string {
  const e = err as { message?: string, where?: Record<string, unknown> }
  const where = e.where != null ? Object.entries(e.where).map(([k, v]) => `${k} ${String(v)}`).join(', ') : ''
  const message = e.message ?? String(err)
  return where !== '' && !message.includes(String(Object.values(e.where ?? {})[0])) ? `${message} (${where})` : message
}
