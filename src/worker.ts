import closeWithGrace from 'close-with-grace'
import { pino } from 'pino'
import type { FastifyBaseLogger } from 'fastify'
import { loadConfig } from './config.js'
import { createServices } from './services/index.js'

/**
 * A worker process (`npm run worker`, `zkpredict worker`, or ROLE=worker): no HTTP, it takes jobs
 * from the BullMQ queues named in WORKER_QUEUES. SIGTERM: worker.close() lets the jobs it holds finish
 * within the grace delay; past it the process ends and BullMQ gives them to another worker (stalled).
 */
async function runWorker (env: Record<string, string | undefined> = process.env): Promise<void> {
  let config
  try {
    config = loadConfig({ ...env, ROLE: 'worker' })
  } catch (err) {
    console.error((err as Error).message)
    process.exit(1)
  }
  const log = pino({ level: config.LOG_LEVEL, base: { role: 'worker', pid: process.pid } }) as unknown as FastifyBaseLogger
  const services = await createServices(config, log)
  closeWithGrace({ delay: config.WORKER_LOCK_MS }, async ({ err, signal }) => {
    if (err != null) log.error({ err }, 'closing after an error')
    else log.info({ signal }, 'closing: the jobs in hand finish, the queues keep the rest')
    await services.close()
  })
  services.startBackground()
  log.info({ queues: config.WORKER_QUEUES, proof_workers: config.PROOF_WORKERS, prefix: config.REDIS_PREFIX }, 'worker ready')
  // Scripts and tests wait for this line.
  if (env.PRINT_READY === '1') process.stdout.write('worker ready\n')
}

await runWorker()
