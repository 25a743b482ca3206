import fp from 'fastify-plugin'
import { ServiceMetrics } from '../observability/metrics.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Present when METRICS is on. */
    metrics?: ServiceMetrics
  }
}

/**
 * GET /metrics (Prometheus text format) and the HTTP request metrics. One onResponse hook per
 * request: counting and timing cost ~1-2% of /predict's throughput (BENCHMARKS.md, "Metrics").
 * /metrics needs a key exactly when the read routes do; it is not rate-limited (scrapers poll it).
 */
export default fp(async (app) => {
  if (!app.config.METRICS) return
  const metrics = new ServiceMetrics(app.services.observed)
  app.decorate('metrics', metrics)
  app.addHook('onResponse', (request, reply, done) => {
    metrics.observeRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000)
    done()
  })
  app.addHook('onClose', async () => { metrics.close() })
  app.get('/metrics', { schema: { hide: true }, config: { access: 'read', rateLimit: false } }, async (_request, reply) => {
    return await reply.type(metrics.contentType).send(await metrics.scrape())
  })
}, { name: 'metrics', dependencies: ['config', 'services'] })
