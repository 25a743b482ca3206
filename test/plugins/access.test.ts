import t from 'tap'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import fp from 'fastify-plugin'
import { DATASET_NAMES } from '../../src/data/types.js'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { waitFor } from '../helpers/app.js'
import { build, multipartBody, type InjectedApp } from '../helpers/build.js'
import { buildMlpOnnx } from '../helpers/onnx-fixture.js'

/** API keys, body limits, security headers, overload answers and URL sources, through app.inject. */

const KEYS = ['alpha-key-0123456789', 'beta-key-9876543210']
const ROW = [0.1, 0.5, 0.9, 0.3, 0.7, 0.2, 0.8, 0.4, 0.6, 0.05]
const model = buildMlpOnnx({ seed: 3, firstActivation: 'Tanh' }).bytes // not provable: no circuit build in these tests

async function uploadAs (server: InjectedApp, name: string, headers: Record<string, string>): Promise<{ status: number, body: any }> {
  const { payload, headers: type } = multipartBody({ model: { bytes: model, filename: 'm.onnx' }, spec: JSON.stringify({ name }) })
  const res = await server.inject({ method: 'POST', url: '/models', payload, headers: { ...type, ...headers } })
  return { status: res.statusCode, body: res.json() }
}

t.test('a route that changes anything and declares no access level stops the app at start', async (t) => {
  const config = loadConfig({}, { LOG_LEVEL: 'silent', DEFAULT_MODELS: false, DATA_DIR: t.testdir() })
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH'] as const) {
    const app = await buildApp({ config, startBackground: false })
    t.teardown(async () => await app.close())
    app.register(fp(async (app) => {
      app.route({ method, url: '/undeclared', handler: async () => ({ ok: true }) })
    }))
    await t.rejects(async () => await app.ready(), new RegExp(`${method} /undeclared declares no access level`), method)
  }
  const app = await buildApp({ config, startBackground: false })
  t.teardown(async () => await app.close())
  app.get('/declared-get', async () => ({ ok: true }))
  app.post('/declared-write', { config: { access: 'write' } }, async () => ({ ok: true }))
  await app.ready()
  t.equal(app.apiKeys.enabled, false)
  t.equal((await app.inject({ method: 'POST', url: '/declared-write' })).statusCode, 200, 'a declared route starts (and the service is open without keys)')
})

t.test('API keys: writes need a valid key, reads are open by default', async (t) => {
  const server = await build(t, { config: { API_KEYS: KEYS.join(', ') } })
  const noKey = await uploadAs(server, 'guarded', {})
  t.equal(noKey.status, 401)
  t.equal(noKey.body.error, 'unauthorized')
  t.match(noKey.body.message, /x-api-key|Bearer/)
  const wrong = await uploadAs(server, 'guarded', { 'x-api-key': 'alpha-key-0123456780' })
  t.equal(wrong.status, 403)
  t.equal(wrong.body.error, 'forbidden')
  t.equal((await uploadAs(server, 'guarded', { authorization: `Bearer ${KEYS[1]}` })).status, 201, 'Authorization: Bearer works')

  for (const [method, url, body] of [['POST', '/train', { model: 'x' }], ['PUT', '/models/guarded/aliases/champion', { version: 1 }], ['DELETE', '/models/guarded/versions/1', undefined]] as const) {
    t.equal((await server.call(method, url, body)).status, 401, `${method} ${url} without a key`)
    t.equal((await server.call(method, url, body, { authorization: 'Bearer nope' })).status, 403, `${method} ${url} with a wrong key`)
  }
  t.equal((await server.call('POST', '/train', { model: 'x', window: 5 }, { 'x-api-key': KEYS[0] })).status, 400, 'a valid key reaches validation')
  t.equal((await server.call('PUT', '/models/guarded/aliases/champion', { version: 1 }, { 'x-api-key': KEYS[0] })).status, 200)
  t.equal((await server.call('POST', '/predict', { model: 'guarded', instances: [ROW] })).status, 200, 'predict is open')
  t.equal((await server.call('GET', '/models/guarded')).status, 200, 'registry reads are open')
  t.equal((await server.call('DELETE', '/models/guarded/versions/1', undefined, { 'x-api-key': KEYS[1] })).status, 200)
})

t.test('API_KEYS_REQUIRED_FOR_READ: predictions and proofs need a key too; health does not', async (t) => {
  const server = await build(t, { config: { API_KEYS: KEYS[0], API_KEYS_REQUIRED_FOR_READ: true } })
  t.equal((await uploadAs(server, 'closed', { 'x-api-key': KEYS[0] })).status, 201)
  t.equal((await server.call('POST', '/predict', { model: 'closed', instances: [ROW] })).status, 401)
  t.equal((await server.call('POST', '/predict', { model: 'closed', instances: [ROW] }, { 'x-api-key': 'x' })).status, 403)
  t.equal((await server.call('POST', '/predict', { model: 'closed', instances: [ROW] }, { 'x-api-key': KEYS[0] })).status, 200)
  t.equal((await server.call('GET', '/proofs/some-id')).status, 401)
  t.equal((await server.call('GET', '/proofs/some-id', undefined, { authorization: `bearer ${KEYS[0]}` })).status, 404)
  t.equal((await server.call('GET', '/health/ready')).status, 200)
  t.equal((await server.call('GET', '/v2/health/ready')).status, 200)
  t.equal((await server.call('GET', '/openapi.json')).status, 200)
})

t.test('body limits per route, security headers, /docs under the CSP', async (t) => {
  const server = await build(t, { config: { JSON_BODY_LIMIT: 2048, BODY_LIMIT: 1024 * 1024 } })
  t.equal((await uploadAs(server, 'limits', {})).status, 201)
  const bigAlias = await server.call('PUT', '/models/limits/aliases/champion', { version: 1, pad: 'x'.repeat(4096) })
  t.equal(bigAlias.status, 413)
  t.equal(bigAlias.body.error, 'body_too_large')
  const rows = Array.from({ length: 200 }, () => ROW)
  t.ok(JSON.stringify({ model: 'limits', instances: rows }).length > 2048)
  const predicted = await server.call('POST', '/predict', { model: 'limits', instances: rows })
  t.equal(predicted.status, 200, '/predict keeps the larger BODY_LIMIT')
  t.equal(predicted.headers['x-content-type-options'], 'nosniff')
  t.ok(predicted.headers['x-frame-options'] != null)
  t.ok(predicted.headers['strict-transport-security'] != null)

  const docs = await server.inject({ url: '/docs/' })
  const html = docs.body
  t.equal(docs.statusCode, 200)
  const csp = String(docs.headers['content-security-policy'])
  t.match(csp, /script-src 'self'/)
  t.notMatch(csp, /upgrade-insecure-requests/, 'plain-http deployments keep working')
  t.notMatch(html, /<script>[^<]/, 'no inline script the CSP would block')
  const scripts = [...html.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1])
  t.ok(scripts.length >= 2, 'Swagger UI scripts found')
  for (const src of scripts) {
    const url = new URL(src, 'http://service.test/docs/')
    t.equal(url.origin, 'http://service.test', `${src} is same-origin, allowed by script-src 'self'`)
    const res = await server.inject({ url: url.pathname })
    t.ok(res.rawPayload.byteLength > 0)
    t.equal(res.statusCode, 200, src)
  }
})

t.test('overload is answered with 503 and Retry-After; liveness still answers', async (t) => {
  // A heap threshold every process exceeds: the service is "overloaded" from the first sample on.
  const server = await build(t, { config: { OVERLOAD_MAX_HEAP_BYTES: 1024 * 1024, OVERLOAD_SAMPLE_MS: 50 } })
  const answer = await waitFor(async () => {
    const res = await server.call('GET', '/models')
    return res.status === 503 ? res : undefined
  }, 10_000, 20)
  t.equal(answer.body.error, 'overloaded')
  t.match(answer.body.message, /overloaded \((heapUsedBytes|eventLoopDelay)\)/)
  t.equal(answer.headers['retry-after'], '5')
  t.equal((await server.call('GET', '/health/live')).status, 200)
  t.equal((await server.call('GET', '/health/ready')).status, 503, 'readiness says so, taking the instance out of rotation')
})

t.test('URL sources: http(s) only, allowlist enforced at submission and on every redirect, size bounded', async (t) => {
  const files = http.createServer((req, res) => {
    const { port } = fileServer.address() as AddressInfo
    if (req.url === '/to-other-host') { res.statusCode = 302; res.setHeader('location', `http://localhost:${port}/data.csv`); res.end(); return }
    if (req.url === '/loop') { res.statusCode = 302; res.setHeader('location', '/loop'); res.end(); return }
    res.end('x'.repeat(10_000))
  })
  const fileServer = files.listen(0, '127.0.0.1')
  await new Promise<void>((resolve) => fileServer.once('listening', () => resolve()))
  t.teardown(() => fileServer.close())
  const host = `127.0.0.1:${(fileServer.address() as AddressInfo).port}`
  const server = await build(t, { config: { FETCH_ALLOWED_HOSTS: host, FETCH_MAX_BYTES: 2048 } })
  const sourcesAt = (urlPath: string): Record<string, string> => Object.fromEntries(DATASET_NAMES.map((n) => [n, `http://${host}${urlPath}`]))

  const other = await server.call('POST', '/train', { model: 'x', data: { sources: { ...sourcesAt('/a.csv'), token_prices: 'http://example.org/p.csv' } } })
  t.equal(other.status, 400)
  t.equal(other.body.error, 'host_not_allowed')
  for (const scheme of ['ftp://127.0.0.1/a.csv', 'file:///etc/passwd', 'data:text/csv,a', 'javascript:alert(1)']) {
    const res = await server.call('POST', '/train', { model: 'x', data: { sources: { ...sourcesAt('/a.csv'), liquidations_v2: scheme } } })
    t.equal(res.status, 400, scheme)
  }
  const failure = async (urlPath: string): Promise<string> => {
    const job = await server.call('POST', '/train', { model: 'x', epochs: 1, data: { sources: sourcesAt(urlPath) } })
    t.equal(job.status, 202)
    const done = await waitFor(async () => {
      const res = await server.call('GET', `/train/${job.body.id}`)
      return res.body.status === 'failed' || res.body.status === 'succeeded' ? res.body : undefined
    }, 60_000, 100)
    t.equal(done.status, 'failed')
    return done.error
  }
  t.match(await failure('/to-other-host'), /host localhost:\d+ is not in the allowed hosts/, 'a redirect to another host is refused')
  t.match(await failure('/loop'), /more than 5 redirects/)
  t.match(await failure('/big.csv'), /larger than the limit of 2048 bytes/)
})
