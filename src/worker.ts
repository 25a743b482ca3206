import closeWithGrace from 'close-with-grace'
import { pino } from 'pino'
import type { FastifyBaseLogger } from 'fastify'
import { loadConfig } from './config.js'
import { createServices } from './services/index.js'
import { ServiceMetrics } from './observability/metrics.js'
import { serveMetrics } from './observability/metrics-server.js'
import { startTracing } from './observability/tracing.js'

/**
 * A worker process (`npm run worker`, `zkpredict worker`, or ROLE=worker): no HTTP, it takes jobs
 * from the BullMQ queues named in WORKER_QUEUES. SIGTERM: worker.close() lets the jobs it holds finish
 * within the grace delay; past it the process ends and BullMQ gives them to another worker (stalled).
 * Traces (OTEL_*) continue the trace of the request that queued each job; metrics (WORKER_METRICS_PORT)
 * are this worker's own, on a port of its own.
 */
async function runWorker (env: Record<string, string | undefined> = process.env): Promise<void> {
  let config
  try {
    config = loadConfig({ ...env, ROLE: 'worker' })
  } catch (err) {
    console.error((err as Error).message)
    process.exit(1)
  }
  // server.ts with ROLE=worker has started tracing already (this returns its handle); `npm run worker` has not.
  // Either way the shutdown below flushes the spans the batch processor still holds.
  const tracing = await startTracing()
  // Synchronous writes to stdout, as process.stdout's own on a pipe: 'worker ready' below then comes after every line
  // logged before it. pino's default (an asynchronous SonicBoom) let it overtake them: the e2e scale-out test once read
  // 'worker ready' with none of the log lines written before it (Node 24, 2026-12-04). A worker logs a few lines a job.
  const log = pino({ level: config.LOG_LEVEL, base: { role: 'worker', pid: process.pid } },
    pino.destination({ dest: 1, sync: true })) as unknown as FastifyBaseLogger
  const services = await createServices(config, log)
  let metrics: { close: () => Promise<void> } | undefined
  let registry: ServiceMetrics | undefined
  if (config.METRICS && config.WORKER_METRICS_PORT > 0) {
    registry = new ServiceMetrics(services.observed)
    const server = await serveMetrics(registry, { port: config.WORKER_METRICS_PORT, host: config.HOST })
    metrics = server
    log.info({ port: server.port }, 'worker metrics at GET /metrics')
  }
  let closing = false
  closeWithGrace({ delay: config.WORKER_LOCK_MS }, async ({ err, signal }) => {
    closing = true
    if (err != null) log.error({ err }, 'closing after an error')
    else log.info({ signal }, 'closing: the jobs in hand finish, the queues keep the rest')
    await services.close()
    await metrics?.close()
    registry?.close()
    await tracing?.shutdown()
  })
  // The circuits of the served versions are loaded before the first job is taken (`worker ready` comes after):
  // a job's proof then costs the same on a fresh worker as on a warm one.
  const started = performance.now()
  const warmed = await services.warmProvers()
  if (warmed > 0) {
    log.info({ circuits: warmed, ms: Math.round(performance.now() - started) }, 'served circuits loaded into the prover threads')
  }
  // A SIGTERM during the warm-up has closed the services: no worker starts on them.
  if (closing) return
  services.startBackground()
  log.info({ queues: config.WORKER_QUEUES, proof_workers: config.PROOF_WORKERS, prefix: config.REDIS_PREFIX }, 'worker ready')
  // Scripts and tests wait for this line.
  if (env.PRINT_READY === '1') process.stdout.write('worker ready\n')
}

await runWorker()
