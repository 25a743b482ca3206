import t from 'tap'
import type { IncomingHttpHeaders } from 'node:http'
import autocannon from 'autocannon'
import { startServer, waitFor, type TestServer, settled } from '../helpers/app.js'
import { buildMlpOnnx } from '../helpers/onnx-fixture.js'
import { postMultipart } from '../helpers/multipart.js'

/**
 * Mixed traffic for a few seconds on loopback: predictions (with and without proofs), proof
 * reads, model uploads, and a training job running meanwhile. Every answer is a 2xx or a
 * deliberate 503 (a full proof queue, or overload) with Retry-After; no connection error, no
 * timeout; afterwards the service is ready and the work it accepted is done.
 * Latency is reported, not asserted (BENCHMARKS.md is where speed is measured).
 */

const ROW = [0.1, 0.5, 0.9, 0.3, 0.7, 0.2, 0.8, 0.4, 0.6, 0.05]
const BOUNDARY = 'LoadBoundary'

function multipartUpload (name: string, onnx: Uint8Array): Buffer {
  return Buffer.concat([
    Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="spec"\r\n\r\n${JSON.stringify({ name })}\r\n`),
    Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="model"; filename="m.onnx"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    Buffer.from(onnx),
    Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
  ])
}

const trainingDone = async (server: TestServer, id: string): Promise<any> => await settled(server, `/train/${id}`)

t.test('mixed load: only 2xx and deliberate 503s; bounded queues; ready afterwards', async (t) => {
  // The write budget is lifted here (rate limits have their own test): this run is about overload and queues.
  const server = await startServer({ RATE_LIMIT_WRITE_MAX: 0, PROOF_QUEUE_LIMIT: 20, TRAIN_QUEUE_LIMIT: 1, TRAIN_CONCURRENCY: 1, PROOF_WORKERS: 1 })
  t.teardown(server.close)
  const provable = await postMultipart(`${server.url}/models`, { model: { bytes: buildMlpOnnx({ seed: 7 }).bytes, filename: 'zk.onnx' }, spec: JSON.stringify({ name: 'zk' }) })
  t.equal(provable.status, 201)
  const unprovable = buildMlpOnnx({ seed: 3, firstActivation: 'Tanh' }).bytes
  const first = await postMultipart(`${server.url}/models`, { model: { bytes: unprovable, filename: 'plain.onnx' }, spec: JSON.stringify({ name: 'plain' }) })
  t.equal(first.status, 201)

  t.test('a full proof queue answers 503 with Retry-After, before any work is queued', async (t) => {
    const res = await server.call('POST', '/predict', { model: 'zk', instances: Array.from({ length: 30 }, () => ROW), proof: true })
    t.equal(res.status, 503)
    t.equal(res.body.error, 'queue_full')
    t.match(res.body.message, /proof queue is full/)
    t.equal(res.headers['retry-after'], '5')
  })

  // One training job runs through the load; a second waits; a third finds the queue full.
  const training = await server.call('POST', '/train', { model: 'under-load', recipe: 'tutorial', epochs: 3, data: { synthetic: { days: 200 } } })
  const waiting = await server.call('POST', '/train', { model: 'waiting', recipe: 'tutorial', epochs: 1, data: { synthetic: { days: 200 } } })
  t.equal(training.status, 202)
  t.equal(waiting.status, 202)
  const refused = await server.call('POST', '/train', { model: 'refused', epochs: 1 })
  t.equal(refused.status, 503, 'a full training queue answers 503')
  t.equal(refused.body.error, 'queue_full')
  t.equal(refused.headers['retry-after'], '5')

  const proofId = await waitFor(async () => {
    const res = await server.call('POST', '/predict', { model: 'zk', instances: [ROW] })
    return res.status === 200 ? res.body.predictions[0].proof.id as string : undefined
  }, 30_000, 200)

  const statuses = new Map<number, number>()
  const bad: string[] = []
  const refusals = new Map<string, number>()
  const onResponse = (status: number, body: string, _context: object, headers?: IncomingHttpHeaders): void => {
    statuses.set(status, (statuses.get(status) ?? 0) + 1)
    if (status >= 200 && status < 300) return
    let error: string | undefined
    try { error = (JSON.parse(body) as { error?: string }).error } catch {}
    refusals.set(`${status} ${error ?? ''}`, (refusals.get(`${status} ${error ?? ''}`) ?? 0) + 1)
    const deliberate = status === 503 && (error === 'queue_full' || error === 'overloaded') && headers?.['retry-after'] != null
    if (!deliberate && bad.length < 10) bad.push(`${status} ${body.slice(0, 200)}`)
  }
  const json = { 'content-type': 'application/json' }
  const traffic = autocannon({
    url: server.url,
    connections: 6,
    duration: 4,
    timeout: 30,
    requests: [
      { method: 'POST', path: '/predict', headers: json, body: JSON.stringify({ model: 'zk', instances: Array.from({ length: 10 }, () => ROW), proof: false }), onResponse },
      { method: 'POST', path: '/predict', headers: json, body: JSON.stringify({ model: 'plain', instances: [ROW] }), onResponse },
      { method: 'POST', path: '/predict', headers: json, body: JSON.stringify({ model: 'zk', instances: [ROW], proof: true }), onResponse },
      { method: 'GET', path: `/proofs/${proofId}`, onResponse },
      { method: 'POST', path: '/v2/models/plain/infer', headers: json, body: JSON.stringify({ inputs: [{ name: 'input', shape: [1, 10], datatype: 'FP32', data: ROW }] }), onResponse },
    ],
  })
  const uploads = autocannon({
    url: server.url,
    connections: 1,
    amount: 8,
    timeout: 30,
    requests: [{ method: 'POST', path: '/models', headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` }, body: multipartUpload('plain', unprovable), onResponse }],
  })
  const [result, uploaded] = await Promise.all([traffic, uploads])

  t.same(bad, [], 'every non-2xx answer is a deliberate 503 with Retry-After')
  t.equal(result.errors, 0, 'no connection errors')
  t.equal(result.timeouts, 0, 'no timeouts')
  t.equal(uploaded.errors + uploaded.timeouts, 0)
  t.ok([...statuses.keys()].every((s) => (s >= 200 && s < 300) || s === 503), `status codes: ${JSON.stringify(Object.fromEntries(statuses))}`)
  t.ok(result.requests.total > 50, `${result.requests.total} requests served`)
  t.comment(`mixed load: ${result.requests.total} requests in ${result.duration} s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms; statuses ${JSON.stringify(Object.fromEntries(statuses))}, refusals ${JSON.stringify(Object.fromEntries(refusals))}`)

  t.equal((await server.call('GET', '/health/ready')).status, 200, 'ready after the load')
  const plain = (await server.call('GET', '/models')).body.models.find((m: any) => m.name === 'plain')
  t.equal(plain.versions.length, 1 + 8, 'every upload under load registered a version')
  const trained = await trainingDone(server, training.body.id)
  t.equal(trained.status, 'succeeded', trained.error)
  const next = await trainingDone(server, waiting.body.id)
  t.equal(next.status, 'succeeded', next.error)
  t.equal((await server.call('POST', '/predict', { model: 'under-load', instances: [ROW], proof: false })).status, 200, 'the model trained under load serves')
})
