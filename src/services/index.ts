import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyBaseLogger } from 'fastify'
import { allowedHosts, type Config } from '../config.js'
import { Registry } from '../registry/registry.js'
import { Predictor } from '../inference/predictor.js'
import { TrainJobs } from '../jobs/train-jobs.js'
import { CircuitBuilds } from '../jobs/circuit-builds.js'
import { BatchCircuits } from '../jobs/batch-circuits.js'
import { LocalProofDispatch, ProofJobs } from '../jobs/proof-jobs.js'
import type { ProofEngine } from '../jobs/proof-engine.js'
import { createProofEngine } from '../jobs/snark-engine.js'
import { PrivateModels } from '../jobs/private-models.js'
import { parseRetention } from '../jobs/queues/ids.js'
import { FileProofStore } from '../jobs/queues/file-proof-store.js'
import { RedisProofStore } from '../jobs/queues/redis-proof-store.js'
import { RedisTrainStore } from '../jobs/queues/train-store.js'
import type { Queues } from '../jobs/queues/bullmq.js'
import type { Worker } from 'bullmq'
import { Models } from './models.js'
import { Predictions } from './predictions.js'
import { Proofs } from './proofs.js'
import type { MetricsSources } from '../observability/metrics.js'
import type { QueueDepthSource } from '../observability/events.js'
import { Training } from './training.js'

export { DEFAULT_MODELS } from './training.js'

/**
 * A small development powers of tau (2^12) that ships with the project so that a first start proves
 * within seconds. It is INSECURE like any single-party file: whoever made it could forge proofs.
 * Bigger circuits (or PLONK) make their own development file once in DATA_DIR/ptau.
 */
export const SHIPPED_DEV_PTAU = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'models', 'ptau',
  'INSECURE-dev-pot12.ptau')

/** The use cases the routes call, one module each, and what they are built from (for health and tests). */
export interface Services {
  models: Models
  predictions: Predictions
  training: Training
  proofs: Proofs
  /** The proof engine (powers of tau in use, for /health). */
  engine: ProofEngine
  /** Private versions' per-architecture circuits and their setups (for /health). */
  privateModels: PrivateModels
  /** What metrics observe (src/observability): whose events count, and the queues whose depth they report. */
  observed: MetricsSources
  /** REDIS_URL mode: the BullMQ queues (undefined when embedded). */
  queues?: Queues
  /** Loads the served versions' circuits into the prover threads (a worker process, before it takes jobs); how many. */
  warmProvers: () => Promise<number>
  startBackground: () => void
  close: () => Promise<void>
}

/** Composes the use cases over DATA_DIR: registry, inference, training, circuits and proofs. Nothing else lives here. */
export async function createServices (config: Config, log: FastifyBaseLogger): Promise<Services> {
  const dataDir = config.DATA_DIR
  const registry = new Registry(path.join(dataDir, 'models'), log)
  await registry.init()
  const predictor = new Predictor(registry, config.MODEL_CACHE_SIZE)
  const engine = await createProofEngine({
    dataDir,
    ptauFile: config.PTAU_FILE === '' ? undefined : config.PTAU_FILE,
    devPtauCandidates: [SHIPPED_DEV_PTAU],
    // ROLE=api proves nothing (its proofs and circuit builds go to the BullMQ queues): no prover thread is started.
    workers: config.ROLE === 'api' ? 0 : config.PROOF_WORKERS,
    workerNice: config.PROOF_WORKER_NICE,
    proverCacheSize: config.PROVER_CACHE_SIZE,
    verbose: config.PROOF_LOG_VERBOSE,
    buildCache: config.CIRCUIT_BUILD_CACHE_DIR === '' ? undefined : config.CIRCUIT_BUILD_CACHE_DIR,
    log,
  })
  const circuits = new CircuitBuilds(registry, engine, log)
  const batches = new BatchCircuits(registry, engine, log, config.MAX_BATCH_PROOF)
  const privateModels = new PrivateModels({
    dataDir,
    ptauFile: config.PTAU_FILE === '' ? undefined : config.PTAU_FILE,
    devPtauCandidates: [SHIPPED_DEV_PTAU],
    zkeyDir: config.PRIVATE_ZKEY_DIR === '' ? undefined : config.PRIVATE_ZKEY_DIR,
    buildCache: config.CIRCUIT_BUILD_CACHE_DIR === '' ? undefined : config.CIRCUIT_BUILD_CACHE_DIR,
    log,
  })
  await privateModels.init()
  circuits.usePrivate(privateModels)
  const retentionMs = parseRetention(config.PROOF_RETENTION)
  const closers: Array<() => Promise<void>> = []
  let queues: Queues | undefined
  let proofJobs: ProofJobs
  let resumableProofs: string[] = []
  let localProofQueue: QueueDepthSource | undefined
  let redisTrainStore: RedisTrainStore | undefined
  // BullMQ and ioredis are loaded only with REDIS_URL: they are ~300 of the ~900 modules the embedded mode would
  // otherwise load at every start (each process of the test suite, the CLI, every server start).
  let bull: typeof import('../jobs/queues/bullmq.js') | undefined
  if (config.REDIS_URL !== '') {
    // Scale-out (README "Scaling out"): queues in Redis (BullMQ), records in Redis, artefacts in the shared DATA_DIR.
    const { checkRedis, connect, syncRegistry } = await import('../jobs/queues/redis.js')
    bull = await import('../jobs/queues/bullmq.js')
    const { Queues } = bull
    const prefix = config.REDIS_PREFIX
    const redis = connect(config.REDIS_URL, `${prefix}:store`, log)
    closers.push(async () => { await redis.quit().catch(() => undefined) })
    await checkRedis(redis, log)
    closers.push(await syncRegistry(registry, config.REDIS_URL, prefix, log))
    const q = new Queues(log, {
      url: config.REDIS_URL,
      prefix,
      lockMs: config.WORKER_LOCK_MS,
      stalledIntervalMs: config.WORKER_STALLED_INTERVAL_MS,
      proofAttempts: config.PROOF_ATTEMPTS,
      trainAttempts: config.TRAIN_ATTEMPTS,
      trainRetryDelayMs: config.TRAIN_RETRY_DELAY_MS,
      proofQueueLimit: config.PROOF_QUEUE_LIMIT,
      trainQueueLimit: config.TRAIN_QUEUE_LIMIT,
    })
    queues = q
    circuits.useQueue(async (meta) => { await q.addCircuitBuild(meta) })
    proofJobs = new ProofJobs(registry, engine, circuits, new RedisProofStore(redis, prefix, retentionMs), q.proofDispatch(), log, batches)
    redisTrainStore = new RedisTrainStore(redis, prefix)
  } else {
    const store = new FileProofStore(path.join(dataDir, 'proofs'), retentionMs, log)
    resumableProofs = await store.init()
    const dispatch = new LocalProofDispatch(config.PROOF_WORKERS, config.PROOF_QUEUE_LIMIT)
    localProofQueue = dispatch.queue
    proofJobs = new ProofJobs(registry, engine, circuits, store, dispatch, log, batches)
  }
  proofJobs.usePrivate(privateModels)
  const models = new Models({ registry, circuits, proofs: proofJobs, engine, defaultProofSystem: config.PROOF_SYSTEM, privateModels })
  const trainJobs = new TrainJobs(registry, {
    dir: path.join(dataDir, 'jobs', 'train'),
    uploadsDir: path.join(dataDir, 'uploads'),
    concurrency: config.TRAIN_CONCURRENCY,
    queueLimit: config.TRAIN_QUEUE_LIMIT,
    limits: { maxBytes: config.FETCH_MAX_BYTES, timeoutMs: config.FETCH_TIMEOUT_MS, allowedHosts: allowedHosts(config) },
    defaultProofSystem: config.PROOF_SYSTEM,
    ...(config.TFJS_BACKEND !== 'auto' ? { backend: config.TFJS_BACKEND } : {}),
    register: async (input) => await models.register(input),
  }, log, queues != null && redisTrainStore != null ? { store: redisTrainStore, dispatch: queues.trainDispatch() } : undefined)
  const resumableTraining = await trainJobs.init()
  // Queue depths for the metrics: BullMQ's own counts (the deployment's queues), else the in-process queues.
  const depthSources: QueueDepthSource[] = queues != null
    ? queues.depthSources()
    : [localProofQueue, trainJobs.localQueue, circuits.queue].filter((q): q is QueueDepthSource => q != null)
  let workers: Worker[] = []
  /** The background install of PRIVATE_ZKEY_DIR's ceremony keys (it writes into DATA_DIR: close() waits for it). */
  let ceremonies: Promise<void> = Promise.resolve()
  const training = new Training({
    jobs: trainJobs,
    registry,
    allowedHosts: allowedHosts(config),
    defaults: {
      // Worker processes never queue the default models: the API replicas do.
      enabled: config.DEFAULT_MODELS && config.ROLE !== 'worker',
      seed: config.DEFAULT_SEED
    },
    sharedQueue: queues != null,
    log,
  })

  return {
    models,
    predictions: new Predictions({
      registry,
      predictor,
      proofs: proofJobs,
      maxBatch: config.MAX_BATCH,
      maxProofs: config.MAX_PROOFS_PER_REQUEST
    }),
    training,
    proofs: new Proofs({ registry, proofs: proofJobs }),
    engine,
    privateModels,
    observed: { sources: [predictor, proofJobs, trainJobs, circuits], queues: depthSources },
    queues,
    // Only a process that takes proof jobs from the shared queue loads circuits ahead of them.
    warmProvers: async () => bull != null && config.ROLE !== 'api' && bull.parseWorkerQueues(config.WORKER_QUEUES).includes('proofs')
      ? await proofJobs.warmServed(config.PROVER_CACHE_SIZE)
      : 0,
    startBackground: () => {
      circuits.resumeAll()
      ceremonies = privateModels.installCeremonies()
        .catch((err: Error) => { log.error({ err, dir: config.PRIVATE_ZKEY_DIR }, 'could not read the ceremony keys') })
      proofJobs.resume(resumableProofs)
      trainJobs.resume(resumableTraining)
      if (queues != null && bull != null && config.ROLE !== 'api') {
        const taken = bull.parseWorkerQueues(config.WORKER_QUEUES)
        workers = bull.startWorkers(queues.settings, taken, { proofs: proofJobs, circuits, trainJobs },
          { proofConcurrency: config.PROOF_WORKERS, trainConcurrency: config.TRAIN_CONCURRENCY }, log)
      }
      void training.trainDefaults()
    },
    close: async () => {
      // Training first: a run takes minutes, so it is stopped and handed back to the queue (BullMQ mode) at once.
      // Then the workers: worker.close() lets the proofs and builds in hand finish (past the grace delay the
      // process ends and BullMQ hands them to another worker as stalled jobs).
      await trainJobs.close()
      await Promise.all(workers.map(async (w) => await w.close()))
      await proofJobs.close()
      circuits.close()
      predictor.close()
      await engine.close()
      // The builds and embedded proofs that were under way end once the engine is closed; wait for them,
      // so that nothing writes into DATA_DIR after close() has returned.
      await circuits.settled()
      await proofJobs.settled()
      await ceremonies
      await queues?.close()
      await proofJobs.store.close()
      for (const close of closers.reverse()) await close()
    },
  }
}
