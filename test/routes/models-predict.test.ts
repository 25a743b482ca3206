import t from 'tap'
import { tableToIPC, tableFromArrays } from 'apache-arrow'
import * as ort from 'onnxruntime-node'
import { startServer } from '../helpers/app.js'
import { buildMlpOnnx, mlpForward } from '../helpers/onnx-fixture.js'
import { postMultipart } from '../helpers/multipart.js'

const FEATURES = Array.from({ length: 10 }, (_, i) => `f${i}`)

function rows (n: number, seed = 3): number[][] {
  let s = seed
  const next = (): number => { s = (s * 16807) % 2147483647; return s / 2147483647 }
  return Array.from({ length: n }, () => Array.from({ length: 10 }, () => next()))
}

t.test('registry and prediction over real HTTP', async (t) => {
  const server = await startServer({ MAX_BATCH: 50, MAX_PROOFS_PER_REQUEST: 5 })
  t.teardown(server.close)
  const fixed = buildMlpOnnx({ seed: 7, fixedBatch: true })
  const dynamic = buildMlpOnnx({ seed: 8 })

  t.test('uploads a PyTorch-style export with a fixed [1, 10] input', async (t) => {
    const res = await postMultipart(`${server.url}/models`, {
      model: { bytes: fixed.bytes, filename: 'torch.onnx' },
      spec: JSON.stringify({ name: 'torch-ref', features: FEATURES }),
    })
    t.equal(res.status, 201, JSON.stringify(res.body))
    t.same(res.body, { name: 'torch-ref', version: 1, href: '/models/torch-ref/versions/1' })
    const view = await server.call('GET', '/models/torch-ref/versions/latest')
    t.equal(view.status, 200)
    t.same(view.body.inputs, [{ name: 'input', datatype: 'FP32', shape: [1, 10] }])
    t.same(view.body.features, FEATURES)
    t.equal(view.body.threshold, 0.5)
    t.match(view.body.onnx_sha256, /^[0-9a-f]{64}$/)
    t.same(view.body.aliases, ['latest'])
  })

  t.test('a fixed-batch model serves a batch with exactly what onnxruntime gives row by row', async (t) => {
    const X = rows(40)
    const res = await server.call('POST', '/predict', { model: 'torch-ref', instances: X, proof: false })
    t.equal(res.status, 200, JSON.stringify(res.body))
    t.equal(res.body.model, 'torch-ref')
    t.equal(res.body.version, 1)
    const session = await ort.InferenceSession.create(fixed.bytes)
    for (let r = 0; r < X.length; r++) {
      const out = await session.run({ input: new ort.Tensor('float32', Float32Array.from(X[r]), [1, 10]) })
      const expected = (out.probability.data as Float32Array)[0]
      t.ok(Math.abs(res.body.predictions[r].probability - expected) <= 1e-6, `row ${r}`)
      t.ok(Math.abs(res.body.predictions[r].probability - mlpForward(fixed, X[r])) <= 1e-5, `row ${r} vs float64 forward`)
      t.equal(res.body.predictions[r].label, expected >= 0.5 ? 1 : 0)
    }
    await session.release()
  })

  t.test('named instances map through the feature list; JSON, Arrow and v2 infer agree', async (t) => {
    const up = await postMultipart(`${server.url}/models`, {
      model: { bytes: dynamic.bytes, filename: 'm.onnx' },
      spec: JSON.stringify({ name: 'dyn', features: FEATURES, threshold: 0.4 }),
    })
    t.equal(up.status, 201)
    const X = rows(25, 11)
    const positional = await server.call('POST', '/predict', { model: 'dyn', instances: X, proof: false })
    const named = await server.call('POST', '/predict', {
      model: 'dyn',
      proof: false,
      // keys in reverse order: the mapping must use names, not positions
      instances: X.map((x) => Object.fromEntries(FEATURES.map((f, i) => [f, x[i]]).reverse())),
    })
    t.equal(positional.status, 200)
    t.equal(named.status, 200)
    t.same(named.body.predictions, positional.body.predictions)
    t.equal(positional.body.threshold, 0.4)

    const columns = Object.fromEntries(FEATURES.map((f, i) => [f, Float64Array.from(X.map((x) => x[i]))]))
    const ipc = tableToIPC(tableFromArrays(columns), 'stream')
    const arrow = await server.call('POST', '/predict?model=dyn&proof=false', ipc, { 'content-type': 'application/vnd.apache.arrow.stream' })
    t.equal(arrow.status, 200, JSON.stringify(arrow.body))
    t.same(arrow.body.predictions, positional.body.predictions)

    const v2 = await server.call('POST', '/v2/models/dyn/infer', { inputs: [{ name: 'input', shape: [25, 10], datatype: 'FP32', data: X.flat() }] })
    t.equal(v2.status, 200, JSON.stringify(v2.body))
    t.equal(v2.body.model_name, 'dyn')
    t.equal(v2.body.model_version, '1')
    t.same(v2.body.outputs[0].shape, [25, 1])
    t.same(v2.body.outputs[0].data, positional.body.predictions.map((p: { probability: number }) => p.probability))
    const meta = await server.call('GET', '/v2/models/dyn')
    t.same(meta.body.inputs, [{ name: 'input', datatype: 'FP32', shape: [-1, 10] }])
  })

  t.test('bad input gets a 4xx naming the row and field, never a 5xx', async (t) => {
    const cases: Array<[string, unknown, number, RegExp]> = [
      ['wrong width', { model: 'dyn', instances: [[1, 2, 3]] }, 400, /instances\[0\] has 3 values; the model takes 10/],
      ['string value', { model: 'dyn', instances: [[1, 2, 3, 4, 5, 6, 7, 8, 9, 'x']] }, 400, /instances/],
      ['NaN as a string', { model: 'dyn', instances: [[1, 2, 3, 4, 5, 6, 7, 8, 9, 'NaN']] }, 400, /instances/],
      ['unknown feature', { model: 'dyn', instances: [{ ...Object.fromEntries(FEATURES.map((f) => [f, 1])), bogus: 1 }] }, 400, /instances\[0\]\.bogus: unknown feature 'bogus'/],
      ['missing feature', { model: 'dyn', instances: [{ f0: 1 }] }, 400, /instances\[0\] lacks feature\(s\): f1/],
      ['unknown model', { model: 'nope', instances: [rows(1)[0]] }, 404, /model 'nope' does not exist/],
      ['unknown version', { model: 'dyn', version: 9, instances: [rows(1)[0]] }, 404, /has no version '9'/],
      ['path-like name', { model: '../etc', instances: [rows(1)[0]] }, 400, /body\/model/],
      ['batch over the limit', { model: 'dyn', instances: rows(51) }, 400, /51 instances; at most 50/],
      ['empty instances', { model: 'dyn', instances: [] }, 400, /instances/],
      ['unknown property', { model: 'dyn', instances: [rows(1)[0]], extra: 1 }, 400, /body must NOT have additional properties: 'extra'/],
    ]
    for (const [label, body, status, message] of cases) {
      const res = await server.call('POST', '/predict', body)
      t.equal(res.status, status, `${label}: ${JSON.stringify(res.body)}`)
      t.match(res.body.message, message, label)
      t.type(res.body.error, 'string', label)
    }
    const overflow = await server.call('POST', '/predict', '{"model":"dyn","instances":[[1e400,2,3,4,5,6,7,8,9,10]]}')
    t.equal(overflow.status, 400)
    // JSON.parse reads 1e400 as Infinity, which the schema refuses as a number
    t.match(overflow.body.message, /body\/instances\/0\/0 must be number/)
    const bigFloat = await server.call('POST', '/predict', { model: 'dyn', instances: [[1e300, 2, 3, 4, 5, 6, 7, 8, 9, 10]] })
    t.equal(bigFloat.status, 400)
    t.match(bigFloat.body.message, /float32 range/)
    const text = await server.call('POST', '/predict', 'model=dyn', { 'content-type': 'text/plain' })
    t.equal(text.status, 415)
    const badJson = await server.call('POST', '/predict', '{"model":', { 'content-type': 'application/json' })
    t.equal(badJson.status, 400)
    const garbageArrow = await server.call('POST', '/predict?model=dyn', new Uint8Array([1, 2, 3, 4]), { 'content-type': 'application/vnd.apache.arrow.stream' })
    t.equal(garbageArrow.status, 400)
    t.match(garbageArrow.body.message, /Arrow/)
    const noRoute = await server.call('GET', '/nope')
    t.equal(noRoute.status, 404)
    t.same(Object.keys(noRoute.body).sort(), ['error', 'message', 'where'], 'a 404 names the route it did not find')
  })

  t.test('uploads that cannot be served are refused with the reason', async (t) => {
    const notOnnx = await postMultipart(`${server.url}/models`, { model: { bytes: new TextEncoder().encode('hello'), filename: 'x.onnx' }, spec: '{"name":"bad"}' })
    t.equal(notOnnx.status, 422)
    t.match(notOnnx.body.message, /not an ONNX model/)
    const widthMismatch = await postMultipart(`${server.url}/models`, { model: { bytes: dynamic.bytes, filename: 'm.onnx' }, spec: JSON.stringify({ name: 'w', features: ['a', 'b'] }) })
    t.equal(widthMismatch.status, 400)
    t.match(widthMismatch.body.message, /names 2 features; .* takes 10/)
    const badName = await postMultipart(`${server.url}/models`, { model: { bytes: dynamic.bytes, filename: 'm.onnx' }, spec: JSON.stringify({ name: '../../x' }) })
    t.equal(badName.status, 400)
    t.match(badName.body.message, /spec\/name/)
    const noSpec = await postMultipart(`${server.url}/models`, { model: { bytes: dynamic.bytes, filename: 'm.onnx' } })
    t.equal(noSpec.status, 400)
    t.match(noSpec.body.message, /no 'spec' part/)
    const json = await server.call('POST', '/models', { name: 'x' })
    t.equal(json.status, 415)
  })

  t.test('aliases, download, delete; version numbers are never reused', async (t) => {
    const second = await postMultipart(`${server.url}/models`, { model: { bytes: dynamic.bytes, filename: 'm.onnx' }, spec: JSON.stringify({ name: 'dyn' }) })
    t.equal(second.body.version, 2)
    const alias = await server.call('PUT', '/models/dyn/aliases/champion', { version: 1 })
    t.equal(alias.status, 200)
    t.same(alias.body.aliases, { latest: 2, champion: 1 })
    const champion = await server.call('GET', '/models/dyn/versions/champion')
    t.equal(champion.body.version, 1)
    const badAlias = await server.call('PUT', '/models/dyn/aliases/latest', { version: 1 })
    t.equal(badAlias.status, 400)
    const file = await server.call('GET', '/models/dyn/versions/1/model.onnx')
    t.equal(file.status, 200)
    t.equal(file.headers['content-type'], 'application/octet-stream')
    const del = await server.call('DELETE', '/models/dyn/versions/2')
    t.same(del.body, { name: 'dyn', version: 2, deleted: true, cancelled_proofs: 0 })
    const tombstone = await server.call('GET', '/models/dyn/versions/2')
    t.equal(tombstone.status, 200, 'a deleted version is a tombstone: readable')
    t.equal(tombstone.body.status, 'deleted')
    const gone = await server.call('POST', '/predict', { model: 'dyn', version: '2', instances: rows(1), proof: false })
    t.equal(gone.status, 404, 'never served')
    t.equal(gone.body.error, 'version_deleted')
    const third = await postMultipart(`${server.url}/models`, { model: { bytes: dynamic.bytes, filename: 'm.onnx' }, spec: JSON.stringify({ name: 'dyn' }) })
    t.equal(third.body.version, 3)
    const list = await server.call('GET', '/models')
    t.same(list.body.models.find((m: { name: string }) => m.name === 'dyn'), { name: 'dyn', versions: [1, 3], aliases: { latest: 3, champion: 1 }, deleted: [2] })
  })

  t.test('the registry survives a restart on the same DATA_DIR', async (t) => {
    const again = await startServer({}, { dataDir: server.dataDir })
    t.teardown(again.close)
    const list = await again.call('GET', '/models')
    t.same(list.body.models.map((m: { name: string }) => m.name), ['dyn', 'torch-ref'])
    const res = await again.call('POST', '/predict', { model: 'dyn', version: 'champion', instances: rows(2), proof: false })
    t.equal(res.status, 200)
    t.equal(res.body.version, 1)
  })
})
