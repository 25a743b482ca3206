import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyBaseLogger } from 'fastify'
import { allowedHosts, type Config } from './config.js'
import { Registry } from './registry/registry.js'
import { Predictor } from './inference/predictor.js'
import { TrainJobs } from './jobs/train-jobs.js'
import { CircuitBuilds } from './jobs/circuit-builds.js'
import { LocalProofDispatch, ProofJobs } from './jobs/proof-jobs.js'
import type { ProofEngine } from './jobs/proof-engine.js'
import { createProofEngine } from './jobs/snark-engine.js'
import { parseRetention } from './jobs/queues/ids.js'
import { FileProofStore } from './jobs/queues/file-proof-store.js'
import { RedisProofStore } from './jobs/queues/redis-proof-store.js'
import { RedisTrainStore } from './jobs/queues/train-store.js'
import { checkRedis, connect, syncRegistry } from './jobs/queues/redis.js'
import { Queues, parseWorkerQueues, startWorkers } from './jobs/queues/bullmq.js'
import type { Worker } from 'bullmq'

/**
 * A small development powers of tau (2^12) that ships with the project so that a first start proves
 * within seconds. It is INSECURE like any single-party file: whoever made it could forge proofs.
 * Bigger circuits (or PLONK) make their own development file once in DATA_DIR/ptau.
 */
export const SHIPPED_DEV_PTAU = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'models', 'ptau', 'INSECURE-dev-pot12.ptau')

/** The models `npm start` trains on synthetic data when the registry has none. */
export const DEFAULT_MODELS = [
  { name: 'aave-liquidation-7d', window: 7 as const },
  { name: 'aave-liquidation-3d', window: 3 as const },
]

export interface Services {
  config: Config
  registry: Registry
  predictor: Predictor
  trainJobs: TrainJobs
  circuits: CircuitBuilds
  proofs: ProofJobs
  engine: ProofEngine
  readiness: () => Promise<{ ready: boolean, missing: string[] }>
  /** The tfjs backend of the newest finished training job, if any. */
  trainingBackend: () => Promise<string | null>
  /** REDIS_URL mode: the BullMQ queues (undefined when embedded). */
  queues?: Queues
  startBackground: () => void
  close: () => Promise<void>
}

/** Builds the service layer over DATA_DIR: registry, inference, training, circuits and proofs. */
export async function createServices (config: Config, log: FastifyBaseLogger): Promise<Services> {
  const dataDir = config.DATA_DIR
  const registry = new Registry(path.join(dataDir, 'models'))
  await registry.init()
  const predictor = new Predictor(registry, config.MODEL_CACHE_SIZE)
  const engine = await createProofEngine({
    dataDir,
    ptauFile: config.PTAU_FILE === '' ? undefined : config.PTAU_FILE,
    devPtauCandidates: [SHIPPED_DEV_PTAU],
    workers: config.PROOF_WORKERS,
    workerNice: config.PROOF_WORKER_NICE,
    log,
  })
  const circuits = new CircuitBuilds(registry, engine, log)
  const retentionMs = parseRetention(config.PROOF_RETENTION)
  const trainOptions = {
    dir: path.join(dataDir, 'jobs', 'train'),
    uploadsDir: path.join(dataDir, 'uploads'),
    concurrency: config.TRAIN_CONCURRENCY,
    queueLimit: config.TRAIN_QUEUE_LIMIT,
    limits: { maxBytes: config.FETCH_MAX_BYTES, timeoutMs: config.FETCH_TIMEOUT_MS, allowedHosts: allowedHosts(config) },
    defaultProofSystem: config.PROOF_SYSTEM,
  }
  let proofs: ProofJobs
  let trainJobs: TrainJobs
  let queues: Queues | undefined
  let resumableProofs: string[] = []
  const closers: Array<() => Promise<void>> = []
  if (config.REDIS_URL !== '') {
    // Scale-out: queues in Redis (BullMQ), records in Redis, artefacts in the shared DATA_DIR.
    const prefix = config.REDIS_PREFIX
    const redis = connect(config.REDIS_URL, `${prefix}:store`, log)
    closers.push(async () => { await redis.quit().catch(() => undefined) })
    await checkRedis(redis, log)
    closers.push(await syncRegistry(registry, config.REDIS_URL, prefix, log))
    const q = new Queues(log, {
      url: config.REDIS_URL, prefix, lockMs: config.WORKER_LOCK_MS, stalledIntervalMs: config.WORKER_STALLED_INTERVAL_MS,
      proofAttempts: config.PROOF_ATTEMPTS, proofQueueLimit: config.PROOF_QUEUE_LIMIT, trainQueueLimit: config.TRAIN_QUEUE_LIMIT,
    })
    queues = q
    circuits.useQueue(async (meta) => { await q.addCircuitBuild(meta) })
    proofs = new ProofJobs(registry, engine, circuits, new RedisProofStore(redis, prefix, retentionMs), q.proofDispatch(), log)
    trainJobs = new TrainJobs(registry, trainOptions, log, { store: new RedisTrainStore(redis, prefix), dispatch: q.trainDispatch() })
  } else {
    const store = new FileProofStore(path.join(dataDir, 'proofs'), retentionMs, log)
    resumableProofs = await store.init()
    proofs = new ProofJobs(registry, engine, circuits, store, new LocalProofDispatch(config.PROOF_WORKERS, config.PROOF_QUEUE_LIMIT), log)
    trainJobs = new TrainJobs(registry, trainOptions, log)
  }
  trainJobs.onRegistered((meta) => { void circuits.enqueue(meta) })
  const resumableTraining = await trainJobs.init()
  let workers: Worker[] = []

  const readiness = async (): Promise<{ ready: boolean, missing: string[] }> => {
    if (!config.DEFAULT_MODELS) return { ready: true, missing: [] }
    const model = DEFAULT_MODELS[0].name
    if (registry.hasModel(model)) return { ready: true, missing: [] }
    const job = (await trainJobs.active(model))[0]
    const progress = job?.progress != null ? ` (fold ${job.progress.fold}/${job.progress.folds}, epoch ${job.progress.epoch}/${job.progress.epochs})` : ''
    return { ready: false, missing: [`model ${model}: ${job != null ? `training ${job.status}${progress}` : 'no version and no training job'}`] }
  }

  return {
    config, registry, predictor, trainJobs, circuits, proofs, engine, readiness, queues,
    trainingBackend: async () => (await trainJobs.list(20)).jobs.find((j) => j.backend != null)?.backend ?? null,
    startBackground: () => {
      circuits.resumeAll()
      proofs.resume(resumableProofs)
      trainJobs.resume(resumableTraining)
      if (queues != null && config.ROLE !== 'api') {
        workers = startWorkers(queues.settings, parseWorkerQueues(config.WORKER_QUEUES), { proofs, circuits, trainJobs },
          { proofConcurrency: config.PROOF_WORKERS, trainConcurrency: config.TRAIN_CONCURRENCY }, log)
      }
      if (!config.DEFAULT_MODELS || config.ROLE === 'worker') return
      // One after the other, so that the 7-day model (the one readiness waits for) is queued first.
      void (async () => {
        for (const { name, window } of DEFAULT_MODELS) {
          if (registry.hasModel(name) || (await trainJobs.active(name)).length > 0) continue
          log.info({ model: name }, 'no model yet: training the default model on synthetic data in the background')
          // With REDIS_URL every API replica gets here at start: one job id for the deployment, so BullMQ adds it once.
          const id = queues != null ? `default-${name}-${config.DEFAULT_SEED}` : undefined
          await trainJobs.submit({ model: name, recipe: 'default', window, seed: config.DEFAULT_SEED, data: { synthetic: { seed: config.DEFAULT_SEED } } }, id)
            .catch((err: Error) => log.error({ err }, 'could not start the default training'))
        }
      })()
    },
    close: async () => {
      // Workers first: worker.close() lets active jobs finish (or, past the grace delay, the process
      // ends and BullMQ hands them to another worker as stalled jobs).
      await Promise.all(workers.map(async (w) => await w.close()))
      await trainJobs.close()
      await proofs.close()
      circuits.close()
      predictor.close()
      await engine.close()
      await queues?.close()
      await proofs.store.close()
      for (const close of closers.reverse()) await close()
    },
  }
}

