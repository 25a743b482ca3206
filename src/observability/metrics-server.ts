import http from 'node:http'
import type { ServiceMetrics } from './metrics.js'

/**
 * Serves a ServiceMetrics registry on a port of its own (GET /metrics, anything else 404): for a
 * process that runs jobs without the HTTP API (a queue worker), so that each worker is scraped on
 * its own port and reports its own proofs, training and process metrics.
 */
export async function serveMetrics (
  metrics: ServiceMetrics,
  options: { port: number, host?: string }
): Promise<{ port: number, close: () => Promise<void> }> {
  const server = http.createServer((request, response) => {
    if (request.method !== 'GET' || (request.url ?? '').split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('GET /metrics\n')
      return
    }
    metrics.scrape().then((body) => {
      response.writeHead(200, { 'content-type': metrics.contentType }).end(body)
    }).catch((err: Error) => {
      response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`metrics failed: ${err.message}\n`)
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host ?? '127.0.0.1', () => { server.off('error', reject); resolve() })
  })
  const address = server.address()
  return {
    port: typeof address === 'object' && address != null ? address.port : options.port,
    close: async () => { await new Promise<void>((resolve) => server.close(() => resolve())) },
  }
}
