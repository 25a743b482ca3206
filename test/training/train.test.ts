import t from 'tap'
import * as ort from 'onnxruntime-node'
import type { FeatureDataset, LabeledRows } from '../../src/features/types.js'
import { decodeOnnx } from '../../src/onnx/read.js'
import { exportOnnx } from '../../src/onnx/write.js'
import { trainingRandom } from '../../src/seeded-random.js'
import { predictProbabilities } from '../../src/training/predict.js'
import { DEFAULT_RECIPE } from '../../src/training/recipes/default.js'
import { trainModel } from '../../src/training/train.js'
import type { TrainingProgress } from '../../src/training/types.js'

/**
 * A small learnable dataset with the real features' raw scales (volumes ~1e9, prices ~1e3, a
 * constant column for the zero-range scaler case): the label depends on two features through a logit.
 */
function syntheticDataset (seed: number, trainRows = 300, testRows = 80): FeatureDataset {
  const rng = trainingRandom(seed)
  const scales = [1e10, 1e9, 3e3, 1e11, 1e11, 3e9, 5e8, 6e10, 3e10, 1]
  const rows = (n: number, day0: number): LabeledRows => {
    const out: LabeledRows = { X: [], y: [], day: [], token: [] }
    for (let i = 0; i < n; i++) {
      const u = scales.map(() => rng.next())
      u[9] = 0.5 // constant column: zero range
      const logit = 6 * u[1] - 5 * u[6] - 0.5
      out.X.push(u.map((v, j) => v * scales[j]))
      out.y.push(rng.next() < 1 / (1 + Math.exp(-logit)) ? 1 : 0)
      out.day.push(day0 + Math.floor(i / 5))
      out.token.push(['DAI', 'USDC', 'USDT', 'WBTC', 'WETH'][i % 5])
    }
    return out
  }
  const train = rows(trainRows, 19000)
  const test = rows(testRows, 19000 + trainRows / 5)
  const min = scales.map((_, j) => Math.min(...train.X.map((r) => r[j])))
  const max = scales.map((_, j) => Math.max(...train.X.map((r) => r[j])))
  return {
    variant: 'per-token',
    window: 7,
    featureNames: ['deposits_volume', 'borrows_volume', 'price', 'market_cap', 'volumes_last_24h', 'deposits_volume_avg_7d', 'borrows_volume_avg_7d', 'market_cap_avg_7d', 'volumes_last_24h_avg_7d', 'volatility_7day'],
    testFromDay: test.day[0],
    train,
    test,
    scaler: { min, max },
  }
}

const data = syntheticDataset(7)

t.test('tutorial recipe: seeds reproduce, folds and history are recorded', async (t) => {
  const progress: TrainingProgress[] = []
  const a = await trainModel(data, { recipe: 'tutorial', seed: 3, epochs: 3, onProgress: (p) => progress.push(p) })
  const b = await trainModel(data, { recipe: 'tutorial', seed: 3, epochs: 3 })
  const c = await trainModel(data, { recipe: 'tutorial', seed: 4, epochs: 3 })
  t.same(a.layers, b.layers, 'same seed, same weights')
  t.notSame(a.layers, c.layers, 'another seed, other weights')
  t.equal(a.metrics.cv.length, 5)
  t.equal(a.history.length, 5)
  t.ok(a.history.every((fold) => fold.length === 3 && fold.every((e) => Number.isFinite(e.loss))))
  t.equal(a.metrics.cv[4], a.history[4][2].val_loss, 'fold loss = validation loss after the fold\'s last epoch')
  t.equal(a.threshold, 0.5)
  t.equal(a.dataset.train_rows, 300)
  t.equal(a.dataset.test_rows, 80)
  t.equal(a.dataset.test_positives, data.test.y.filter((v) => v === 1).length)
  t.same(a.layers.map((l) => l.activation), ['relu', 'relu', 'sigmoid'])
  t.ok(progress.length >= 5, 'at least the last epoch of every fold is reported')
  t.same(progress[progress.length - 1], { fold: 5, folds: 5, epoch: 3, epochs: 3, loss: a.history[4][2].loss })
  t.ok(['wasm', 'cpu', 'tensorflow'].includes(a.backend))
})

t.test('default recipe learns the rule; threshold from out-of-fold scores; final fit recorded', async (t) => {
  const m = await trainModel(data, { recipe: 'default', seed: 0, epochs: 12 })
  t.equal(m.history.length, 5 * DEFAULT_RECIPE.lrs.length + 1, '5 folds per learning rate + the final fit')
  const final = m.history[m.history.length - 1]
  t.ok(final.length >= 1 && final.length <= 12)
  t.equal(m.details?.epochs, final.length, 'the final fit runs the epochs chosen by CV')
  t.ok(DEFAULT_RECIPE.lrs.includes(Number(m.details?.lr)), 'the learning rate comes from the grid')
  t.ok(m.threshold > 0 && m.threshold < 1)
  t.equal(m.metrics.threshold, m.threshold)
  t.ok(m.metrics.roc_auc > 0.75, `ROC-AUC ${m.metrics.roc_auc} on a learnable rule`)
  const again = await trainModel(data, { recipe: 'default', seed: 0, epochs: 12 })
  t.same(again.layers, m.layers, 'seeds reproduce')
  t.equal(again.threshold, m.threshold)
})

t.test('ONNX export: parity with tfjs through onnxruntime-node, dynamic batch, metadata', async (t) => {
  const model = await trainModel(data, { recipe: 'default', seed: 1, epochs: 4 })
  const bytes = exportOnnx(model)
  const session = await ort.InferenceSession.create(bytes)
  t.same(session.inputNames, ['input'])
  t.same(session.outputNames, ['probability', 'logit'], 'probability is the first output')

  const rows = data.test.X
  const expected = predictProbabilities(model, rows)
  const input = new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, 10])
  const out = await session.run({ input })
  const probability = out.probability.data as Float32Array
  const logit = out.logit.data as Float32Array
  t.same(out.probability.dims, [rows.length, 1])
  let worst = 0
  for (let i = 0; i < rows.length; i++) {
    worst = Math.max(worst, Math.abs(probability[i] - expected[i]))
    worst = Math.max(worst, Math.abs(1 / (1 + Math.exp(-logit[i])) - probability[i]))
  }
  t.ok(worst <= 1e-5, `max |onnxruntime - tfjs| = ${worst}`)
  // the metrics recorded in the model are what these probabilities give
  const predicted = Array.from(probability, (p) => (p >= model.threshold ? 1 : 0))
  const tp = predicted.filter((p, i) => p === 1 && data.test.y[i] === 1).length
  t.equal(tp, model.metrics.confusion.tp)

  // another batch size goes through the same graph
  const one = await session.run({ input: new ort.Tensor('float32', Float32Array.from(rows[0]), [1, 10]) })
  t.ok(Math.abs((one.probability.data as Float32Array)[0] - expected[0]) <= 1e-5)

  const proto = decodeOnnx(bytes)
  t.equal(Number(proto.irVersion), 7)
  t.same(proto.opsetImport.map((o) => [o.domain, Number(o.version)]), [['', 13]])
  t.equal(proto.producerName, 'zkpredict')
  const graph = proto.graph!
  const dims = graph.input![0].type!.tensorType!.shape!.dim!
  t.equal(dims[0].dimParam, 'N', 'dynamic batch dim')
  t.equal(Number(dims[1].dimValue), 10)
  t.same(graph.output!.map((o) => o.name), ['probability', 'logit'])
  t.same(graph.node!.map((n) => n.opType), ['Sub', 'Mul', 'Gemm', 'Relu', 'Gemm', 'Relu', 'Gemm', 'Sigmoid'])
  const meta = Object.fromEntries(proto.metadataProps.map((p) => [p.key, p.value]))
  t.same(JSON.parse(meta.feature_names), data.featureNames)
  t.same(JSON.parse(meta.scaler), data.scaler)
  t.equal(meta.recipe, 'default')
  t.equal(meta.window, '7')
  t.equal(meta.seed, '1')
  t.equal(Number(meta.threshold), model.threshold)
  t.equal(JSON.parse(meta.metrics).f1, model.metrics.f1)
  // the zero-range column is multiplied by 1, not divided by 0
  const scale = graph.initializer!.find((i) => i.name === 'scaler_scale')!
  const values = new Float32Array(Uint8Array.from(scale.rawData!).buffer)
  t.equal(values[9], 1)
})

t.test('abort and bad input', async (t) => {
  const controller = new AbortController()
  const p = trainModel(data, { recipe: 'tutorial', seed: 0, epochs: 50, signal: controller.signal })
  setTimeout(() => controller.abort(), 50)
  await t.rejects(p, { name: 'AbortError' })
  const bad: FeatureDataset = { ...data, train: { ...data.train, X: data.train.X.map((r, i) => (i === 3 ? [...r.slice(0, 9), NaN] : r)) } }
  await t.rejects(trainModel(bad, { recipe: 'tutorial', seed: 0, epochs: 1 }), { name: 'DataError', statusCode: 400, where: { row: 3 } })
})
