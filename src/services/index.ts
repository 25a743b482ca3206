import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyBaseLogger } from 'fastify'
import { allowedHosts, type Config } from '../config.js'
import { Registry } from '../registry/registry.js'
import { Predictor } from '../inference/predictor.js'
import { TrainJobs } from '../jobs/train-jobs.js'
import { CircuitBuilds } from '../jobs/circuit-builds.js'
import { ProofJobs } from '../jobs/proof-jobs.js'
import type { ProofEngine } from '../jobs/proof-engine.js'
import { createProofEngine } from '../jobs/snark-engine.js'
import { Models } from './models.js'
import { Predictions } from './predictions.js'
import { Proofs } from './proofs.js'
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
  startBackground: () => void
  close: () => Promise<void>
}

/** Composes the use cases over DATA_DIR: registry, inference, training, circuits and proofs. Nothing else lives here. */
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
    proverCacheSize: config.PROVER_CACHE_SIZE,
    verbose: config.PROOF_LOG_VERBOSE,
    log,
  })
  const circuits = new CircuitBuilds(registry, engine, log)
  const proofJobs = new ProofJobs(registry, engine, circuits, {
    dir: path.join(dataDir, 'proofs'), concurrency: config.PROOF_WORKERS, queueLimit: config.PROOF_QUEUE_LIMIT,
  }, log)
  const models = new Models({ registry, circuits, proofs: proofJobs, engine, defaultProofSystem: config.PROOF_SYSTEM })
  const trainJobs = new TrainJobs(registry, {
    dir: path.join(dataDir, 'jobs', 'train'),
    uploadsDir: path.join(dataDir, 'uploads'),
    concurrency: config.TRAIN_CONCURRENCY,
    queueLimit: config.TRAIN_QUEUE_LIMIT,
    limits: { maxBytes: config.FETCH_MAX_BYTES, timeoutMs: config.FETCH_TIMEOUT_MS, allowedHosts: allowedHosts(config) },
    defaultProofSystem: config.PROOF_SYSTEM,
    ...(config.TFJS_BACKEND !== 'auto' ? { backend: config.TFJS_BACKEND } : {}),
    register: async (input) => await models.register(input),
  }, log)
  const resumableTraining = await trainJobs.init()
  const resumableProofs = await proofJobs.init()
  const training = new Training({
    jobs: trainJobs,
    registry,
    allowedHosts: allowedHosts(config),
    defaults: {
      enabled: config.DEFAULT_MODELS,
      seed: config.DEFAULT_SEED
    },
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
    startBackground: () => {
      circuits.resumeAll()
      proofJobs.resume(resumableProofs)
      trainJobs.resume(resumableTraining)
      void training.trainDefaults()
    },
    close: async () => {
      trainJobs.close()
      proofJobs.close()
      circuits.close()
      predictor.close()
      await engine.close()
    },
  }
}
