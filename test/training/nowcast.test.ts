/**
 * The nowcast recipe (issue 16) stays provable: its ONNX export (18 transformed inputs, the 32-16
 * hidden layers, Platt folded into the last layer) gets a Groth16 circuit on the committed 2^12
 * development ptau, and a proof of a real row verifies and carries the served (calibrated)
 * probability. The recipe's options used to search for a better nowcast (scripts/tune-nowcast.ts)
 * do what they say: the refit keeps the slice's choices, the hidden widths size the net.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { generateSyntheticDatasets } from '../../src/data/synthetic.js'
import { predictRaw } from '../../src/evaluation/walk-forward.js'
import { buildRecipeFeatures, methodSplit } from '../../src/features/recipe-features.js'
import { exportOnnx } from '../../src/onnx/write.js'
import { prove } from '../../src/proofs/prove.js'
import { releaseProvers } from '../../src/proofs/prover-cache.js'
import { buildCircuit } from '../../src/proofs/setup.js'
import { verifyProof } from '../../src/proofs/verify.js'
import { SHIPPED_DEV_PTAU } from '../../src/services/index.js'
import { trainModel } from '../../src/training/train.js'
import { TEST_CIRCUIT_CACHE } from '../helpers/circuit-cache.js'

const work = mkdtempSync(path.join(os.tmpdir(), 'zkp-nowcast-'))
t.teardown(async () => {
  await releaseProvers()
  rmSync(work, { recursive: true, force: true })
})

const data = generateSyntheticDatasets({ seed: 3, days: 150 })
const set = buildRecipeFeatures(data, 'nowcast', 7)
const split = methodSplit(set)

t.test('refit option: all training rows, with the slice\'s epochs, calibration and threshold', async (t) => {
  const model = await trainModel(split, { recipe: 'nowcast', seed: 1, epochs: 6, calibratedRecipe: { refit: true } })
  const sliceOnly = await trainModel(split, { recipe: 'nowcast', seed: 1, epochs: 6 })
  t.equal(model.details?.refit, 1)
  t.equal(sliceOnly.details?.refit, 0)
  t.equal(model.history.length, 2, 'the slice run, then the refit')
  t.equal(model.history[0].length, 6)
  t.equal(model.history[1].length, model.details?.epochs, 'the refit trains for the epochs the slice chose')
  t.same(model.history[0], sliceOnly.history[0], 'same slice run: same seed, same rows')
  t.equal(model.threshold, sliceOnly.threshold, 'threshold from the slice')
  t.same(model.calibration, sliceOnly.calibration, 'Platt map from the slice')
  t.notSame(model.layers, sliceOnly.layers, 'the served weights are the refit\'s')
  t.equal(model.layers[0].weights.length, set.featureNames.length)
  t.same(sliceOnly.layers.map((l) => l.bias.length), [32, 16, 1], 'by default the 32-16 hidden layers of the other recipes')
  const narrow = await trainModel(split, { recipe: 'nowcast', seed: 1, epochs: 2, calibratedRecipe: { hidden: [16, 8] } })
  t.same(narrow.layers.map((l) => l.bias.length), [16, 8, 1])
  t.same(narrow.layers.map((l) => l.weights.length), [set.featureNames.length, 16, 8])
})

t.test('a nowcast version builds a circuit and proves its served probability', async (t) => {
  const model = await trainModel(split, { recipe: 'nowcast', seed: 2, epochs: 5 })
  const art = await buildCircuit({
    onnx: exportOnnx(model), outDir: path.join(work, 'nowcast-v1'), proofSystem: 'groth16', ptauPath: SHIPPED_DEV_PTAU, buildCache: TEST_CIRCUIT_CACHE,
  })
  t.ok(art.constraints < 4096, `${art.constraints} constraints fit the committed 2^12 ptau`)
  t.equal(art.vk.nPublic, 2 + set.featureNames.length, 'logit, label and the transformed inputs')
  const rows = split.test.X.slice(0, 3)
  const served = predictRaw(model, rows)
  for (const [i, x] of rows.entries()) {
    const res = await prove(art, x)
    t.ok(await verifyProof('groth16', art.vk, res.publicSignals, res.proof), `proof ${i} verifies`)
    t.ok(Math.abs(res.output.probability - served[i]) <= 1e-3, `proven ${res.output.probability} vs served ${served[i]}`)
  }
})

t.test('the extra nowcast inputs tried by the tuning script end the day before and never see later data', async (t) => {
  const extras = ['long', 'rate', 'since', 'usd7', 'market28', 'onehot'] as const
  const wide = buildRecipeFeatures(data, 'nowcast', 7, undefined, extras)
  t.same(wide.featureNames.slice(0, set.featureNames.length), set.featureNames, 'the 18 inputs first, unchanged')
  t.same(wide.rows.X.map((x) => x.slice(0, 18)), set.rows.X)
  const tokens = [...new Set(set.rows.token)].sort()
  t.equal(wide.featureNames.length, 18 + 2 + 1 + 1 + 1 + 1 + tokens.length)
  t.same(wide.transforms.map((f) => f.feature), wide.featureNames)
  const col = (name: string): number => wide.featureNames.indexOf(name)
  wide.rows.X.forEach((x, r) => {
    if (x[col(`token_is_${wide.rows.token[r]}`)] !== 1) t.fail(`row ${r}: one-hot of its token`)
    if (x[col('liquidation_days_365d_prev')] < x[col('liquidation_days_28d_prev')]) t.fail(`row ${r}: 365-day count below the 28-day one`)
    const rate = x[col('liquidation_rate_prev')]
    if (!(rate >= 0 && rate <= 1)) t.fail(`row ${r}: rate ${rate}`)
  })
  const cut = Math.max(...wide.rows.day) - 20
  const upTo = (day: number): typeof data => ({
    liquidations_v2: data.liquidations_v2.filter((r) => r.day <= day),
    liquidations_v3: data.liquidations_v3.filter((r) => r.day <= day),
    deposits_borrows_v2: data.deposits_borrows_v2.filter((r) => r.day <= day),
    deposits_borrows_v3: data.deposits_borrows_v3.filter((r) => r.day <= day),
    token_prices: data.token_prices.filter((r) => r.day <= day),
  })
  const known = buildRecipeFeatures(upTo(cut), 'nowcast', 7, undefined, extras)
  const n = known.rows.day.filter((d) => d <= cut).length
  t.ok(n > 100)
  t.same(known.rows.X.slice(0, n), wide.rows.X.slice(0, n), 'rows up to the cut do not change when later data are removed')
})

t.test('raw inputs (tuning script --base raw --lag-usd raw): METHOD\'s per-token values as they are, the same lags', async (t) => {
  const raw = buildRecipeFeatures(data, 'nowcast', 7, undefined, [], { logBase: false, logLagUsd: false })
  t.equal(raw.featureNames.length, set.featureNames.length)
  t.same(raw.transforms.map((f) => f.feature), raw.featureNames)
  t.notOk(raw.transforms.some((f) => f.transform === 'log1p'), 'no input is log1p of its source')
  t.same(raw.featureNames.slice(0, 10), buildRecipeFeatures(data, 'default', 7).featureNames, 'METHOD\'s names, unprefixed')
  t.ok(raw.featureNames.includes('liquidated_usd_prev') && !raw.featureNames.includes('log1p_liquidated_usd_prev'))
  const method = buildRecipeFeatures(data, 'default', 7)
  t.same(raw.rows.X.map((x) => x.slice(0, 10)), method.rows.X, 'the default recipe\'s 10 inputs, row for row')
  const usd = raw.featureNames.indexOf('liquidated_usd_prev')
  const logUsd = set.featureNames.indexOf('log1p_liquidated_usd_prev')
  let liquidated = 0
  raw.rows.X.forEach((x, r) => {
    if (x[usd] > 0) liquidated++
    if (Math.abs(Math.log1p(x[usd]) - set.rows.X[r][logUsd]) > 1e-9) t.fail(`row ${r}: raw USD ${x[usd]} vs log1p ${set.rows.X[r][logUsd]}`)
    for (let j = 10; j < raw.featureNames.length; j++) {
      if (j !== usd && x[j] !== set.rows.X[r][j]) t.fail(`row ${r}: lag ${raw.featureNames[j]} changed`)
    }
  })
  t.ok(liquidated > 0, `${liquidated} rows with a liquidation the day before`)
  const logLagsOnly = buildRecipeFeatures(data, 'nowcast', 7, undefined, [], { logBase: false })
  t.ok(logLagsOnly.featureNames.includes('log1p_liquidated_usd_prev'))
  t.same(logLagsOnly.rows.X.map((x) => x.slice(0, 10)), method.rows.X)
})

t.test('the default recipe\'s CV search on the nowcast inputs (tuning script --trainer default) sizes the net to them', async (t) => {
  const model = await trainModel(split, {
    recipe: 'nowcast', seed: 1, epochs: 3, nowcastTrainer: 'default', defaultRecipe: { lrs: [1e-3], minEpochs: 1, smooth: 1 },
  })
  t.same(model.layers.map((l) => l.weights.length), [set.featureNames.length, 32, 16])
  t.equal(model.history.length, 5 + 1, 'five CV folds, then the final fit on all training rows')
  t.equal(model.details?.lr, 1e-3)
  t.ok(model.metrics.roc_auc >= 0 && model.metrics.roc_auc <= 1)
})
