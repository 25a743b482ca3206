import fp from 'fastify-plugin'
import helmet from 'helmet'

/**
 * Security headers from helmet, built once: @fastify/helmet rebuilds the helmet middleware (and
 * re-parses the CSP) on every request, 10% of /predict's CPU in BENCHMARKS.md's profile.
 */
export default fp(async (app) => {
  const securityHeaders = helmet({
    // Swagger UI (/docs) loads only its own scripts; plain-http deployments must not be upgraded to https.
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
  })
  app.addHook('onRequest', (request, reply, done) => {
    securityHeaders(request.raw, reply.raw, (err?: unknown) => { done(err as Error | undefined) })
  })
}, { name: 'security-headers' })
