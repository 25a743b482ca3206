import t from 'tap'
import { createHash } from 'node:crypto'
import { generateSyntheticDatasets } from '../../src/data/synthetic.js'
import type { GizaDatasets } from '../../src/data/types.js'
import { trainAndEvaluate } from '../../src/evaluation/evaluate.js'
import { origins, walkForward } from '../../src/evaluation/walk-forward.js'
import { buildFeatureDataset } from '../../src/features/index.js'
import { buildRecipeFeatures, methodSplit } from '../../src/features/recipe-features.js'
import { exportOnnx } from '../../src/onnx/write.js'
import { runTrainingPipeline } from '../../src/jobs/train-pipeline.js'
import { trainModel } from '../../src/training/train.js'
import type { TrainingProgress } from '../../src/training/types.js'

const data = generateSyntheticDatasets({ seed: 3, days: 150 })

/** The datasets as they were known at the end of `day`. */
function upTo (d: GizaDatasets, day: number): GizaDatasets {
  return {
    liquidations_v2: d.liquidations_v2.filter((r) => r.day <= day),
    liquidations_v3: d.liquidations_v3.filter((r) => r.day <= day),
    deposits_borrows_v2: d.deposits_borrows_v2.filter((r) => r.day <= day),
    deposits_borrows_v3: d.deposits_borrows_v3.filter((r) => r.day <= day),
    token_prices: d.token_prices.filter((r) => r.day <= day),
  }
}

t.test('no peeking: forecast features of day t only use data up to day t', async (t) => {
  const full = buildRecipeFeatures(data, 'forecast', 7, 2)
  t.equal(full.featureNames.length, 16)
  t.equal(full.horizon, 2)
  const cut = Math.max(...full.rows.day) - 30
  const known = buildRecipeFeatures(upTo(data, cut), 'forecast', 7, 2)
  const key = (s: typeof full, i: number): string => `${s.rows.day[i]}|${s.rows.token[i]}`
  const truncated = new Map(known.rows.day.map((_, i) => [key(known, i), i]))
  let compared = 0
  full.rows.day.forEach((day, i) => {
    if (day > cut) return
    const j = truncated.get(key(full, i))
    if (j === undefined) { t.fail(`row ${key(full, i)} is missing once later data are removed`); return }
    t.same(known.rows.X[j], full.rows.X[i], `features of ${key(full, i)}`)
    t.equal(known.rows.y[j], full.rows.y[i])
    compared++
  })
  t.ok(compared > 500, `${compared} rows compared`)
  t.ok(full.rows.y.some((v) => v === 1) && full.rows.y.some((v) => v === 0))
  // the label is the liquidation indicator of day t + h, which the next rows' history features see
  const log1p = full.transforms.filter((f) => f.transform === 'log1p').map((f) => f.feature)
  t.ok(log1p.includes('log1p_market_cap') && log1p.includes('log1p_liquidated_usd_today'))
})

t.test('nowcast: METHOD\'s rows, log1p volumes, history ending the day before', async (t) => {
  const now = buildRecipeFeatures(data, 'nowcast', 7)
  const method = buildFeatureDataset(data, { variant: 'per-token', window: 7 })
  t.equal(now.rows.y.length, method.train.y.length + method.test.y.length, 'same rows as METHOD\'s per-token table')
  t.equal(now.featureNames.length, 18)
  const i = now.featureNames.indexOf('log1p_deposits_volume')
  t.equal(now.rows.X[40][i], Math.log1p(Math.max(0, method.train.X[40][0])))
  const prev = now.featureNames.indexOf('liquidated_prev')
  now.rows.X.forEach((x, r) => { if (x[prev] !== now.rows.persistence[r]) t.fail(`row ${r}: persistence is yesterday's indicator`) })
  const cut = Math.max(...now.rows.day) - 20
  const known = buildRecipeFeatures(upTo(data, cut), 'nowcast', 7)
  const n = known.rows.day.filter((d) => d <= cut).length
  t.same(known.rows.X.slice(0, n), now.rows.X.slice(0, n), 'rows up to the cut do not change when later data are removed')
})

t.test('walk-forward: origins, training strictly before each origin, pooled predictions, progress', async (t) => {
  const set = buildRecipeFeatures(data, 'forecast', 7, 1)
  const opts = { testDays: 7, stepDays: 7, spanDays: 21, minTrainDays: 60 }
  const list = origins(set.rows.day, opts)
  t.equal(list.length, 3)
  const last = Math.max(...set.rows.day)
  t.equal(list[0], last - 20)
  const folds: number[] = []
  const result = await walkForward({
    recipe: 'forecast', seed: 1, epochs: 3, variant: set.variant, window: set.window, featureNames: set.featureNames, rows: set.rows,
  }, opts, { onFold: (fold) => folds.push(fold) })
  t.same(folds, [1, 2, 3])
  t.equal(result.folds.length, 3)
  result.folds.forEach((f, k) => {
    const origin = list[k]
    t.equal(f.train_rows, set.rows.day.filter((d) => d < origin).length, `fold ${k + 1} trains on every row labelled before its origin`)
    t.equal(f.test_rows, set.rows.day.filter((d) => d >= origin && d < origin + 7).length)
    t.equal(f.history.length, 1)
    t.equal(f.history[0].length, 3)
  })
  t.equal(result.pooled.y.length, result.folds.reduce((a, f) => a + f.test_rows, 0))
  t.ok(result.pooled.day.every((d) => d >= list[0]))
})

t.test('a version\'s evaluation: split and walk-forward sections, baselines, calibration folded in', async (t) => {
  const set = buildRecipeFeatures(data, 'forecast', 7, 1)
  const progress: TrainingProgress[] = []
  const { model, evaluation } = await trainAndEvaluate(set, {
    recipe: 'forecast', seed: 2, epochs: 4, walkForward: { spanDays: 14 }, bootstrap: { resamples: 150 }, onProgress: (p) => progress.push(p),
  })
  t.equal(evaluation.walk_forward?.folds.length, 2)
  t.ok(progress.some((p) => p.stage === 'walk-forward' && p.walk_forward?.fold === 2 && p.walk_forward.folds === 2))
  t.equal(progress[progress.length - 1].stage, 'final')
  t.equal(evaluation.target, 'next-days')
  t.equal(evaluation.horizon_days, 1)
  t.equal(evaluation.feature_transforms.length, model.featureNames.length)
  const split = methodSplit(set)
  t.equal(evaluation.split.test.rows, split.test.y.length)
  t.equal(evaluation.split.train_rows, split.train.y.length)
  t.equal(evaluation.split.test.scores.roc_auc.value, model.metrics.roc_auc, 'the split section scores the registered model')
  t.equal(evaluation.split.test.scores.f1.value, model.metrics.f1)
  t.same(evaluation.split.test.confusion, model.metrics.confusion)
  t.equal(evaluation.training.calibration?.method, 'platt')
  t.equal(model.details?.platt_a, evaluation.training.calibration?.a)
  for (const s of [evaluation.split.test, evaluation.walk_forward!.overall]) {
    for (const score of Object.values(s.scores)) {
      t.ok(score.prior !== null && score.persistence !== null, 'both baselines are scored')
      t.ok(score.ci === null || score.ci.lo <= score.ci.hi)
    }
    t.equal(s.calibration_bins.reduce((a, b) => a + b.count, 0), s.rows)
  }
  JSON.parse(JSON.stringify(evaluation)) // plain JSON, no Infinity or NaN surprises
  t.notMatch(JSON.stringify(evaluation), /NaN|Infinity/)
})

t.test('the tutorial recipe is unchanged: same weights, metrics and ONNX bytes as METHOD\'s pipeline', async (t) => {
  const spec = { recipe: 'tutorial' as const, window: 7 as const, seed: 1, epochs: 2, data: { synthetic: { seed: 3, days: 150 } }, limits: { maxBytes: 1e9, timeoutMs: 1000 } }
  const viaPipeline = await runTrainingPipeline(spec)
  const direct = await trainModel(buildFeatureDataset(data, { variant: 'tutorial', window: 7 }), { recipe: 'tutorial', seed: 1, epochs: 2 })
  t.same(viaPipeline.model.layers, direct.layers)
  t.same(viaPipeline.model.metrics, direct.metrics)
  const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')
  t.equal(sha(viaPipeline.onnx), sha(exportOnnx(direct)), 'bit for bit the same ONNX file')
  t.equal(viaPipeline.model.evaluation?.walk_forward, null, 'no walk-forward unless asked for')
  t.equal(viaPipeline.model.evaluation?.split.test.scores.f1.value, direct.metrics.f1)
})
