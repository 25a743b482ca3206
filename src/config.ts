import { envSchema } from 'env-schema'
import { Type, type Static } from 'typebox'
import path from 'node:path'

/**
 * All settings come from environment variables, validated once at start so that a bad value
 * stops the service with a message naming the variable instead of failing later.
 */
export const ConfigSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000, description: 'TCP port (0 picks a free one)' }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1', description: 'Interface to listen on (0.0.0.0 in a container)' }),
  DATA_DIR: Type.String({
    minLength: 1,
    default: './data',
    description: 'Models, jobs, proofs and the development powers of tau live here'
  }),
  LOG_LEVEL: Type.Union([Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'), Type.Literal('debug'),
    Type.Literal('trace'), Type.Literal('silent')], { default: 'info' }),
  // Two log lines per request cost more than the model (BENCHMARKS.md, "Request logging"): access
  // lines are written at this level, below the default LOG_LEVEL unless an operator asks for them.
  REQUEST_LOG_LEVEL: Type.Union([Type.Literal('info'), Type.Literal('debug'), Type.Literal('trace')], {
    default: 'debug',
    description: 'Level of the per-request access log lines (info shows them at the default LOG_LEVEL)'
  }),
  BODY_LIMIT: Type.Integer({ minimum: 1024, default: 10 * 1024 * 1024, description: 'Largest JSON or Arrow request body, bytes' }),
  UPLOAD_LIMIT: Type.Integer({ minimum: 1024, default: 200 * 1024 * 1024, description: 'Largest uploaded file (model or dataset), bytes' }),
  FETCH_MAX_BYTES: Type.Integer({ minimum: 1024, default: 200 * 1024 * 1024, description: 'Largest dataset fetched from a URL, bytes' }),
  FETCH_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 60_000, description: 'Time limit for fetching one dataset URL' }),
  FETCH_ALLOWED_HOSTS: Type.String({ default: '', description: 'Comma-separated host allowlist for dataset URLs (empty: any host)' }),
  MAX_BATCH: Type.Integer({ minimum: 1, default: 10_000, description: 'Most instances in one /predict request' }),
  MAX_PROOFS_PER_REQUEST: Type.Integer({
    minimum: 0,
    default: 100,
    description: 'Most instances of one /predict request that get a proof'
  }),
  // Issue 15: `proof: "batch"` proves a request's rows in one proof; powers of two up to this are the batch circuits' sizes.
  MAX_BATCH_PROOF: Type.Integer({
    minimum: 1,
    maximum: 1024,
    default: 64,
    description: 'Most rows of one /predict request with proof "batch" (one proof for all rows); batch circuits are built for the ' +
      'powers of two below it and for it'
  }),
  TRAIN_CONCURRENCY: Type.Integer({ minimum: 1, default: 1, description: 'Training jobs run at once; the rest wait' }),
  TRAIN_QUEUE_LIMIT: Type.Integer({ minimum: 1, default: 100, description: 'Training jobs waiting at most' }),
  PROOF_WORKERS: Type.Integer({ minimum: 1, default: 1, description: 'Prover worker threads' }),
  PROOF_WORKER_NICE: Type.Integer({
    minimum: 0,
    maximum: 19,
    default: 10,
    description: 'Scheduling priority (Linux nice) of the prover threads: higher lets request handling run first when the cores are busy'
  }),
  PROOF_QUEUE_LIMIT: Type.Integer({ minimum: 1, default: 10_000, description: 'Proofs waiting at most' }),
  PROOF_SYSTEM: Type.Union([Type.Literal('groth16'), Type.Literal('plonk')], {
    default: 'groth16',
    description: 'Proof system for new model versions unless their spec says otherwise'
  }),
  PTAU_FILE: Type.String({
    default: '',
    description: 'Powers-of-tau ceremony file; empty: an INSECURE development file is made once in DATA_DIR'
  }),
  MODEL_CACHE_SIZE: Type.Integer({ minimum: 1, default: 16, description: 'Model versions kept loaded in onnxruntime' }),
  DEFAULT_MODELS: Type.Boolean({ default: true, description: 'Train the default models on synthetic data at start when none exist' }),
  DEFAULT_SEED: Type.Integer({ default: 0, description: 'Seed of the embedded default training' }),
  API_KEYS: Type.String({
    default: '',
    description: 'Comma-separated API keys; empty: the service is open (a warning is logged at start)'
  }),
  API_KEYS_REQUIRED_FOR_READ: Type.Boolean({
    default: false,
    description: 'With API_KEYS set, also require a key for predictions, proofs and registry reads (training, uploads, deletes and ' +
    'alias changes always need one)'
  }),
  ADMIN_API_KEYS: Type.String({
    default: '',
    description: "Comma-separated admin keys: valid wherever an API key is, and the only keys that read a private version's ONNX " +
      'file, weights and salt; empty: nobody can'
  }),
  PRIVATE_ZKEY_DIR: Type.String({
    default: '',
    description: "A directory of finished phase-2 ceremony keys named <circuit_id>.zkey (docs/CEREMONY.md): each private architecture's " +
      'key is replaced by its ceremony key once the transcript verifies against the circuit and the ptau; empty turns it off'
  }),
  // Budgets per route group (src/plugins/app/rate-limit.ts), each counted per API key (per client IP without a valid one).
  // Predictions and reads are unlimited by default: the old single budget (6,000 a minute) answered 429 to one client that
  // sent /predict as fast as the service served it (issue 12), and overload has its own answer (503, OVERLOAD_*). Writes
  // start heavy work (training, uploads), so they keep a limit.
  RATE_LIMIT_WRITE_MAX: Type.Integer({
    minimum: 0,
    default: 300,
    description: 'Training, upload, delete and alias requests per RATE_LIMIT_WINDOW_MS per API key (per client IP without one); ' +
      '0: unlimited'
  }),
  RATE_LIMIT_PREDICT_MAX: Type.Integer({
    minimum: 0,
    default: 0,
    description: 'Prediction, v2 inference and proof-verification requests per RATE_LIMIT_WINDOW_MS per API key (per client IP ' +
      'without one); 0 (the default): unlimited'
  }),
  RATE_LIMIT_READ_MAX: Type.Integer({
    minimum: 0,
    default: 0,
    description: 'GET requests (registry, proofs and proof polling, downloads) per RATE_LIMIT_WINDOW_MS per API key (per client IP ' +
      'without one); 0 (the default): unlimited'
  }),
  RATE_LIMIT_WINDOW_MS: Type.Integer({ minimum: 1000, default: 60_000, description: 'Rate-limit window of every budget' }),
  JSON_BODY_LIMIT: Type.Integer({
    minimum: 1024,
    default: 1024 * 1024,
    description: 'Largest JSON body of the control routes (train specs, aliases, proof bundles); /predict and v2 infer use BODY_LIMIT, ' +
    'uploads UPLOAD_LIMIT'
  }),
  OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: Type.Number({
    minimum: 0,
    default: 1000,
    description: 'Answer 503 with Retry-After while the mean event-loop delay is above this; 0 turns the check off'
  }),
  OVERLOAD_MAX_EVENT_LOOP_UTILIZATION: Type.Number({
    minimum: 0,
    maximum: 1,
    default: 0,
    description: 'Answer 503 while event-loop utilization is above this (0 to 1); 0 turns the check off'
  }),
  OVERLOAD_MAX_HEAP_BYTES: Type.Integer({
    minimum: 0,
    default: 0,
    description: 'Answer 503 while the V8 heap in use is above this; 0 turns the check off'
  }),
  METRICS: Type.Boolean({
    default: true,
    description: 'Serve Prometheus metrics at GET /metrics and count requests, inferences, proofs and training (README.md, "Observability")'
  }),
  // ---- scale-out (README "Scaling out"): all off by default; `npm start` needs nothing but Node ----
  REDIS_URL: Type.String({
    default: '',
    description: 'Redis (>= 6.2, AOF on, maxmemory-policy noeviction): training, circuit builds and proofs go through BullMQ queues ' +
      'and records live in Redis; empty: everything in this process and DATA_DIR'
  }),
  REDIS_PREFIX: Type.String({
    pattern: '^[a-zA-Z0-9_-]{1,32}$',
    default: 'zk',
    description: 'Prefix of every Redis key (queues, records, locks, the registry channel): one Redis can hold several deployments'
  }),
  ROLE: Type.Union([Type.Literal('all'), Type.Literal('api'), Type.Literal('worker')], {
    default: 'all',
    description: 'api: HTTP only, proves nothing; worker: takes jobs from WORKER_QUEUES, no HTTP (needs REDIS_URL); all: both'
  }),
  WORKER_QUEUES: Type.String({
    default: 'proofs,circuits,training',
    description: 'Queues a worker takes jobs from: proofs, circuits, training'
  }),
  WORKER_LOCK_MS: Type.Integer({
    minimum: 1000,
    default: 30_000,
    description: 'BullMQ lock of an active job: a dead worker\'s job goes back to the queue after about this long'
  }),
  WORKER_STALLED_INTERVAL_MS: Type.Integer({
    minimum: 500,
    default: 30_000,
    description: 'How often workers look for jobs of dead workers (BullMQ stalledInterval)'
  }),
  WORKER_METRICS_PORT: Type.Integer({
    minimum: 0,
    maximum: 65535,
    default: 0,
    description: 'A worker process serves its own Prometheus metrics (GET /metrics) on this port (with METRICS on); 0: none'
  }),
  PROOF_ATTEMPTS: Type.Integer({
    minimum: 1,
    maximum: 20,
    default: 3,
    description: 'Tries of a proof (exponential backoff from 1 s) before it fails; a bad input fails at once'
  }),
  TRAIN_ATTEMPTS: Type.Integer({
    minimum: 1,
    maximum: 20,
    default: 3,
    description: 'REDIS_URL mode: tries of a training job before it fails (a data host down, a crashed training thread); ' +
      'a bad input (a bad dataset or URL) fails at once'
  }),
  TRAIN_RETRY_DELAY_MS: Type.Integer({
    minimum: 100,
    default: 10_000,
    description: 'REDIS_URL mode: wait before the first retry of a training job; each next retry waits twice as long'
  }),
  PROOF_RETENTION: Type.String({
    pattern: '^[1-9][0-9]*[smhd]$',
    default: '30d',
    description: 'How long proof records are kept (s, m, h or d); an older proof answers 404 proof_expired'
  }),
  OVERLOAD_SAMPLE_MS: Type.Integer({ minimum: 10, default: 1000, description: 'How often the overload measures are taken' }),
  // --- issue 11 (house-proofs): options src/proofs and src/training read from here, not from process.env ---
  PROVER_CACHE_SIZE: Type.Integer({
    minimum: 1,
    default: 16,
    description: 'Circuits each prover thread keeps loaded (proving key and witness wasm)'
  }),
  PROOF_LOG_VERBOSE: Type.Boolean({ default: false, description: 'Log snarkjs progress lines of circuit setups and powers-of-tau runs' }),
  CIRCUIT_BUILD_CACHE_DIR: Type.String({
    default: '',
    description: 'A directory of finished circuit builds keyed by circuit, model, proof system and ptau, ' +
      'reused by later builds of the same key; empty turns it off'
  }),
  TFJS_BACKEND: Type.Union([Type.Literal('auto'), Type.Literal('tensorflow'), Type.Literal('wasm'), Type.Literal('cpu')], {
    default: 'auto',
    description: 'tfjs backend of training: auto tries tensorflow (tfjs-node), then wasm, then cpu'
  }),
  // --- end house-proofs block ---
})
export type Config = Static<typeof ConfigSchema>

export function loadConfig (env: Record<string, string | undefined> = process.env, overrides: Partial<Config> = {}): Config {
  let config: Config
  try {
    config = envSchema<Config>({ schema: ConfigSchema, data: [env], dotenv: false })
  } catch (err) {
    throw new Error(`invalid configuration: ${configErrorMessage(err as Error & { errors?: AjvError[] }, env)}`)
  }
  if (env.RATE_LIMIT_MAX !== undefined) {
    // A removed setting would be ignored silently, and its meaning (one budget for everything) changed: say what replaces it.
    throw new Error('invalid configuration: RATE_LIMIT_MAX was replaced by per-group budgets: RATE_LIMIT_WRITE_MAX (default 300), ' +
      'RATE_LIMIT_PREDICT_MAX and RATE_LIMIT_READ_MAX (default 0: unlimited), per RATE_LIMIT_WINDOW_MS')
  }
  config = { ...config, ...overrides }
  if (config.ROLE === 'worker' && config.REDIS_URL === '') {
    throw new Error('invalid configuration: ROLE=worker needs REDIS_URL (a worker takes jobs from the BullMQ queues in Redis)')
  }
  if (config.ROLE === 'api' && config.REDIS_URL === '') {
    // Embedded, nothing else would ever prove this process's proofs: they would stay queued for ever.
    throw new Error('invalid configuration: ROLE=api needs REDIS_URL (an API process proves nothing: worker processes take its ' +
      'jobs from Redis)')
  }
  return { ...config, DATA_DIR: path.resolve(config.DATA_DIR) }
}

export function allowedHosts (config: Config): string[] | undefined {
  const hosts = config.FETCH_ALLOWED_HOSTS.split(',').map((h) => h.trim().toLowerCase()).filter(Boolean)
  return hosts.length > 0 ? hosts : undefined
}

interface AjvError { instancePath: string, keyword: string, message?: string, params?: { allowedValue?: unknown } }

/**
 * env-schema's message lists every branch of a choice ("env/ROLE must be equal to constant" once per value, then
 * "must match a schema in anyOf"): a choice says its values and what was given instead; other errors keep Ajv's
 * words ("PORT must be <= 65535").
 */
export function configErrorMessage (err: Error & { errors?: AjvError[] }, env: Record<string, string | undefined>): string {
  if (!Array.isArray(err.errors) || err.errors.length === 0) return err.message
  const byName = new Map<string, AjvError[]>()
  for (const e of err.errors) {
    const name = e.instancePath.replace(/^\//, '') || 'the environment'
    byName.set(name, [...(byName.get(name) ?? []), e])
  }
  return [...byName].map(([name, errors]) => {
    const choices = errors.filter((e) => e.keyword === 'const').map((e) => String(e.params?.allowedValue))
    if (choices.length > 0 && errors.every((e) => e.keyword === 'const' || e.keyword === 'anyOf')) {
      return `${name} must be one of ${choices.join(', ')} (got '${String(env[name])}')`
    }
    return errors.map((e) => `${name} ${e.message ?? 'is invalid'}`).join(', ')
  }).join('; ')
}
