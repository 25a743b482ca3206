import closeWithGrace from 'close-with-grace'
import { loadConfig } from './config.js'
import { buildApp } from './app.js'

/** Entry point: validated configuration, the app, a listening socket and a graceful shutdown. */
async function main (): Promise<void> {
  let config
  try {
    config = loadConfig()
  } catch (err) {
    console.error((err as Error).message)
    process.exit(1)
  }
  if (config.ROLE === 'worker') {
    await import('./worker.js') // a worker process: no HTTP
    return
  }
  const app = await buildApp({ config })
  closeWithGrace({ delay: 10_000 }, async ({ err, signal }) => {
    if (err != null) app.log.error({ err }, 'closing after an error')
    else app.log.info({ signal }, 'closing: in-flight requests finish, jobs are kept for the next start')
    await app.close()
  })
  await app.listen({ port: config.PORT, host: config.HOST })
  // Benchmarks and scripts start the server on port 0 and read the chosen port from stdout.
  if (process.env.PRINT_PORT === '1') {
    const address = app.server.address()
    process.stdout.write(`${typeof address === 'object' && address != null ? address.port : config.PORT}\n`)
  }
}

await main()
