import t from 'tap'
import { build, multipartBody } from '../helpers/build.js'
import { buildMlpOnnx } from '../helpers/onnx-fixture.js'

/** Every 4xx names where the problem is (`where`): headers, bodies, parts, routes (src/plugins/app/errors.ts, bodies.ts). */

const ROW = [0.1, 0.5, 0.9, 0.3, 0.7, 0.2, 0.8, 0.4, 0.6, 0.05]
const model = buildMlpOnnx({ seed: 3, firstActivation: 'Tanh' }).bytes

t.test('415, 413, invalid and empty JSON, unknown routes: each error body has where', async (t) => {
  const server = await build(t, { config: { JSON_BODY_LIMIT: 2048, BODY_LIMIT: 4096 } })
  const json = { 'content-type': 'application/json' }

  // 415 from Fastify (no parser for the type) and from the routes' own checks
  const text = await server.inject({ method: 'PUT', url: '/models/x/aliases/champion', headers: { 'content-type': 'text/csv' }, payload: 'a,b' })
  t.equal(text.statusCode, 415)
  t.match(text.json(), { error: 'unsupported_media_type', where: { header: 'content-type' } })
  t.match(text.json().message, /content type 'text\/csv' is not accepted by PUT \/models\/:name\/aliases\/:alias: send application\/json/)
  const csvPredict = await server.inject({ method: 'POST', url: '/predict', headers: { 'content-type': 'text/csv' }, payload: '1,2' })
  t.equal(csvPredict.statusCode, 415)
  t.match(csvPredict.json().message, /send application\/json or application\/vnd\.apache\.arrow\.stream/, 'the route\'s own content types')
  t.same(csvPredict.json().where, { header: 'content-type' })
  const octetTrain = await server.inject({ method: 'POST', url: '/train', headers: { 'content-type': 'application/octet-stream' }, payload: 'x' })
  t.equal(octetTrain.statusCode, 415)
  t.same(octetTrain.json().where, { header: 'content-type' })
  const jsonUpload = await server.call('POST', '/models', { name: 'x' })
  t.equal(jsonUpload.status, 415)
  t.same(jsonUpload.body.where, { header: 'content-type' })

  // 413: the body, the limit and the setting
  const big = await server.call('PUT', '/models/x/aliases/champion', { version: 1, pad: 'x'.repeat(4096) })
  t.equal(big.status, 413)
  t.same(big.body.where, { field: 'body', limit_bytes: 2048 })
  t.match(big.body.message, /larger than 2048 bytes \(JSON_BODY_LIMIT\)/)
  const bigPredict = await server.call('POST', '/predict', { model: 'x', instances: Array.from({ length: 100 }, () => ROW) })
  t.equal(bigPredict.status, 413)
  t.same(bigPredict.body.where, { field: 'body', limit_bytes: 4096 })
  t.match(bigPredict.body.message, /\(BODY_LIMIT\)/)

  // invalid JSON: the parser's message and, where it gives one, the position
  const broken = await server.inject({ method: 'POST', url: '/predict', headers: json, payload: '{"model": "x", "instances": [[1, 2,]]}' })
  t.equal(broken.statusCode, 400)
  t.equal(broken.json().error, 'invalid_json')
  t.equal(broken.json().where.field, 'body')
  t.match(broken.json().message, /^the body is not valid JSON: /)
  t.match(broken.json().message, /Unexpected token ']'/, 'what the parser met')
  const truncated = await server.inject({ method: 'POST', url: '/train', headers: json, payload: '{"model": "x"' })
  t.equal(truncated.statusCode, 400)
  t.same(truncated.json().where, { field: 'body', position: 13 }, 'where the body ends too early')
  t.match(truncated.json().message, /at position 13/)
  const poisoned = await server.inject({ method: 'POST', url: '/train', headers: json, payload: '{"model": "x", "__proto__": {"a": 1}}' })
  t.equal(poisoned.statusCode, 400)
  t.match(poisoned.json(), { error: 'invalid_json', message: /__proto__/, where: { field: 'body' } })
  const empty = await server.inject({ method: 'POST', url: '/train', headers: json, payload: '' })
  t.equal(empty.statusCode, 400)
  t.match(empty.json(), { error: 'empty_body', where: { field: 'body' } })

  const nowhere = await server.call('GET', '/no/such/route?x=1')
  t.equal(nowhere.status, 404)
  t.same(nowhere.body.where, { route: 'GET /no/such/route' })
})

t.test('multipart limits name the part; API keys name the header', async (t) => {
  const server = await build(t, { config: { UPLOAD_LIMIT: 1024, API_KEYS: 'the-only-key-0123456789' } })
  const key = { 'x-api-key': 'the-only-key-0123456789' }
  const { payload, headers } = multipartBody({ model: { bytes: model, filename: 'm.onnx' }, spec: JSON.stringify({ name: 'big' }) })
  t.ok(model.byteLength > 1024)
  const tooLarge = await server.inject({ method: 'POST', url: '/models', payload, headers: { ...headers, ...key } })
  t.equal(tooLarge.statusCode, 413)
  t.match(tooLarge.json(), { error: 'file_too_large', where: { field: 'model', limit_bytes: 1024 } })
  t.match(tooLarge.json().message, /the file part 'model' is larger than 1024 bytes \(UPLOAD_LIMIT\)/)

  const noKey = await server.call('DELETE', '/models/big/versions/1')
  t.equal(noKey.status, 401)
  t.same(noKey.body.where, { header: 'x-api-key' })
  const wrongBearer = await server.call('DELETE', '/models/big/versions/1', undefined, { authorization: 'Bearer nope' })
  t.equal(wrongBearer.status, 403)
  t.same(wrongBearer.body.where, { header: 'authorization' })
  t.match(wrongBearer.body.message, /the API key in the authorization header is not valid/)
})
