import fp from 'fastify-plugin'
import underPressure from '@fastify/under-pressure'

/**
 * 503 with Retry-After while the process is overloaded. Routes marked `config: { live: true }`
 * (liveness) still answer, or an orchestrator would restart a busy process.
 */
export default fp(async (app) => {
  const config = app.config
  let readyAt: number | undefined
  app.addHook('onReady', async () => { readyAt = Date.now() })
  app.addHook('onRoute', (route) => {
    if (route.config?.live === true) route.config = { ...route.config, pressureHandler: () => null } as typeof route.config
  })
  await app.register(underPressure, {
    maxEventLoopDelay: config.OVERLOAD_MAX_EVENT_LOOP_DELAY_MS,
    maxEventLoopUtilization: config.OVERLOAD_MAX_EVENT_LOOP_UTILIZATION,
    maxHeapUsedBytes: config.OVERLOAD_MAX_HEAP_BYTES,
    sampleInterval: config.OVERLOAD_SAMPLE_MS,
    pressureHandler: (_request, reply, type) => {
      // The first samples measure start-up (module loading, schema compilation), not load.
      if (readyAt == null || Date.now() - readyAt < 2 * config.OVERLOAD_SAMPLE_MS) return
      void reply.code(503).header('retry-after', '5')
      // A non-null return is sent as the answer (the typings say void).
      return { error: 'overloaded', message: `the service is overloaded (${String(type)}); retry after 5 s` } as unknown as void
    },
  })
}, { name: 'pressure', dependencies: ['config'] })
