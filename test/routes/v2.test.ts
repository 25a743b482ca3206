import t from 'tap'
import { build, multipartBody, type InjectedApp } from '../helpers/build.js'
import { buildMlpOnnx, type MlpFixture } from '../helpers/onnx-fixture.js'

/** Open Inference Protocol v2 `outputs` (routes/v2.ts): the tensors asked for, in order; all without it; an unknown name is a 400. */

const ROWS = [
  [0.1, 0.5, 0.9, 0.3, 0.7, 0.2, 0.8, 0.4, 0.6, 0.05],
  [0.9, 0.1, 0.2, 0.8, 0.3, 0.7, 0.4, 0.6, 0.5, 0.95],
  [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
]
const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z))

async function upload (server: InjectedApp, name: string, fixture: MlpFixture): Promise<void> {
  const { payload, headers } = multipartBody({ model: { bytes: fixture.bytes, filename: 'm.onnx' }, spec: JSON.stringify({ name }) })
  const res = await server.inject({ method: 'POST', url: '/models', payload, headers })
  if (res.statusCode !== 201) throw new Error(res.body)
}

const infer = async (server: InjectedApp, name: string, outputs?: unknown): Promise<{ status: number, body: any }> =>
  await server.call('POST', `/v2/models/${name}/infer`, {
    inputs: [{ name: 'input', shape: [ROWS.length, 10], datatype: 'FP32', data: ROWS.flat() }],
    ...(outputs !== undefined ? { outputs } : {}),
  })

t.test('requested outputs: probability, logit, both in order; every output without the field', async (t) => {
  const server = await build(t)
  const fixture = buildMlpOnnx({ seed: 5, firstActivation: 'Tanh' })
  await upload(server, 'dyn', fixture)
  await upload(server, 'fixed', buildMlpOnnx({ seed: 5, firstActivation: 'Tanh', fixedBatch: true }))
  const served = (await server.call('POST', '/predict', { model: 'dyn', instances: ROWS, proof: false })).body.predictions
    .map((p: { probability: number }) => p.probability)

  const logit = await infer(server, 'dyn', [{ name: 'logit' }])
  t.equal(logit.status, 200, JSON.stringify(logit.body))
  t.equal(logit.body.outputs.length, 1, 'only what was asked for')
  t.match(logit.body.outputs[0], { name: 'logit', shape: [3, 1], datatype: 'FP32' })
  logit.body.outputs[0].data.forEach((z: number, r: number) => {
    t.ok(Math.abs(sigmoid(z) - served[r]) < 1e-6, `row ${r}: sigmoid(logit) is the served probability`)
    t.not(z, served[r])
  })

  const both = await infer(server, 'dyn', [{ name: 'logit' }, { name: 'probability' }])
  t.equal(both.status, 200)
  t.same(both.body.outputs.map((o: { name: string }) => o.name), ['logit', 'probability'], 'in the order asked')
  t.same(both.body.outputs[1].data, served, 'the probability is what /predict serves')
  t.same(both.body.outputs[0].data, logit.body.outputs[0].data)

  const probability = await infer(server, 'dyn', [{ name: 'probability' }])
  t.same(probability.body.outputs, [{ name: 'probability', shape: [3, 1], datatype: 'FP32', data: served }])

  const all = await infer(server, 'dyn')
  t.same(all.body.outputs.map((o: { name: string }) => o.name), ['probability', 'logit'], 'no outputs field: every output (OIP v2)')
  t.same(all.body.outputs[0].data, served)

  const fixed = await infer(server, 'fixed', [{ name: 'logit' }, { name: 'probability' }])
  t.equal(fixed.status, 200, 'a model with a fixed batch of 1 runs row by row')
  t.same(fixed.body.outputs.map((o: { shape: number[] }) => o.shape), [[3, 1], [3, 1]])
  fixed.body.outputs[1].data.forEach((p: number, r: number) => t.ok(Math.abs(p - served[r]) < 1e-6, `fixed batch, row ${r}`))
})

t.test('an unknown output name is a 400 that names it and the outputs there are', async (t) => {
  const server = await build(t)
  await upload(server, 'dyn', buildMlpOnnx({ seed: 5, firstActivation: 'Tanh' }))
  const res = await infer(server, 'dyn', [{ name: 'probability' }, { name: 'label' }])
  t.equal(res.status, 400)
  t.equal(res.body.error, 'invalid_output')
  t.same(res.body.where, { field: 'outputs[1].name' })
  t.match(res.body.message, /outputs\[1\]\.name 'label' is not an output of model 'dyn' version 1: it has probability, logit/)
})
