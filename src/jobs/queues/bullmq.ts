import { DelayedError, Queue, UnrecoverableError, Worker, type Job } from 'bullmq'
import type { Redis } from 'ioredis'
import type { FastifyBaseLogger } from 'fastify'
import { AppError } from '../../errors.js'
import type { VersionMeta } from '../../registry/registry.js'
import type { CircuitBuilds } from '../circuit-builds.js'
import { PermanentProofError, type ProofDispatch, type ProofJobs, type ProofRecord } from '../proof-jobs.js'
import { PermanentTrainError, TrainInterruptedError, type TrainDispatch, type TrainJobRecord, type TrainJobs } from '../train-jobs.js'
import { connect } from './redis.js'
import type { QueueDepth, QueueDepthSource } from '../../observability/events.js'

export const QUEUE_NAMES = ['proofs', 'circuits', 'training'] as const
export type QueueName = typeof QUEUE_NAMES[number]

/** Parses WORKER_QUEUES ('proofs,circuits,training'); throws naming the unknown one. */
export function parseWorkerQueues (text: string): QueueName[] {
  const names = text.split(',').map((q) => q.trim()).filter(Boolean)
  for (const name of names) {
    if (!(QUEUE_NAMES as readonly string[]).includes(name)) {
      throw new Error(`invalid configuration: WORKER_QUEUES names '${name}'; use ${QUEUE_NAMES.join(', ')}`)
    }
  }
  return names as QueueName[]
}

export interface QueueSettings {
  url: string
  prefix: string
  /** Lock of an active job; a worker that stops renewing it (dead, or a blocked event loop) loses the job after this. */
  lockMs: number
  /** How often workers look for jobs whose lock expired (stalled) and put them back in the queue. */
  stalledIntervalMs: number
  proofAttempts: number
  /** Tries of a training job; a transient failure waits TRAIN_RETRY_DELAY_MS, then twice that, ... (exponential). */
  trainAttempts: number
  trainRetryDelayMs: number
  proofQueueLimit: number
  trainQueueLimit: number
}

/**
 * The deployment's three BullMQ queues as the API side sees them (add, count). Job data carries ids
 * and the small fields a record is made of (a proof's ten inputs), never artefacts: models and
 * circuits are files in the shared DATA_DIR.
 */
export class Queues {
  readonly proofs: Queue
  readonly circuits: Queue
  readonly training: Queue
  private readonly connection: Redis
  private counted = { at: 0, proofs: 0, training: 0 }

  constructor (private readonly log: FastifyBaseLogger, readonly settings: QueueSettings) {
    this.connection = connect(settings.url, `${settings.prefix}:queues`, log)
    const options = { connection: this.connection, prefix: settings.prefix }
    this.proofs = new Queue('proofs', {
      ...options,
      defaultJobOptions: {
        attempts: settings.proofAttempts,
        backoff: { type: 'exponential', delay: 1000 },
        // Results live in the proof record; the finished job itself is kept an hour for inspection.
        removeOnComplete: { age: 3600, count: 10_000 },
        removeOnFail: { age: 7 * 86_400 },
      },
    })
    this.circuits = new Queue('circuits', {
      ...options,
      defaultJobOptions: {
        attempts: 3, backoff: { type: 'exponential', delay: 5000 }, removeOnComplete: true, removeOnFail: { age: 7 * 86_400 },
      },
    })
    // BullMQ's retry recipe: `attempts` with an exponential backoff for transient failures (a data host down, a crashed
    // training thread); the processor throws UnrecoverableError for a bad input, which fails at once.
    this.training = new Queue('training', {
      ...options,
      defaultJobOptions: {
        attempts: settings.trainAttempts,
        backoff: { type: 'exponential', delay: settings.trainRetryDelayMs },
        removeOnComplete: { age: 86_400 },
        removeOnFail: { age: 7 * 86_400 },
      },
    })
  }

  /**
   * Waiting jobs, counted at most once a second (a /predict must not cost a Redis round trip per row). A waiting
   * batch proof counts as its rows (issue 15): its rows beyond the first are kept in a sorted set by job id until
   * a worker takes the job (batchTaken).
   */
  async waiting (): Promise<{ proofs: number, training: number }> {
    if (Date.now() - this.counted.at > 1000) {
      const [proofs, training, extra] = await Promise.all([this.proofs.count(), this.training.count(), this.batchExtraRows()])
      this.counted = { at: Date.now(), proofs: proofs + extra, training }
    }
    return this.counted
  }

  private async batchExtraRows (): Promise<number> {
    const flat = await this.connection.zrange(batchRowsKey(this.settings.prefix), '0', '-1', 'WITHSCORES')
    let sum = 0
    for (let i = 1; i < flat.length; i += 2) sum += Number(flat[i])
    return sum
  }

  proofDispatch (): ProofDispatch {
    return {
      recordFirst: false,
      mode: 'bullmq',
      ensureRoom: async (count) => {
        const { proofs } = await this.waiting()
        if (proofs + count > this.settings.proofQueueLimit) {
          throw new AppError(503, 'queue_full',
            `the proof queue is full (${proofs} waiting, limit ${this.settings.proofQueueLimit}); retry later`)
        }
        this.counted.proofs += count
      },
      // jobId = proof id: adding the same proof twice is a no-op in BullMQ.
      enqueue: async (record) => {
        const rows = record.batch?.rows.length ?? 1
        if (rows > 1) await this.connection.zadd(batchRowsKey(this.settings.prefix), String(rows - 1), record.id)
        await this.proofs.add('prove', { id: record.id, record }, { jobId: record.id })
      },
      // Bounded by PROOF_QUEUE_LIMIT: read when a version is deleted, to fail its queued proofs.
      waiting: async () => {
        const jobs = await this.proofs.getJobs(['waiting', 'prioritized', 'delayed'])
        return jobs.filter((job) => job?.data?.id != null)
          .map((job) => ({ id: String(job.data.id), record: job.data.record as ProofRecord | undefined }))
      },
      drop: async (ids) => {
        for (const id of ids) {
          // A job a worker took meanwhile is locked and stays: the worker finds its record failed and does nothing.
          await this.proofs.remove(id).catch(() => undefined)
          await this.connection.zrem(batchRowsKey(this.settings.prefix), id)
        }
      },
      close: async () => {},
    }
  }

  trainDispatch (): TrainDispatch {
    return {
      recordFirst: false,
      ensureRoom: async () => {
        const { training } = await this.waiting()
        if (training + 1 > this.settings.trainQueueLimit) {
          throw new AppError(503, 'queue_full',
            `the training queue is full (${training} waiting, limit ${this.settings.trainQueueLimit}); retry later`)
        }
      },
      enqueue: async (job, options) => {
        const added = await this.training.add('train', { id: job.id, record: job }, {
          jobId: job.id,
          ...(options?.dedupe != null ? { deduplication: { id: options.dedupe } } : {}),
        })
        if (added.id === job.id) return job
        // Deduplicated: BullMQ answers with the id of the job that holds the key (and our data); its own record is in its data.
        const holder = added.id != null ? await this.training.getJob(added.id) : undefined
        return (holder?.data as { record?: TrainJobRecord } | undefined)?.record ?? { ...job, id: added.id ?? job.id }
      },
      close: async () => {},
    }
  }

  /** One build per version for the whole deployment: the job id is the version's, so a second add is a no-op. */
  async addCircuitBuild (meta: VersionMeta): Promise<void> {
    await this.circuits.add('build', { name: meta.name, version: meta.version }, { jobId: `${meta.name}.v${meta.version}` })
  }

  /**
   * The metrics' queue depths, read from the queues themselves (every replica and worker reports the
   * deployment's depth, not its own share). Named like the embedded queues so that dashboards need one query.
   */
  depthSources (): QueueDepthSource[] {
    return [bullDepth('proof', this.proofs), bullDepth('circuit', this.circuits), bullDepth('training', this.training)]
  }

  async close (): Promise<void> {
    await Promise.all([this.proofs.close(), this.circuits.close(), this.training.close()])
    await this.connection.quit().catch(() => undefined)
  }
}

/** A BullMQ queue as a QueueDepthSource: getJobCounts at scrape time, and the oldest waiting job's age. */
export function bullDepth (name: string, queue: Queue): QueueDepthSource {
  return {
    name,
    depth: async (): Promise<QueueDepth> => {
      // 'prioritized' and 'delayed' wait too (a proof whose circuit is being built is delayed by a second).
      const counts = await queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active')
      const waiting = (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0)
      let oldestWaitingMs: number | null = null
      if (waiting > 0) {
        const [oldest] = await queue.getJobs(['waiting', 'prioritized', 'delayed'], 0, 0, true)
        if (oldest != null) oldestWaitingMs = Math.max(0, Date.now() - oldest.timestamp)
      }
      return { waiting, active: counts.active ?? 0, oldestWaitingMs }
    },
  }
}

/** The sorted set of waiting batch proofs: member = proof id, score = rows beyond the first. */
function batchRowsKey (prefix: string): string {
  return `${prefix}:proofs:batch-rows`
}

export interface WorkerServices {
  proofs: ProofJobs
  circuits: CircuitBuilds
  trainJobs: TrainJobs
}

/**
 * The worker side: one BullMQ Worker per queue this process takes. Proving is CPU-bound, so it runs
 * in the prover pool's threads (src/proofs/prover-pool.ts) and builds in a child process: the
 * event loop stays free to renew job locks (BullMQ's advice for CPU-bound processors; a blocked loop
 * would let the lock expire and the job be proved twice). Concurrency of the proof worker = prover threads.
 */
export function startWorkers (
  settings: QueueSettings, queues: QueueName[], services: WorkerServices,
  options: { proofConcurrency: number, trainConcurrency: number }, log: FastifyBaseLogger
): Worker[] {
  const common = {
    prefix: settings.prefix,
    lockDuration: settings.lockMs,
    stalledInterval: settings.stalledIntervalMs,
    // A job whose worker died is given to another worker; a job that stalls a second time still gets a
    // third chance: a SIGKILLed worker and a Redis restart can both hit one job.
    maxStalledCount: 2,
  }
  const workers: Worker[] = []
  for (const name of queues) {
    const connection = connect(settings.url, `${settings.prefix}:worker:${name}`, log)
    let worker: Worker
    if (name === 'proofs') {
      worker = new Worker('proofs', async (job: Job<{ id: string, record?: ProofRecord }>, token?: string) => {
        const attempts = job.opts.attempts ?? 1
        try {
          // A batch taken by a worker no longer waits: its extra rows leave the queue's count (idempotent on a retry)
          if ((job.data.record?.batch?.rows.length ?? 1) > 1) await connection.zrem(batchRowsKey(settings.prefix), job.data.id)
          const finalAttempt = job.attemptsMade + 1 >= attempts
          const outcome = await services.proofs.prove(job.data.id, { data: job.data.record, finalAttempt, waitForCircuit: false })
          if (outcome === 'circuit_pending') {
            // The circuit is being built by a 'circuits' worker: come back in a second, without spending an attempt.
            await job.moveToDelayed(Date.now() + 1000, token)
            throw new DelayedError()
          }
        } catch (err) {
          if (err instanceof PermanentProofError) throw new UnrecoverableError(err.message)
          throw err
        }
      }, { ...common, connection, concurrency: options.proofConcurrency })
    } else if (name === 'circuits') {
      worker = new Worker('circuits', async (job: Job<{ name: string, version: number }>) => {
        await services.circuits.buildFromQueue(job.data.name, job.data.version)
      }, { ...common, connection, concurrency: 1 })
    } else {
      worker = new Worker('training', async (job: Job<{ id: string, record?: TrainJobRecord }>, token?: string) => {
        const attempt = { attempt: job.attemptsMade + 1, attempts: job.opts.attempts ?? 1 }
        try {
          await services.trainJobs.runFromQueue(job.data.id, job.data.record, attempt)
        } catch (err) {
          if (err instanceof PermanentTrainError) throw new UnrecoverableError(err.message)
          if (err instanceof TrainInterruptedError) {
            // Shutdown: handed back at once, no attempt spent (waiting for the lock to expire would idle the job for WORKER_LOCK_MS).
            await job.moveToDelayed(Date.now(), token)
            throw new DelayedError()
          }
          throw err
        }
      }, { ...common, connection, concurrency: options.trainConcurrency })
    }
    worker.on('failed', (job, err) => {
      if (job == null || err instanceof DelayedError) return
      log.warn({ queue: name, job: job.id, attempt: job.attemptsMade, err: err.message }, 'job failed')
    })
    worker.on('error', (err) => log.error({ queue: name, err }, 'worker error'))
    // BullMQ leaves a connection it was given open: closed with its worker, or it would keep the process alive.
    worker.once('closed', () => { connection.quit().catch(() => undefined) })
    workers.push(worker)
  }
  return workers
}
