import t from 'tap'
import * as ort from 'onnxruntime-node'
import onnxProto from 'onnx-proto'
import { startServer } from '../helpers/app.js'
import { buildMlpOnnx } from '../helpers/onnx-fixture.js'
import { postMultipart } from '../helpers/multipart.js'

const { onnx } = onnxProto

function rows (n: number, seed: number): number[][] {
  let s = seed
  const next = (): number => { s = (s * 16807) % 2147483647; return s / 2147483647 }
  return Array.from({ length: n }, () => Array.from({ length: 10 }, () => next() * 4 - 2))
}

/** A graph whose rows are NOT independent: each row is compared with the batch mean. Alone, a row gives sigmoid(0) = 0.5. */
function batchMixingOnnx (): Uint8Array {
  const info = (name: string, dims: Array<number | string>): InstanceType<typeof onnx.ValueInfoProto> => onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  })
  const ints = (name: string, values: number[]): InstanceType<typeof onnx.AttributeProto> => onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: values })
  const int = (name: string, value: number): InstanceType<typeof onnx.AttributeProto> => onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i: value })
  const model = onnx.ModelProto.create({
    irVersion: 7,
    producerName: 'zkpredict-test',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'mixing',
      node: [
        onnx.NodeProto.create({ opType: 'ReduceMean', input: ['input'], output: ['mean'], attribute: [ints('axes', [0]), int('keepdims', 1)] }),
        onnx.NodeProto.create({ opType: 'Sub', input: ['input', 'mean'], output: ['centered'] }),
        onnx.NodeProto.create({ opType: 'ReduceSum', input: ['centered', 'axis1'], output: ['logit'], attribute: [int('keepdims', 1)] }),
        onnx.NodeProto.create({ opType: 'Sigmoid', input: ['logit'], output: ['probability'] }),
      ],
      initializer: [onnx.TensorProto.create({ name: 'axis1', dims: [1], dataType: onnx.TensorProto.DataType.INT64, int64Data: [1] })],
      input: [info('input', ['N', 10])],
      output: [info('probability', ['N', 1])],
    },
  })
  return onnx.ModelProto.encode(model).finish()
}

t.test('requests served together by one onnxruntime run get exactly what a run of their own gives', async (t) => {
  const server = await startServer({ MAX_PROOFS_PER_REQUEST: 0 })
  t.teardown(server.close)

  t.test('an MLP: concurrent requests of mixed sizes, bit for bit', async (t) => {
    const mlp = buildMlpOnnx({ seed: 11 })
    const up = await postMultipart(`${server.url}/models`, { model: { bytes: mlp.bytes, filename: 'm.onnx' }, spec: JSON.stringify({ name: 'mlp' }) })
    t.equal(up.status, 201, JSON.stringify(up.body))
    const requests = Array.from({ length: 64 }, (_, i) => rows(i % 5 === 0 ? 7 : 1, 100 + i))
    const responses = await Promise.all(requests.map(async (instances) => await server.call('POST', '/predict', { model: 'mlp', instances, proof: false })))
    const session = await ort.InferenceSession.create(mlp.bytes)
    t.teardown(async () => { await session.release() })
    let checked = 0
    for (let i = 0; i < requests.length; i++) {
      t.equal(responses[i].status, 200, JSON.stringify(responses[i].body))
      for (let r = 0; r < requests[i].length; r++) {
        const alone = await session.run({ input: new ort.Tensor('float32', Float32Array.from(requests[i][r]), [1, 10]) })
        const expected = (alone.probability.data as Float32Array)[0]
        if (responses[i].body.predictions[r].probability !== expected) t.fail(`request ${i} row ${r}: ${String(responses[i].body.predictions[r].probability)} != ${expected}`)
        checked++
      }
    }
    t.equal(checked, requests.reduce((n, x) => n + x.length, 0), 'every row compared')
  })

  t.test('a graph that mixes rows is never coalesced', async (t) => {
    const up = await postMultipart(`${server.url}/models`, { model: { bytes: batchMixingOnnx(), filename: 'mix.onnx' }, spec: JSON.stringify({ name: 'mixing' }) })
    t.equal(up.status, 201, JSON.stringify(up.body))
    const together = await server.call('POST', '/predict', { model: 'mixing', instances: rows(2, 5), proof: false })
    t.equal(together.status, 200, JSON.stringify(together.body))
    t.not(together.body.predictions[0].probability, 0.5, 'rows sent in one request do see each other (the graph mixes rows)')
    const responses = await Promise.all(Array.from({ length: 32 }, async (_, i) => await server.call('POST', '/predict', { model: 'mixing', instances: rows(1, 200 + i), proof: false })))
    for (const res of responses) {
      t.equal(res.status, 200, JSON.stringify(res.body))
      t.equal(res.body.predictions[0].probability, 0.5, 'a single-row request sees only its own row')
    }
  })
})
