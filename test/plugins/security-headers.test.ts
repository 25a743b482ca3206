import t from 'tap'
import { IncomingMessage, ServerResponse } from 'node:http'
import { Socket } from 'node:net'
import helmet from 'helmet'
import { API_HELMET_OPTIONS, HELMET_OPTIONS, securityHeaderValues } from '../../src/plugins/app/security-headers.js'
import type { HelmetOptions } from 'helmet'
import { UI_CSP } from '../../src/plugins/ui.js'
import { waitFor } from '../helpers/app.js'
import { build } from '../helpers/build.js'

/**
 * The security headers are worked out once (src/plugins/app/security-headers.ts): they must be what helmet's middleware
 * sets on a real response, and be on every answer: success, 404, client error, overload. The pages (/docs, /ui) get
 * helmet's default set; API answers the set OWASP's REST cheat sheet lists, without the document-only headers.
 */

/** What helmet's middleware leaves on a real node:http response, as that response would send them. */
function helmetOnRealResponse (options: HelmetOptions): Record<string, string> {
  const req = new IncomingMessage(new Socket())
  const res = new ServerResponse(req)
  // A header the service never sends but helmet removes: it must not survive either way.
  res.setHeader('X-Powered-By', 'something')
  let called = false
  helmet(options)(req, res, () => { called = true })
  if (!called) throw new Error('helmet did not call next')
  return Object.fromEntries(Object.entries(res.getHeaders()).map(([k, v]) => [k, String(v)]))
}

t.test('the precomputed headers are what helmet sets on a real response', async (t) => {
  const pages = securityHeaderValues(HELMET_OPTIONS)
  t.same(pages, helmetOnRealResponse(HELMET_OPTIONS), 'the pages\' set')
  t.ok(Object.keys(pages).length >= 10, 'helmet\'s set of headers, not an empty one')
  t.notOk('x-powered-by' in pages)
  t.notMatch(pages['content-security-policy'], /upgrade-insecure-requests/)
  t.ok(Object.isFrozen(pages), 'shared by every reply, so never changed by one')
  const api = securityHeaderValues(API_HELMET_OPTIONS)
  t.same(api, helmetOnRealResponse(API_HELMET_OPTIONS), 'the API set')
  t.same(api, {
    'content-security-policy': "default-src 'none';frame-ancestors 'none'",
    'cross-origin-resource-policy': 'same-origin',
    'strict-transport-security': 'max-age=31536000; includeSubDomains',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
  }, 'OWASP\'s REST list: nothing may run or frame an answer, no sniffing, HTTPS kept, no cross-site reads')
})

t.test('a CSP computed per request (a nonce function) is refused, not frozen into every response', async (t) => {
  t.throws(() => securityHeaderValues({ contentSecurityPolicy: { directives: { scriptSrc: ["'self'", () => "'nonce-x'"] } } }),
    /computed per request/)
})

t.test('every answer carries them: success, 404, a client error; the pages their own set, a route\'s own CSP kept', async (t) => {
  const server = await build(t)
  const api = securityHeaderValues(API_HELMET_OPTIONS)
  const pageOnly = Object.keys(securityHeaderValues(HELMET_OPTIONS)).filter((h) => !(h in api))
  const answers = {
    'GET /health/live (200)': await server.call('GET', '/health/live'),
    'GET /nope (404)': await server.call('GET', '/nope'),
    'POST /predict, invalid body (400)': await server.call('POST', '/predict', { model: 'm' }),
    'POST /predict, unknown model (404)': await server.call('POST', '/predict', { model: 'nope', instances: [[1]] }),
    'POST /predict, bad JSON (400)': await server.call('POST', '/predict', '{"model":'),
  }
  t.equal(answers['GET /health/live (200)'].status, 200)
  t.equal(answers['GET /nope (404)'].status, 404)
  t.equal(answers['POST /predict, invalid body (400)'].status, 400)
  t.equal(answers['POST /predict, unknown model (404)'].status, 404)
  t.equal(answers['POST /predict, bad JSON (400)'].status, 400)
  for (const [name, res] of Object.entries(answers)) {
    for (const [header, value] of Object.entries(api)) t.equal(res.headers[header], value, `${name}: ${header}`)
    t.same(pageOnly.filter((h) => h in res.headers), [], `${name}: no document-only header`)
  }
  // Swagger UI is a page: helmet's whole set, its CSP allowing the page's own scripts.
  const docs = await server.inject({ url: '/docs/' })
  t.equal(docs.statusCode, 200)
  for (const [header, value] of Object.entries(securityHeaderValues(HELMET_OPTIONS))) t.equal(docs.headers[header], value, `/docs/: ${header}`)
  // The dashboard sets a CSP of its own (src/plugins/ui.ts): the route's header wins over the shared one.
  const ui = await server.inject({ url: '/ui' })
  t.equal(ui.statusCode, 200)
  t.equal(ui.headers['content-security-policy'], UI_CSP)
  t.equal(ui.headers['x-content-type-options'], 'nosniff', 'and keeps the others')
  t.equal(ui.headers['cross-origin-opener-policy'], 'same-origin', 'the pages\' set')
})

t.test('an overload answer (503 from the pressure plugin) carries them too', async (t) => {
  const server = await build(t, { config: { OVERLOAD_MAX_HEAP_BYTES: 1024 * 1024, OVERLOAD_SAMPLE_MS: 50 } })
  const answer = await waitFor(async () => {
    const res = await server.call('GET', '/models')
    return res.status === 503 ? res : undefined
  }, 10_000, 20)
  for (const [header, value] of Object.entries(securityHeaderValues(API_HELMET_OPTIONS))) t.equal(answer.headers[header], value, header)
})
