import { createHash } from 'node:crypto'
import t from 'tap'
import { generateSyntheticDatasets } from '../src/data/synthetic.js'
import { buildFeatureDataset } from '../src/features/index.js'
import { exportOnnx } from '../src/onnx/write.js'
import { mulberry32, SeededRandom, trainingRandom } from '../src/seeded-random.js'
import { trainModel } from '../src/training/train.js'
import { AAVE_LIKE_SCALER, buildMlpOnnx, randomLayers } from './helpers/mlp-onnx.js'

/**
 * One PRNG module replaced three generators (src/data/synthetic.ts's SeededRandom, src/training/network.ts's
 * Rng, src/proofs/mlp-onnx.ts's mulberry32) and one ONNX writer replaced two. Every figure below was
 * computed with the code before that change (commit baea72b, scratch script run on its build) and must
 * not move: same seed, same data, same model, same fixture bytes.
 */
const sha256 = (x: unknown): string => createHash('sha256').update(x instanceof Uint8Array ? x : JSON.stringify(x)).digest('hex')
const draws = (next: () => number, n = 4): number[] => Array.from({ length: n }, next)

t.test('each old generator\'s stream, unchanged', async (t) => {
  const seeds = [0, 7, 12345, -3]
  const synthetic: Record<number, number[]> = { 0: [4205396811, 3543653536, 1222415357, 3047368389], 7: [838155491, 1550620431, 3610122010, 3621410451], 12345: [2345461488, 1344865159, 2974739204, 3448212715], '-3': [187580882, 3193753625, 4124452407, 2161886699] }
  const training: Record<number, number[]> = { 0: [1255788323, 229556502, 1129684417, 4139637878], 7: [1447784686, 906310225, 1884957040, 208049454], 12345: [561398937, 155768873, 1508796306, 1768263819], '-3': [2675233322, 2773048981, 1566865523, 2990068610] }
  const fixtures: Record<number, number[]> = { 0: [0.26642920868471265, 0.0003297457005828619, 0.2232720274478197, 0.1462021479383111], 7: [0.011704753153026104, 0.06195825757458806, 0.97690763277933, 0.6990287057124078], 12345: [0.9797282677609473, 0.3067522644996643, 0.484205421525985, 0.817934412509203], '-3': [0.5127934608608484, 0.46524663479067385, 0.09994429117068648, 0.44028591737151146] }
  for (const seed of seeds) {
    const a = new SeededRandom(seed)
    t.same(draws(() => a.nextUint32()), synthetic[seed], `synthetic data stream, seed ${seed}`)
    const b = trainingRandom(seed)
    t.same(draws(() => b.nextUint32()), training[seed], `training stream, seed ${seed}`)
    t.same(draws(mulberry32(seed)), fixtures[seed], `fixture stream (mulberry32), seed ${seed}`)
  }
  const n = new SeededRandom(0)
  t.same(draws(() => n.normal()), [-1.0230075937708427, 0.9951577980976413, -0.8278442821241664, 0.16861214114428058])
  t.same(Array.from(trainingRandom(1).shuffle(Int32Array.from({ length: 10 }, (_, i) => i))), [7, 9, 5, 0, 8, 6, 4, 3, 2, 1])
})

t.test('fixture networks and their ONNX bytes, unchanged', async (t) => {
  t.equal(sha256(randomLayers([10, 32, 16, 1], 1)), '24ea862966ac1db4582460b88232ba9ba01bbae665fd29fdf909e2c1c9145540')
  t.equal(sha256(buildMlpOnnx({ layers: randomLayers([10, 32, 16, 1], 1), scaler: AAVE_LIKE_SCALER })), 'e76a543e0ee8447472a0bdde8421fd3d89ce0c734f63e7bb7fdbb87d158b7de1')
  const odd = buildMlpOnnx({ layers: randomLayers([4, 3, 1], 2), transB: true, batch: 1, activation: 'Tanh', metadata: { threshold: '0.4' } })
  t.equal(sha256(odd), '4a2a28729d9c2e4e836f19a8e700dff2e15fe6e55d9f9cae670e147c60787380')
})

t.test('synthetic data, a trained model and its ONNX export for seed 0, unchanged', async (t) => {
  const data = generateSyntheticDatasets({ seed: 0 })
  t.equal(sha256(data), '3dbc5ad9e3d03146fe8c5763e791fd5090c7c87e2c0c67d5e3f843ab1bd4b835', 'generateSyntheticDatasets({ seed: 0 })')
  // The figures were measured on the wasm backend (the one picked without tfjs-node): forced here so
  // that an installed tfjs-node does not change the float arithmetic under the test.
  const model = await trainModel(buildFeatureDataset(data, { variant: 'per-token', window: 7 }), { recipe: 'default', seed: 0, epochs: 2, backend: 'wasm' })
  t.same(model.metrics, { accuracy: 0.7718309859154929, precision: 0.6851851851851852, recall: 0.9192546583850931, f1: 0.7851458885941645, roc_auc: 0.8473778574630211, pr_auc: 0.7619815265707786, confusion: { tp: 148, fp: 68, tn: 126, fn: 13 }, threshold: 0.3514144867658615, cv: [0.6109133078123478, 0.5855236650697163, 0.6020691140741371, 0.5683815484414563, 0.6147225642220913], cv_avg: 0.5963220399239497, cv_std: 0.017215047011850268 })
  t.equal(sha256(model.layers), 'aba945e65e0dd6b5c69d83b3a2c50b5d997658bd95db34e377fba8484a376f39', 'default recipe weights')
  // The weights above are the pre-round bytes; the file's bytes moved once on purpose, when the ONNX docString
  // began to name feature_transforms (issue 16): the graph and the weights are unchanged.
  t.equal(sha256(exportOnnx(model)), '3db54dac6a9db5cf13dc7f2aae03a0e3a51bb4e10e755a507c775b9502b1943e', 'exported ONNX bytes')
  const tutorial = await trainModel(buildFeatureDataset(data, { variant: 'tutorial', window: 3 }), { recipe: 'tutorial', seed: 0, epochs: 2, backend: 'wasm' })
  t.same(tutorial.metrics, { accuracy: 0.5464788732394367, precision: 0, recall: 0, f1: 0, roc_auc: 0.3867900364986873, pr_auc: 0.4159851645259679, confusion: { tp: 0, fp: 0, tn: 194, fn: 161 }, threshold: 0.5, cv: [0.7175024498025776, 0.6926810856632012, 0.6645125944912923, 0.6529102295294749, 0.6124236837474528], cv_avg: 0.6680060086467998, cv_std: 0.03574419797307039 })
  t.equal(sha256(tutorial.layers), '94375192de0f5ed951791be4754820de2dce281c1cd68b6d5c78642509b59045', 'tutorial recipe weights')
})
