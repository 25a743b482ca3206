import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyBaseLogger } from 'fastify'
import { allowedHosts, type Config } from './config.js'
import { Registry } from './registry/registry.js'
import { Predictor } from './inference/predictor.js'
import { TrainJobs } from './jobs/train-jobs.js'
import { CircuitBuilds } from './jobs/circuit-builds.js'
import { ProofJobs } from './jobs/proof-jobs.js'
import type { ProofEngine } from './jobs/proof-engine.js'
import { createProofEngine } from './jobs/snark-engine.js'

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
  readiness: () => { ready: boolean, missing: string[] }
  /** The tfjs backend of the newest finished training job, if any. */
  trainingBackend: () => string | null
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
    proverCacheSize: config.PROVER_CACHE_SIZE,
    verbose: config.PROOF_LOG_VERBOSE,
    log,
  })
  const circuits = new CircuitBuilds(registry, engine, log)
  const proofs = new ProofJobs(registry, engine, circuits, { dir: path.join(dataDir, 'proofs'), concurrency: config.PROOF_WORKERS, queueLimit: config.PROOF_QUEUE_LIMIT }, log)
  const trainJobs = new TrainJobs(registry, {
    dir: path.join(dataDir, 'jobs', 'train'),
    uploadsDir: path.join(dataDir, 'uploads'),
    concurrency: config.TRAIN_CONCURRENCY,
    queueLimit: config.TRAIN_QUEUE_LIMIT,
    limits: { maxBytes: config.FETCH_MAX_BYTES, timeoutMs: config.FETCH_TIMEOUT_MS, allowedHosts: allowedHosts(config) },
    defaultProofSystem: config.PROOF_SYSTEM,
  }, log)
  trainJobs.onRegistered((meta) => circuits.enqueue(meta))
  const resumableTraining = await trainJobs.init()
  const resumableProofs = await proofs.init()

  const readiness = (): { ready: boolean, missing: string[] } => {
    if (!config.DEFAULT_MODELS) return { ready: true, missing: [] }
    const model = DEFAULT_MODELS[0].name
    if (registry.hasModel(model)) return { ready: true, missing: [] }
    const job = trainJobs.active(model)[0]
    const progress = job?.progress != null ? ` (fold ${job.progress.fold}/${job.progress.folds}, epoch ${job.progress.epoch}/${job.progress.epochs})` : ''
    return { ready: false, missing: [`model ${model}: ${job != null ? `training ${job.status}${progress}` : 'no version and no training job'}`] }
  }

  return {
    config, registry, predictor, trainJobs, circuits, proofs, engine, readiness,
    trainingBackend: () => trainJobs.list().find((j) => j.backend != null)?.backend ?? null,
    startBackground: () => {
      circuits.resumeAll()
      proofs.resume(resumableProofs)
      trainJobs.resume(resumableTraining)
      if (!config.DEFAULT_MODELS) return
      // One after the other, so that the 7-day model (the one readiness waits for) is queued first.
      void (async () => {
        for (const { name, window } of DEFAULT_MODELS) {
          if (registry.hasModel(name) || trainJobs.active(name).length > 0) continue
          log.info({ model: name }, 'no model yet: training the default model on synthetic data in the background')
          await trainJobs.submit({ model: name, recipe: 'default', window, seed: config.DEFAULT_SEED, data: { synthetic: { seed: config.DEFAULT_SEED } } })
            .catch((err: Error) => log.error({ err }, 'could not start the default training'))
        }
      })()
    },
    close: async () => {
      trainJobs.close()
      proofs.close()
      circuits.close()
      predictor.close()
      await engine.close()
    },
  }
}

