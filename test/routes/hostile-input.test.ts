import t from 'tap'
import fc from 'fast-check'
import { Client } from 'undici'
import { startServer, waitFor } from '../helpers/app.js'
import { buildMlpOnnx } from '../helpers/onnx-fixture.js'
import { postMultipart } from '../helpers/multipart.js'

/**
 * Garbage at every route: random JSON, wrong types, NaN/Infinity spelled every way, huge numbers,
 * enormous arrays, deep nesting, binary bytes under each content type, path traversal in every
 * name, multipart without parts. Every answer must be a 4xx JSON error with a message (or a 2xx
 * where the input happens to be valid), never a 5xx, and the service must stay ready.
 */

const KEY = 'hostile-test-key'
const FEATURES = Array.from({ length: 10 }, (_, i) => `f${i}`)
const MODEL = 'hostile'
const ARROW = 'application/vnd.apache.arrow.stream'

interface Answer { status: number, body: any, text: string, contentType: string, retryAfter?: string }

t.test('hostile input gets clear 4xx answers and never a 5xx', async (t) => {
  // Writes unlimited: the storm sends ~1,000 requests, about 300 of them to write routes (a random number: the routes are
  // drawn at random), and a 429 from the default budget (300 a minute) would answer in place of the check each one is
  // for (a Node 24 run got 429 where the test expects 413, 2026-12-04). Rate limits have tests of their own.
  const limits = { BODY_LIMIT: 256 * 1024, JSON_BODY_LIMIT: 64 * 1024, UPLOAD_LIMIT: 64 * 1024, RATE_LIMIT_WRITE_MAX: 0 }
  const server = await startServer({ API_KEYS: KEY, TRAIN_QUEUE_LIMIT: 1, ...limits })
  t.teardown(server.close)
  // A model the prover does not support (Tanh): no circuit build competes for the CPU, and /predict still serves it.
  const uploaded = await postMultipart(`${server.url}/models`, {
    model: { bytes: buildMlpOnnx({ seed: 3, firstActivation: 'Tanh' }).bytes, filename: 'm.onnx' },
    spec: JSON.stringify({ name: MODEL, features: FEATURES }),
  }, { 'x-api-key': KEY })
  t.equal(uploaded.status, 201, JSON.stringify(uploaded.body))
  await waitFor(async () => ((await server.call('GET', `/models/${MODEL}`)).body.circuit?.status === 'unsupported' ? true : undefined), 30_000)

  const client = new Client(server.url, { pipelining: 0, headersTimeout: 20_000, bodyTimeout: 20_000 })
  t.teardown(async () => await client.close())
  const seen: Array<{ label: string, status: number }> = []

  /** Sends the path as is (no URL normalisation, so `..` and `%2e%2e` reach the server). */
  const send = async (method: string, path: string, body?: string | Uint8Array, contentType?: string): Promise<Answer> => {
    const headers: Record<string, string> = { 'x-api-key': KEY }
    if (contentType != null) headers['content-type'] = contentType
    const response = await client.request({ method: method as 'GET', path, headers, body })
    const text = await response.body.text()
    let parsed: unknown
    try { parsed = JSON.parse(text) } catch { parsed = undefined }
    const retryAfter = response.headers['retry-after']
    return { status: response.statusCode, body: parsed, text, contentType: String(response.headers['content-type'] ?? ''), retryAfter: retryAfter == null ? undefined : String(retryAfter) }
  }

  /**
   * A random body can be a valid training request by chance ({"model":"hostile"} trains the default recipe): with
   * TRAIN_QUEUE_LIMIT 1 the third such request while two are held is refused as the README promises, 503 queue_full
   * with Retry-After (an overload, not a fault: a CI run drew three within a training's time, 2026-12-04). Only that
   * answer, and only to an input that may be valid, is kept out of the 5xx count.
   */
  const isQueueFull = (answer: Answer): boolean =>
    answer.status === 503 && answer.body?.error === 'queue_full' && answer.retryAfter != null && Number(answer.retryAfter) > 0
  let queueFull = 0

  /** The rule every answer follows; `mustFail` for inputs that can never be valid. */
  const check = (label: string, answer: Answer, mustFail = true): boolean => {
    if (!mustFail && isQueueFull(answer)) {
      queueFull += 1
      return true
    }
    seen.push({ label, status: answer.status })
    const ok = answer.status < 500 &&
      (!mustFail || (answer.status >= 400 && answer.status < 500)) &&
      (answer.status < 400 || (answer.contentType.startsWith('application/json') && typeof answer.body?.error === 'string' && typeof answer.body?.message === 'string' && answer.body.message.length > 0))
    if (!ok) t.fail(`${label}: ${answer.status} ${answer.text.slice(0, 300)}`)
    return ok
  }

  const nameParam = '{name}'
  const versionParam = '{version}'
  /** Every route and its path parameters (routes/*.ts). */
  const ROUTES: Array<{ method: string, path: string, body: boolean }> = [
    { method: 'GET', path: '/train/{id}', body: false },
    { method: 'GET', path: '/models/{name}', body: false },
    { method: 'GET', path: '/models/{name}/versions/{version}', body: false },
    { method: 'GET', path: '/models/{name}/versions/{version}/model.onnx', body: false },
    { method: 'DELETE', path: '/models/{name}/versions/{version}', body: false },
    { method: 'PUT', path: '/models/{name}/aliases/{alias}', body: true },
    { method: 'GET', path: '/models/{name}/versions/{version}/verification-key', body: false },
    { method: 'GET', path: '/models/{name}/versions/{version}/verifier.sol', body: false },
    { method: 'GET', path: '/proofs/{id}', body: false },
    { method: 'GET', path: '/proofs/{id}/download', body: false },
    { method: 'POST', path: '/proofs/{id}/verify', body: false },
    { method: 'GET', path: '/v2/models/{name}', body: false },
    { method: 'GET', path: '/v2/models/{name}/versions/{version}', body: false },
    { method: 'POST', path: '/v2/models/{name}/infer', body: true },
    { method: 'POST', path: '/v2/models/{name}/versions/{version}/infer', body: true },
  ]
  const BODY_ROUTES: Array<{ method: string, path: string }> = [
    { method: 'POST', path: '/predict' },
    { method: 'POST', path: '/train' },
    { method: 'POST', path: '/models' },
    { method: 'PUT', path: `/models/${MODEL}/aliases/champion` },
    { method: 'POST', path: '/proofs/verify' },
    { method: 'POST', path: `/v2/models/${MODEL}/infer` },
    { method: 'POST', path: `/v2/models/${MODEL}/versions/1/infer` },
  ]

  const TRAVERSAL = [
    '..', '..%2f..', '..%2F..%2Fetc%2Fpasswd', '%2e%2e', '%2e%2e%2f%2e%2e', '%252e%252e%252f', '..%5c..', '....//....//',
    '..;', '%c0%ae%c0%ae', '%00', 'a%00b', '%ff', '%', '%zz', '.', '%2e', 'hostile%2f..%2f..', '..%252f..', '~root', 'CON',
    'A'.repeat(70), 'a'.repeat(5000), '%E2%80%AE', '\u00e9'.replace(/./, '%C3%A9'), '0', '-1', '1e999', 'NaN', 'Infinity', '999999999999', 'latest%20',
  ]
  const traversalArb = fc.oneof(
    fc.constantFrom(...TRAVERSAL),
    fc.stringMatching(/^[A-Za-z0-9._~%-]{0,80}$/),
    fc.array(fc.constantFrom('..', '%2e%2e', '%2f', '/', '%5c', 'x'), { minLength: 1, maxLength: 8 }).map((parts) => parts.join(''))
  )

  t.test('path parameters: traversal and garbage in every name', async (t) => {
    await fc.assert(fc.asyncProperty(fc.constantFrom(...ROUTES), traversalArb, traversalArb, async (route, a, b) => {
      const path = route.path.replace(nameParam, a).replace(versionParam, b).replace('{id}', a).replace('{alias}', b)
      const answer = await send(route.method, path, route.body ? '{"version":1}' : undefined, route.body ? 'application/json' : undefined)
      // A name that happens to be valid may find the model ('hostile', version 1); anything else must fail.
      return check(`${route.method} ${path}`, answer, false)
    }), { numRuns: 250 })
    // Traversal never reaches a file outside the registry: every one of these is refused.
    for (const evil of ['..%2f..%2f..%2fetc%2fpasswd', '%2e%2e', '..', '..%5c..%5cpackage.json']) {
      const onnx = await send('GET', `/models/${evil}/versions/1/model.onnx`)
      t.ok(onnx.status === 400 || onnx.status === 404, `${evil}: ${onnx.status}`)
      t.notOk(onnx.text.includes('root:'), 'no file content leaks')
    }
  })

  t.test('query strings: garbage, repeated keys, prototype keys on every route', async (t) => {
    const GETS = ['/health', '/train', '/models', `/models/${MODEL}`, `/models/${MODEL}/versions/1`, '/proofs/x', `/v2/models/${MODEL}`]
    const queryArb = fc.array(fc.tuple(
      fc.oneof(fc.constantFrom('model', 'version', 'proof', '__proto__', 'constructor', '__proto__[polluted]', 'a[]', ''), fc.stringMatching(/^[A-Za-z0-9%._[\]-]{0,20}$/)),
      fc.oneof(fc.constantFrom(...TRAVERSAL), fc.stringMatching(/^[A-Za-z0-9%._-]{0,40}$/))
    ), { maxLength: 6 }).map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&'))
    await fc.assert(fc.asyncProperty(fc.constantFrom(...GETS), queryArb, async (path, query) => {
      return check(`GET ${path}?${query}`, await send('GET', `${path}?${query}`), false)
    }), { numRuns: 80 })
    t.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution')
  })

  const nonFinite = ['NaN', 'Infinity', '-Infinity', '+Infinity', 'inf', '-inf', '1e999', '-1e999', '1e309', '"NaN"', '"Infinity"', '"-Infinity"', '"1e999"', 'null', 'true', '"0x10"', '[]', '{}', '"1"', '0x10', '1_000', '.5', '01', '--1', '1e', '9'.repeat(400)]
  t.test('/predict: NaN and Infinity spelled every way, huge numbers, wrong types', async (t) => {
    await fc.assert(fc.asyncProperty(fc.constantFrom(...nonFinite), fc.integer({ min: 0, max: 9 }), fc.boolean(), async (token, column, named) => {
      const values = FEATURES.map((_, i) => (i === column ? token : '0.5'))
      const row = named ? `{${FEATURES.map((f, i) => `"${f}":${values[i]}`).join(',')}}` : `[${values.join(',')}]`
      const answer = await send('POST', '/predict', `{"model":"${MODEL}","instances":[${row}],"proof":false}`, 'application/json')
      if (!check(`predict ${token} at ${column}`, answer)) return false
      // A parsable JSON token must be refused naming the row and the column.
      return answer.body.error === 'invalid_json' || answer.body.error === 'validation_error' || /instances\[0\]/.test(answer.body.message)
    }), { numRuns: 120 })
    // Finite numbers beyond float32 are refused, not turned into Infinity by the model.
    const huge = await send('POST', '/predict', JSON.stringify({ model: MODEL, instances: [FEATURES.map(() => 1e300)], proof: false }), 'application/json')
    t.equal(huge.status, 400)
    t.match(huge.body.message, /instances\[0\]\[0\].*float32/)
    // The Arrow route reads its options from the query: nonsense there is a 400 too.
    for (const query of ['?model=..%2f..', '?model=hostile&version=NaN', '?model=hostile&proof=maybe', '?model=hostile&extra=1', '?model[]=x', '?model=hostile&model=other', '']) {
      check(`arrow query ${query}`, await send('POST', `/predict${query}`, new Uint8Array([1, 2, 3]), ARROW))
    }
  })

  t.test('random JSON of every shape at every body route', async (t) => {
    const jsonArb = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }),
      fc.record({ model: fc.oneof(fc.constant(MODEL), fc.string()), instances: fc.jsonValue({ maxDepth: 3 }) }, { requiredKeys: [] }),
      fc.record({ model: fc.constant(MODEL), instances: fc.array(fc.array(fc.oneof(fc.double(), fc.string(), fc.constant(null), fc.boolean(), fc.object()), { maxLength: 12 }), { maxLength: 4 }) }),
      fc.record({ inputs: fc.array(fc.record({ name: fc.string(), shape: fc.array(fc.integer({ min: -5, max: 1e9 }), { maxLength: 4 }), datatype: fc.constantFrom('FP32', 'FP64', 'BYTES', 'INT8'), data: fc.jsonValue({ maxDepth: 2 }) }, { requiredKeys: [] }), { maxLength: 2 }) }),
      fc.record({ proof_system: fc.constantFrom('groth16', 'plonk', 'x'), proof: fc.jsonValue({ maxDepth: 3 }), public_signals: fc.array(fc.oneof(fc.string(), fc.bigInt().map(String)), { maxLength: 20 }), verification_key: fc.jsonValue({ maxDepth: 3 }), model: fc.record({ name: fc.constant(MODEL), version: fc.integer(), onnx_sha256: fc.string() }) }, { requiredKeys: [] }),
      fc.record({ version: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null)) }),
      fc.record({ model: fc.string(), recipe: fc.string(), window: fc.integer(), epochs: fc.oneof(fc.integer(), fc.double()), data: fc.jsonValue({ maxDepth: 3 }) }, { requiredKeys: [] })
    )
    await fc.assert(fc.asyncProperty(fc.constantFrom(...BODY_ROUTES), jsonArb, async (route, value) => {
      const text = JSON.stringify(value) ?? 'null'
      const answer = await send(route.method, route.path, text, 'application/json')
      // Random JSON may be a valid alias request ({"version": 1}) or a valid v2/predict call by chance.
      return check(`${route.method} ${route.path} ${text.slice(0, 120)}`, answer, false)
    }), { numRuns: 300 })
  })

  t.test('binary garbage under every content type', async (t) => {
    const contentTypes = ['application/json', ARROW, 'application/octet-stream', 'multipart/form-data; boundary=XyZ', 'multipart/form-data', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'application/', '', 'application/json\u0000']
    await fc.assert(fc.asyncProperty(fc.constantFrom(...BODY_ROUTES), fc.constantFrom(...contentTypes), fc.uint8Array({ minLength: 0, maxLength: 2048 }), async (route, type, bytes) => {
      const answer = await send(route.method, route.path, bytes, type === '' ? undefined : type.replace('\u0000', ''))
      return check(`${route.method} ${route.path} as '${type}' (${bytes.length} bytes)`, answer)
    }), { numRuns: 250 })
    // A real Arrow stream of the wrong kind (a string column) and a truncated one.
    const { tableToIPC, tableFromArrays } = await import('apache-arrow')
    const strings = tableToIPC(tableFromArrays({ f0: ['a', 'b'] }), 'stream')
    check('arrow with strings', await send('POST', `/predict?model=${MODEL}`, strings, ARROW))
    const numbers = tableToIPC(tableFromArrays(Object.fromEntries(FEATURES.map((f) => [f, Float64Array.from([0.5, Number.NaN])]))), 'stream')
    const nan = await send('POST', `/predict?model=${MODEL}&proof=false`, numbers, ARROW)
    check('arrow with NaN', nan)
    t.match(nan.body.message, /row 1/)
    check('arrow truncated', await send('POST', `/predict?model=${MODEL}`, numbers.subarray(0, Math.floor(numbers.length / 2)), ARROW))
  })

  t.test('multipart: no parts, wrong parts, broken framing', async (t) => {
    const bodies: Array<[string, string]> = [
      ['no parts', '--XyZ--\r\n'],
      ['empty', ''],
      ['preamble only', 'hello\r\n'],
      ['unterminated part', '--XyZ\r\nContent-Disposition: form-data; name="spec"\r\n\r\n{"name":"x"'],
      ['no disposition', '--XyZ\r\n\r\nabc\r\n--XyZ--\r\n'],
      ['bad header', '--XyZ\r\nContent-Disposition\r\n\r\nabc\r\n--XyZ--\r\n'],
      ['spec only', '--XyZ\r\nContent-Disposition: form-data; name="spec"\r\n\r\n{"name":"only-spec"}\r\n--XyZ--\r\n'],
      ['spec not JSON', '--XyZ\r\nContent-Disposition: form-data; name="spec"\r\n\r\n{nope\r\n--XyZ--\r\n'],
      ['unknown field', '--XyZ\r\nContent-Disposition: form-data; name="evil"\r\n\r\n1\r\n--XyZ--\r\n'],
      ['traversal filename', '--XyZ\r\nContent-Disposition: form-data; name="liquidations_v2"; filename="../../../../etc/passwd.csv"\r\n\r\na,b\r\n--XyZ--\r\n'],
      ['many parts', Array.from({ length: 40 }, (_, i) => `--XyZ\r\nContent-Disposition: form-data; name="f${i}"\r\n\r\n1\r\n`).join('') + '--XyZ--\r\n'],
      ['model empty', '--XyZ\r\nContent-Disposition: form-data; name="model"; filename="m.onnx"\r\n\r\n\r\n--XyZ\r\nContent-Disposition: form-data; name="spec"\r\n\r\n{"name":"empty-model"}\r\n--XyZ--\r\n'],
      ['model garbage', '--XyZ\r\nContent-Disposition: form-data; name="model"; filename="m.onnx"\r\n\r\n\u0008\u0001garbage\r\n--XyZ\r\nContent-Disposition: form-data; name="spec"\r\n\r\n{"name":"garbage-model"}\r\n--XyZ--\r\n'],
    ]
    for (const path of ['/models', '/train']) {
      for (const [label, body] of bodies) {
        check(`${path} multipart ${label}`, await send('POST', path, body, 'multipart/form-data; boundary=XyZ'))
      }
    }
    const big = await postMultipart(`${server.url}/models`, { model: { bytes: new Uint8Array(200 * 1024), filename: 'm.onnx' }, spec: JSON.stringify({ name: 'too-big' }) }, { 'x-api-key': KEY })
    t.equal(big.status, 413, JSON.stringify(big.body))
    const uploads = await import('node:fs/promises').then(async (fs) => await fs.readdir(`${server.dataDir}/uploads`).catch(() => []))
    t.same(uploads, [], 'refused training uploads leave no files behind')
    t.same((await server.call('GET', '/models')).body.models.map((m: any) => m.name), [MODEL], 'nothing was registered')
  })

  t.test('enormous arrays, deep nesting, oversized bodies', async (t) => {
    const cases: Array<[string, string, string]> = [
      ['too many rows', '/predict', JSON.stringify({ model: MODEL, instances: Array.from({ length: 20_000 }, () => [0]), proof: false })],
      ['a row of 5000 values', '/predict', JSON.stringify({ model: MODEL, instances: [Array.from({ length: 5000 }, () => 1)], proof: false })],
      ['20 000 keys in a row', '/predict', JSON.stringify({ model: MODEL, instances: [Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, 1]))] })],
      ['deep arrays', '/predict', `{"model":"${MODEL}","instances":${'['.repeat(50_000)}${']'.repeat(50_000)}}`],
      ['deep objects', '/proofs/verify', `{"proof_system":"groth16","proof":${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)},"public_signals":[],"verification_key":{},"model":{"name":"${MODEL}","version":1,"onnx_sha256":"x"}}`],
      ['deep v2 data', `/v2/models/${MODEL}/infer`, `{"inputs":[{"name":"x","shape":[1,10],"datatype":"FP32","data":${'['.repeat(30_000)}${']'.repeat(30_000)}}]}`],
      ['huge public signal list', '/proofs/verify', JSON.stringify({ proof_system: 'groth16', proof: {}, public_signals: Array.from({ length: 20_000 }, () => '1'), verification_key: {}, model: { name: MODEL, version: 1, onnx_sha256: 'x' } })],
      ['v2 shape overflow', `/v2/models/${MODEL}/infer`, JSON.stringify({ inputs: [{ name: 'input', shape: [2 ** 40, 10], datatype: 'FP32', data: [1] }] })],
      ['alias body too big', `/models/${MODEL}/aliases/big`, JSON.stringify({ version: 1, pad: 'x'.repeat(100_000) })],
    ]
    for (const [label, path, body] of cases) {
      const method = path.includes('/aliases/') ? 'PUT' : 'POST'
      check(label, await send(method, path, body, 'application/json'))
    }
  })

  t.test('after the storm the service is ready and serves', async (t) => {
    t.equal((await server.call('GET', '/health/ready')).status, 200)
    const ok = await server.call('POST', '/predict', { model: MODEL, instances: [FEATURES.map(() => 0.5)], proof: false }, { 'x-api-key': KEY })
    t.equal(ok.status, 200, JSON.stringify(ok.body))
    const fiveHundreds = seen.filter((s) => s.status >= 500)
    t.same(fiveHundreds, [], 'no 5xx at all')
    t.ok(seen.length > 900, `${seen.length} hostile requests sent (and ${queueFull} valid training requests refused as queue_full)`)
  })
})
