import t from 'tap'
import { fitPrior, predictPrior } from '../../src/evaluation/baselines.js'
import { blockBootstrap, quantile } from '../../src/evaluation/bootstrap.js'
import { applyPlatt, fitPlatt, fitPlattMonotone, sigmoid } from '../../src/training/calibration.js'
import { buildSection, hardLabels } from '../../src/evaluation/report.js'
import { brier, calibrationBins, expectedCalibrationError, prCurve, rocCurve } from '../../src/evaluation/scores.js'
import { foldPlatt, holdout, logitsOf } from '../../src/training/recipes/calibrated.js'
import { initParams } from '../../src/training/network.js'
import { SeededRandom as Rng } from '../../src/seeded-random.js'
import { averagePrecision, rocAuc } from '../../src/training/metrics.js'

function normal (rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next())
}

t.test('Brier, reliability bins and ECE on hand-checked values', async (t) => {
  const p = [0.05, 0.15, 0.15, 0.95, 0.95, 0.95, 0.95]
  const y = [0, 0, 1, 1, 1, 1, 0]
  t.equal(brier([0, 1], [0, 1]), 0)
  t.ok(Math.abs(brier(p, y) - (0.05 ** 2 + 0.15 ** 2 + 0.85 ** 2 + 3 * 0.05 ** 2 + 0.95 ** 2) / 7) < 1e-12)
  const bins = calibrationBins(p, y)
  t.equal(bins.length, 10)
  t.same(bins.map((b) => b.count), [1, 2, 0, 0, 0, 0, 0, 0, 0, 4])
  t.equal(bins[2].mean_predicted, null, 'an empty bin has no mean')
  t.equal(bins[9].observed_rate, 0.75)
  // |0 - .05| * 1 + |.5 - .15| * 2 + |.75 - .95| * 4, over 7 rows
  t.ok(Math.abs(expectedCalibrationError(p, y) - (0.05 + 0.7 + 0.8) / 7) < 1e-12)
  t.equal(calibrationBins([1], [1])[9].count, 1, 'a probability of 1 falls in the last bin')
})

t.test('ROC and PR points run from the highest threshold down and agree with the AUCs', async (t) => {
  const rng = new Rng(1)
  const y = Array.from({ length: 400 }, () => (rng.next() < 0.3 ? 1 : 0))
  const p = y.map((v) => sigmoid(1.5 * v + normal(rng)))
  const roc = rocCurve(p, y, 1000)
  t.same([roc[0].x, roc[0].y], [0, 0])
  t.same([roc[roc.length - 1].x, roc[roc.length - 1].y], [1, 1])
  let area = 0
  for (let i = 1; i < roc.length; i++) area += (roc[i].x - roc[i - 1].x) * (roc[i].y + roc[i - 1].y) / 2
  t.ok(Math.abs(area - rocAuc(p, y)) < 1e-9, 'trapezoids over the ROC points = ROC-AUC')
  const pr = prCurve(p, y, 1000)
  let ap = 0
  for (let i = 0; i < pr.length; i++) ap += (pr[i].x - (i === 0 ? 0 : pr[i - 1].x)) * pr[i].y
  t.ok(Math.abs(ap - averagePrecision(p, y)) < 1e-9, 'step sum over the PR points = average precision')
  t.equal(rocCurve(p, y, 50).length, 50, 'thinned to the asked number of points')
  t.ok(Number.isFinite(roc[0].threshold), 'no Infinity in JSON')
})

t.test('Platt scaling recovers a known map, and folding it into the last layer computes a z + b', async (t) => {
  const rng = new Rng(2)
  const z = Array.from({ length: 6000 }, () => 2 * normal(rng))
  const y = z.map((v) => (rng.next() < sigmoid(0.5 * v - 1) ? 1 : 0))
  const map = fitPlatt(z, y)
  t.ok(Math.abs(map.a - 0.5) < 0.06, `a = ${map.a}`)
  t.ok(Math.abs(map.b + 1) < 0.1, `b = ${map.b}`)
  t.ok(Math.abs(applyPlatt(map, 0) - sigmoid(map.b)) < 1e-15)
  const flipped = fitPlattMonotone(z.map((v) => -v), y)
  t.equal(flipped.intercept_only, true, 'a negative slope is never folded in: only the intercept is fitted')
  t.equal(flipped.a, 1)
  t.same(fitPlatt([1, 2, 3], [1, 1, 1]), { a: 1, b: 0 }, 'one class: identity')

  const arch = [5, 32, 16, 1]
  const params = initParams(new Rng(3), arch)
  const x = Float32Array.from({ length: 5 * 20 }, () => rng.next())
  const before = logitsOf(params, arch, x, 20)
  const after = logitsOf(foldPlatt(params, arch, { a: 0.7, b: -0.4 }), arch, x, 20)
  before.forEach((v, i) => t.ok(Math.abs(after[i] - (0.7 * v - 0.4)) < 1e-5, `row ${i}`))
})

t.test('the validation slice is the last labelled days of the training period', async (t) => {
  const days = Array.from({ length: 300 }, (_, i) => 1000 + Math.floor(i / 5))
  const { fit, val } = holdout(days, days.length, 10)
  t.equal(val.length, 50)
  t.ok(Array.from(val).every((i) => days[i] > 1059 - 10))
  t.ok(Math.max(...Array.from(fit, (i) => days[i])) < Math.min(...Array.from(val, (i) => days[i])), 'every fitted row is older than every validation row')
  const tiny = holdout(days.slice(0, 20), 20, 10)
  t.equal(tiny.val.length, 4, 'too few days: the last 20% of rows')
})

t.test('block bootstrap: deterministic, intervals bracket the estimate, undefined resamples skipped', async (t) => {
  const rng = new Rng(4)
  const day = Array.from({ length: 700 }, (_, i) => Math.floor(i / 7))
  const v = day.map((d) => Math.sin(d / 5) + normal(rng))
  const mean = (rows: number[]): Record<string, number> => ({ mean: rows.reduce((a, i) => a + v[i], 0) / rows.length, never: NaN })
  const a = blockBootstrap(day, mean, { resamples: 300, seed: 9 })
  const b = blockBootstrap(day, mean, { resamples: 300, seed: 9 })
  t.same(a, b)
  const point = mean(day.map((_, i) => i)).mean
  t.ok(a.mean.lo < point && point < a.mean.hi, `${a.mean.lo} < ${point} < ${a.mean.hi}`)
  t.equal(a.mean.resamples, 300)
  t.equal(a.never, undefined, 'a statistic that is never defined has no interval')
  // blocks of days keep the serial correlation: wider than day-by-day resampling of the same series
  const iid = blockBootstrap(day, mean, { resamples: 300, seed: 9, blockDays: 1 })
  t.ok(a.mean.hi - a.mean.lo > iid.mean.hi - iid.mean.lo, 'block intervals are wider on a serially correlated series')
  t.equal(quantile([1, 2, 3, 4], 0.5), 2.5)
})

t.test('baselines and a report section: lift over the better baseline, losses counted the right way round', async (t) => {
  const prior = fitPrior(['A', 'A', 'B', 'B', 'B', 'B'], [1, 0, 0, 0, 0, 1])
  t.same(predictPrior(prior, ['A', 'B', 'C']), [0.5, 0.25, 2 / 6])
  const rng = new Rng(5)
  const n = 600
  const day = Array.from({ length: n }, (_, i) => Math.floor(i / 6))
  const y = day.map(() => (rng.next() < 0.3 ? 1 : 0))
  const good = y.map((v) => sigmoid(3 * v - 1.5 + normal(rng)))
  const weak = y.map((v) => sigmoid(0.5 * v - 1 + normal(rng)))
  const persistence = y.map((v) => (rng.next() < 0.6 ? v : 1 - v))
  const section = buildSection({
    y,
    day,
    model: { p: good, hard: hardLabels(good, 0.5) },
    prior: { p: weak, hard: hardLabels(weak, 0.3) },
    persistence: { p: persistence, hard: hardLabels(persistence, 0.5) },
  }, { blockDays: 7, resamples: 200, seed: 1 })
  t.equal(section.rows, n)
  t.equal(section.days, 100)
  const auc = section.scores.roc_auc
  t.ok((auc.value ?? 0) > 0.9)
  t.equal(auc.better_baseline, 'prior')
  t.ok(Math.abs((auc.lift ?? 0) - ((auc.value ?? 0) - (auc.prior ?? 0))) < 1e-12)
  t.ok((auc.lift_ci?.lo ?? 0) > 0, 'a clearly better model has a lift interval above zero')
  const b = section.scores.brier
  t.ok(Math.abs((b.lift ?? 0) - (Math.min(b.prior ?? 1, b.persistence ?? 1) - (b.value ?? 0))) < 1e-12, 'Brier lift = better baseline - model')
  t.equal(section.confusion.tp + section.confusion.fp + section.confusion.tn + section.confusion.fn, n)
})
