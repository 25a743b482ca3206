import t from 'tap'
import { loadConfig } from '../../src/config.js'
import { build, multipartBody, type InjectedApp } from '../helpers/build.js'
import { buildMlpOnnx } from '../helpers/onnx-fixture.js'

/** Rate-limit budgets per route group (src/plugins/app/rate-limit.ts), through app.inject. */

const KEYS = ['alpha-key-0123456789', 'beta-key-9876543210']
const ROW = [0.1, 0.5, 0.9, 0.3, 0.7, 0.2, 0.8, 0.4, 0.6, 0.05]
const model = buildMlpOnnx({ seed: 3, firstActivation: 'Tanh' }).bytes // not provable: no circuit build in these tests

async function upload (server: InjectedApp, name: string): Promise<number> {
  const { payload, headers } = multipartBody({ model: { bytes: model, filename: 'm.onnx' }, spec: JSON.stringify({ name }) })
  return (await server.inject({ method: 'POST', url: '/models', payload, headers })).statusCode
}

/** `count` requests, `parallel` at a time; the statuses seen, with how often. */
async function statuses (count: number, parallel: number, send: () => Promise<number>): Promise<Record<number, number>> {
  const seen: Record<number, number> = {}
  for (let done = 0; done < count; done += parallel) {
    const batch = await Promise.all(Array.from({ length: Math.min(parallel, count - done) }, send))
    for (const status of batch) seen[status] = (seen[status] ?? 0) + 1
  }
  return seen
}

t.test('defaults: predictions and reads (proof polling) unlimited for one client; writes keep a limit', async (t) => {
  // The default budgets, over a window of an hour, so that a slow machine's run stays inside one window.
  const server = await build(t, { config: { RATE_LIMIT_WINDOW_MS: 3_600_000 } })
  t.equal(await upload(server, 'open'), 201)
  // More than the old single budget (6,000 requests a window), from one client.
  const predict = await statuses(6001, 50, async () => (await server.call('POST', '/predict', { model: 'open', instances: [ROW] })).status)
  t.same(predict, { 200: 6001 }, 'no prediction is refused')
  const polls = await statuses(6001, 50, async () => (await server.call('GET', '/proofs/no-such-proof')).status)
  t.same(polls, { 404: 6001 }, 'no proof poll is refused (404: the id does not exist)')
  // 300 writes a window by default (one was the upload above). One at a time: @fastify/rate-limit's local store hands
  // each request the shared counter object and reads it after an await, so requests counted in the same tick all see the
  // last count (a burst over the limit is refused whole): exact counts need sequential requests.
  const writes = await statuses(300, 1, async () => (await server.call('PUT', '/models/open/aliases/champion', { version: 1 })).status)
  t.same(writes, { 200: 299, 429: 1 }, 'the 301st write of the window is refused')
  const refused = await server.call('PUT', '/models/open/aliases/champion', { version: 1 })
  t.equal(refused.status, 429)
  t.equal(refused.body.where.budget, 'write')
})

t.test('each group has its own budget: proof polling never spends the prediction budget; the 429 says window and reset', async (t) => {
  const server = await build(t, { config: { RATE_LIMIT_PREDICT_MAX: 3, RATE_LIMIT_READ_MAX: 2, RATE_LIMIT_WRITE_MAX: 2, RATE_LIMIT_WINDOW_MS: 90_000 } })
  t.equal(await upload(server, 'limited'), 201, 'write 1 of 2')
  for (let i = 0; i < 3; i++) t.equal((await server.call('POST', '/predict', { model: 'limited', instances: [ROW] })).status, 200)
  const limited = await server.call('POST', '/predict', { model: 'limited', instances: [ROW] })
  t.equal(limited.status, 429, 'the 4th prediction is over the budget of 3')
  t.equal(limited.body.error, 'rate_limited')
  t.match(limited.body.message, /more than 3 predict requests in 90 s \(RATE_LIMIT_PREDICT_MAX per RATE_LIMIT_WINDOW_MS\)/, 'the real window')
  t.match(limited.body.message, /the window resets in \d+ s/)
  const where = limited.body.where
  t.match(where, { budget: 'predict', setting: 'RATE_LIMIT_PREDICT_MAX', max: 3, window_s: 90 })
  t.ok(where.reset_s > 0 && where.reset_s <= 90, `reset_s ${String(where.reset_s)} is within the window`)
  t.equal(limited.headers['retry-after'], String(where.reset_s), 'Retry-After is the time until the reset')
  t.ok(limited.body.message.includes(`resets in ${String(where.reset_s)} s`))
  t.equal((await server.call('POST', '/proofs/verify', {})).status, 429, 'proof verification computes: it is in the predict group')

  // Polling proofs while predictions are refused: its own budget.
  t.equal((await server.call('GET', '/proofs/some-id')).status, 404)
  t.equal((await server.call('GET', '/models/limited')).status, 200)
  const reads = await server.call('GET', '/proofs/some-id')
  t.equal(reads.status, 429, 'the read budget is its own')
  t.equal(reads.body.where.budget, 'read')
  t.equal((await server.call('PUT', '/models/limited/aliases/champion', { version: 1 })).status, 200, 'write 2 of 2: still allowed')
  const writes = await server.call('DELETE', '/models/limited/versions/1')
  t.equal(writes.status, 429)
  t.equal(writes.body.where.budget, 'write')
  for (let i = 0; i < 5; i++) {
    t.equal((await server.call('GET', '/health/ready')).status, 200, 'health is never limited')
    t.equal((await server.call('GET', '/v2/health/live')).status, 200)
  }
})

t.test('a budget per key, per IP without one; wrong keys share the IP bucket', async (t) => {
  const server = await build(t, { config: { API_KEYS: KEYS.join(','), RATE_LIMIT_READ_MAX: 5 } })
  for (let i = 0; i < 5; i++) t.equal((await server.call('GET', '/models', undefined, { 'x-api-key': KEYS[0] })).status, 200)
  const limited = await server.call('GET', '/models', undefined, { 'x-api-key': KEYS[0] })
  t.equal(limited.status, 429)
  t.match(limited.body.message, /more than 5 read requests in 60 s/)
  t.ok(Number(limited.headers['retry-after']) > 0, 'Retry-After')
  t.equal((await server.call('GET', '/models', undefined, { authorization: `Bearer ${KEYS[1]}` })).status, 200, 'another key has its own bucket')
  for (let i = 0; i < 5; i++) t.equal((await server.call('GET', '/models', undefined, { 'x-api-key': `guess-${i}` })).status, 200, 'wrong keys share the IP bucket')
  t.equal((await server.call('GET', '/models', undefined, { 'x-api-key': 'guess-again' })).status, 429, 'guessing keys does not buy fresh buckets')
})

t.test('the removed RATE_LIMIT_MAX stops the service with what replaces it', async (t) => {
  t.throws(() => loadConfig({ RATE_LIMIT_MAX: '0' }), /RATE_LIMIT_MAX was replaced by per-group budgets: RATE_LIMIT_WRITE_MAX .*RATE_LIMIT_PREDICT_MAX and RATE_LIMIT_READ_MAX/)
  const config = loadConfig({ RATE_LIMIT_READ_MAX: '10' })
  t.match(config, { RATE_LIMIT_WRITE_MAX: 300, RATE_LIMIT_PREDICT_MAX: 0, RATE_LIMIT_READ_MAX: 10, RATE_LIMIT_WINDOW_MS: 60_000 })
})
