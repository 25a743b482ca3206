import closeWithGrace from 'close-with-grace'
import { loadConfig } from './config.js'
import { buildApp } from './app.js'
import { startTracing } from './observability/tracing.js'

/** Entry point: validated configuration, the app, a listening socket and a graceful shutdown. */
async function main (): Promise<void> {
  let config
  try {
    config = loadConfig()
  } catch (err) {
    console.error((err as Error).message)
    process.exit(1)
  }
  // Before the app (and before a worker's job processors): HTTP instrumentation and job spans are
  // recorded only when a tracer provider is registered.
  const tracing = await startTracing()
  if (config.ROLE === 'worker') {
    await import('./worker.js') // a worker process: no HTTP; it shuts its tracing down itself
    return
  }
  const app = await buildApp({ config })
  closeWithGrace({ delay: 10_000 }, async ({ err, signal }) => {
    if (err != null) app.log.error({ err }, 'closing after an error')
    // What really happens (src/jobs): a running training job is aborted and recorded as failed; the queued
    // ones, the proofs (queued or proving) and the circuit builds are picked up again at the next start.
    else {
      app.log.info({ signal }, 'closing: in-flight requests finish; a running training job is stopped and fails (submit it again); ' +
        'queued training jobs, proofs and circuit builds resume at the next start')
    }
    await app.close()
    await tracing?.shutdown()
  })
  await app.listen({ port: config.PORT, host: config.HOST })
  // Benchmarks and scripts start the server on port 0 and read the chosen port from stdout.
  if (process.env.PRINT_PORT === '1') {
    const address = app.server.address()
    process.stdout.write(`${typeof address === 'object' && address != null ? address.port : config.PORT}\n`)
  }
}

await main()
