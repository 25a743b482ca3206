import type { IncomingMessage, ServerResponse } from 'node:http'
import fp from 'fastify-plugin'
import helmet, { type HelmetOptions } from 'helmet'

/** Helmet's options here: Swagger UI (/docs) loads only its own scripts; plain-http deployments must not be upgraded to https. */
export const HELMET_OPTIONS: HelmetOptions = { contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }

/**
 * The headers helmet's middleware sets for these options, worked out once by running it against a
 * recorder. With no function among the CSP directives (no per-request nonce) they are the same for
 * every response; a directive that is a function would make them differ per request, so it is refused.
 */
export function securityHeaderValues (options: HelmetOptions = HELMET_OPTIONS): Readonly<Record<string, string>> {
  const directives = typeof options.contentSecurityPolicy === 'object' ? options.contentSecurityPolicy.directives ?? {} : {}
  for (const [name, value] of Object.entries(directives)) {
    const values = Array.isArray(value) ? value : [value]
    if (values.some((v) => typeof v === 'function')) {
      throw new Error(`CSP directive ${name} is computed per request: headers cannot be precomputed`)
    }
  }
  const headers: Record<string, string> = {}
  const recorder = {
    setHeader (name: string, value: string | number | readonly string[]) { headers[name.toLowerCase()] = String(value) },
    removeHeader (name: string) { Reflect.deleteProperty(headers, name.toLowerCase()) },
  }
  let finished = false
  let failure: unknown
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (err?: unknown) => {
    failure = err
    finished = true
  })
  if (failure != null) throw failure instanceof Error ? failure : new Error(String(failure))
  if (!finished) throw new Error('helmet did not finish synchronously: its headers cannot be precomputed')
  return Object.freeze(headers)
}

/**
 * Security headers from helmet, worked out once at start (securityHeaderValues) and put on every
 * reply in one call. Running helmet's middleware per request (a chain of 13 functions, each a
 * res.setHeader) was 8% of /predict's main thread under load, and headers set on the raw response
 * also sent Node's writeHead down its slow path (merging them with Fastify's one by one):
 * BENCHMARKS.md, "Prediction without proof", 2026-12-02.
 */
export default fp(async (app) => {
  const headers = securityHeaderValues()
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers)
    done()
  })
}, { name: 'security-headers' })
