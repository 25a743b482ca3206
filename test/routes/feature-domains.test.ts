import t from 'tap'
import { featureNames } from '../../src/features/features.js'
import { build, multipartBody } from '../helpers/build.js'
import { buildMlpOnnx } from '../helpers/onnx-fixture.js'

/** Issue 12, item 5: values a Giza feature cannot take are refused with a 400 naming the row and the feature. */
const GIZA = featureNames(7)
const OTHER = Array.from({ length: 10 }, (_, i) => `signal_${i}`)
const good = (): Record<string, number> => Object.fromEntries(GIZA.map((f) => [f, 1]))

t.test('feature domains', async (t) => {
  const { inject, call } = await build(t)
  for (const [name, features] of [['giza', GIZA], ['other', OTHER]] as const) {
    const { payload, headers } = multipartBody({ model: { bytes: buildMlpOnnx().bytes, filename: 'm.onnx' }, spec: JSON.stringify({ name, features }) })
    const res = await inject({ method: 'POST', url: '/models', payload, headers })
    t.equal(res.statusCode, 201, res.body)
  }

  const cases: Array<[string, number, RegExp]> = [
    ['price', -5, /price.*> 0/],
    ['price', 0, /price.*> 0/],
    ['deposits_volume', -1, /deposits_volume.*>= 0/],
    ['volumes_last_24h_avg_7d', -0.5, /volumes_last_24h_avg_7d.*>= 0/],
    ['volatility_7day', -0.01, /volatility_7day.*>= 0/],
  ]
  for (const [feature, value, message] of cases) {
    const res = await call('POST', '/predict', { model: 'giza', instances: [good(), { ...good(), [feature]: value }], proof: false })
    t.equal(res.status, 400, `${feature} = ${value}: ${JSON.stringify(res.body)}`)
    t.match(res.body.message, message)
    t.match(res.body.message, /instances\[1\]/)
    t.same(res.body.where, { row: 1, field: feature })
  }

  t.test('positional rows are checked by the feature at their position', async (t) => {
    const row = GIZA.map((f) => (f === 'price' ? -1 : 1))
    const res = await call('POST', '/predict', { model: 'giza', instances: [row], proof: false })
    t.equal(res.status, 400)
    t.same(res.body.where, { row: 0, field: 'price' })
  })

  t.test('market cap and good rows pass; a model with other features takes any finite number', async (t) => {
    t.equal((await call('POST', '/predict', { model: 'giza', instances: [{ ...good(), market_cap: -3 }], proof: false })).status, 200)
    const other = await call('POST', '/predict', { model: 'other', instances: [OTHER.map(() => -100)], proof: false })
    t.equal(other.status, 200, JSON.stringify(other.body))
  })

  t.test('the Open Inference Protocol route checks them too', async (t) => {
    const data = GIZA.map((f) => (f === 'volatility_7day' ? -1 : 1))
    const res = await call('POST', '/v2/models/giza/infer', { inputs: [{ name: 'input', shape: [1, 10], datatype: 'FP32', data }] })
    t.equal(res.status, 400, JSON.stringify(res.body))
    t.match(res.body.message, /volatility_7day/)
  })
})
