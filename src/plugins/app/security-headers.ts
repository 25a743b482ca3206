import type { IncomingMessage, ServerResponse } from 'node:http'
import fp from 'fastify-plugin'
import helmet, { type HelmetOptions } from 'helmet'

/**
 * Helmet's options for the pages (Swagger UI at /docs, the dashboard at /ui): helmet's defaults, except that plain-http
 * deployments must not be upgraded to https. Swagger UI loads only its own scripts.
 */
export const HELMET_OPTIONS: HelmetOptions = { contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }

/**
 * Helmet's options for everything else: JSON (and Arrow, Solidity, ONNX) answers that no browser renders as a page.
 * OWASP's REST Security Cheat Sheet ("Security Headers") lists what such answers need: a CSP that allows nothing and no
 * framing, X-Frame-Options DENY, nosniff, HSTS; Cross-Origin-Resource-Policy keeps other sites from reading them in
 * no-cors requests. Helmet's other defaults govern documents (popups, prefetching, referrers, old IE and Flash) and do
 * nothing on an API answer, yet they were 700 of its header bytes: sending them cost /predict 13% of its throughput at
 * 32 connections (BENCHMARKS.md, "Prediction without proof", 2026-12-02).
 */
export const API_HELMET_OPTIONS: HelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  crossOriginOpenerPolicy: false,
  originAgentCluster: false,
  referrerPolicy: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xFrameOptions: { action: 'deny' },
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
}

/** Paths of the pages a browser renders, which get HELMET_OPTIONS' headers. */
export function isPagePath (url: string): boolean {
  return url.startsWith('/docs') || url.startsWith('/ui')
}

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
 * reply in one call: the pages' set on /docs and /ui, the API set on every other answer (404s included).
 * Running helmet's middleware per request (a chain of 13 functions, each a
 * res.setHeader) was 8% of /predict's main thread under load, and headers set on the raw response
 * also sent Node's writeHead down its slow path (merging them with Fastify's one by one):
 * BENCHMARKS.md, "Prediction without proof", 2026-12-02.
 */
export default fp(async (app) => {
  const pages = securityHeaderValues(HELMET_OPTIONS)
  const api = securityHeaderValues(API_HELMET_OPTIONS)
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(isPagePath(request.url) ? pages : api)
    done()
  })
}, { name: 'security-headers' })
