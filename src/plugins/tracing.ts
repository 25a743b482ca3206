import fp from 'fastify-plugin'
import { tracingEnabled } from '../observability/tracing.js'

/**
 * HTTP spans from @fastify/otel (fastify's own instrumentation) when tracing is on
 * (src/observability/tracing.ts); nothing is registered otherwise. Registered before the routes:
 * it instruments the routes defined after it. Lifecycle-hook spans are off (one span per hook per
 * request says little here); /metrics and the dashboard's files are not traced.
 */
export default fp(async (app) => {
  if (!tracingEnabled()) return
  const { FastifyOtelInstrumentation } = await import('@fastify/otel')
  const instrumentation = new FastifyOtelInstrumentation({
    instrumentHooks: false,
    ignorePaths: (route: { url: string }) => route.url === '/metrics' || route.url === '/ui' || route.url.startsWith('/ui/'),
  })
  await app.register(instrumentation.plugin())
}, { name: 'tracing', dependencies: ['config'] })
