import t from 'tap'
import { averagePrecision, bestF1Threshold, classificationMetrics, confusionMatrix, meanStd, rocAuc } from '../../src/training/metrics.js'
import { trainingRandom } from '../../src/seeded-random.js'
import { initParams, layersToParams, paramLayout, paramsToLayers } from '../../src/training/network.js'
import { kFold, meanBatchBce } from '../../src/training/trainer.js'
import { chooseEpoch } from '../../src/training/recipes/default.js'

const close = (a: number, b: number, tol = 1e-12): boolean => Math.abs(a - b) <= tol

t.test('metrics worked out by hand', async (t) => {
  // scores 0.1 0.4 0.35 0.8 for labels 0 0 1 1; at 0.5 only 0.8 is positive: tp 1, fp 0, fn 1, tn 2
  const y = [0, 0, 1, 1]
  const p = [0.1, 0.4, 0.35, 0.8]
  const m = classificationMetrics(p, y, 0.5)
  t.same(m.confusion, { tp: 1, fp: 0, tn: 2, fn: 1 })
  t.equal(m.accuracy, 0.75)
  t.equal(m.precision, 1)
  t.equal(m.recall, 0.5)
  t.ok(close(m.f1, 2 / 3))
  // pairs (pos, neg): (0.35, 0.1) won, (0.35, 0.4) lost, (0.8, *) won twice: 3 of 4
  t.equal(m.roc_auc, 0.75)
  // ranked 0.8 (pos: P 1, R 0.5), 0.4 (neg), 0.35 (pos: P 2/3, R 1): AP = 0.5 * 1 + 0.5 * 2/3
  t.ok(close(m.pr_auc, 0.5 + 1 / 3))
  t.equal(m.threshold, 0.5)
  // the threshold is inclusive: a score equal to it is positive
  t.same(confusionMatrix([0.5], [1], 0.5), { tp: 1, fp: 0, tn: 0, fn: 0 })
})

t.test('ties: ROC-AUC counts a tied pair as half, AP treats tied scores as one threshold', async (t) => {
  t.equal(rocAuc([0.5, 0.5], [0, 1]), 0.5)
  t.equal(rocAuc([0.2, 0.5, 0.5, 0.9], [0, 0, 1, 1]), (1 + 0.5 + 1 + 1) / 4)
  // both at 0.5: one threshold with precision 1/2 and recall 1
  t.equal(averagePrecision([0.5, 0.5], [0, 1]), 0.5)
})

t.test('undefined cases: zero_division 0, NaN AUC with one class', async (t) => {
  const m = classificationMetrics([0.1, 0.2], [0, 0], 0.5)
  t.equal(m.precision, 0)
  t.equal(m.recall, 0)
  t.equal(m.f1, 0)
  t.ok(Number.isNaN(m.roc_auc))
  t.ok(Number.isNaN(m.pr_auc))
})

t.test('agrees with sklearn 1.2 on a small vector with ties', async (t) => {
  // /usr/bin/python3: roc_auc_score, average_precision_score, f1/precision/recall/accuracy at >= 0.5, confusion_matrix
  const y = [0, 1, 1, 0, 1, 0, 0, 1, 0, 1, 0, 0]
  const p = [0.1, 0.8, 0.35, 0.35, 0.6, 0.2, 0.7, 0.35, 0.05, 0.9, 0.5, 0.4]
  const m = classificationMetrics(p, y, 0.5)
  t.ok(close(m.roc_auc, 0.7714285714285714))
  t.ok(close(m.pr_auc, 0.7722222222222221))
  t.ok(close(m.f1, 0.6))
  t.ok(close(m.precision, 0.6))
  t.ok(close(m.recall, 0.6))
  t.ok(close(m.accuracy, 0.6666666666666666))
  t.same(m.confusion, { tn: 5, fp: 2, fn: 2, tp: 3 })
})

t.test('best F1 threshold on out-of-fold scores', async (t) => {
  // cutting below 0.6 catches both positives with one false positive: F1 = 4/5; the threshold is the midpoint to the next score
  const r = bestF1Threshold([0.9, 0.7, 0.6, 0.2, 0.1], [1, 0, 1, 0, 0])
  t.ok(close(r.f1, 0.8))
  t.ok(close(r.threshold, 0.4))
  t.equal(classificationMetrics([0.9, 0.7, 0.6, 0.2, 0.1], [1, 0, 1, 0, 0], r.threshold).f1, r.f1)
})

t.test('mean and population std (numpy ddof 0), tutorial validation loss', async (t) => {
  const { mean, std } = meanStd([1, 2, 3, 4])
  t.equal(mean, 2.5)
  t.ok(close(std, Math.sqrt(1.25)))
  // two batches of 2: mean of batch means, not of rows
  const l = meanBatchBce([0.5, 0.5, 0.9], [1, 0, 1], 2)
  t.ok(close(l, (Math.log(2) + -Math.log(0.9)) / 2))
})

t.test('KFold without shuffling: contiguous blocks, the first n % k folds one longer', async (t) => {
  const folds = kFold(12, 5)
  t.same(folds.map((f) => f.val.length), [3, 3, 2, 2, 2])
  t.same(Array.from(folds[1].val), [3, 4, 5])
  t.same(Array.from(folds[1].train), [0, 1, 2, 6, 7, 8, 9, 10, 11])
})

t.test('seeded PRNG and PyTorch-style init', async (t) => {
  const a = trainingRandom(42)
  const b = trainingRandom(42)
  const xs = Array.from({ length: 5 }, () => a.next())
  t.same(xs, Array.from({ length: 5 }, () => b.next()), 'same seed, same stream')
  t.not(trainingRandom(43).next(), trainingRandom(42).next())
  const layout = paramLayout()
  t.equal(layout.total, 897, 'the reference net has 897 parameters')
  const p = initParams(trainingRandom(1))
  // layer 1 bound 1/sqrt(10), layer 2 1/sqrt(32), layer 3 1/sqrt(16)
  const bounds = [1 / Math.sqrt(10), 1 / Math.sqrt(32), 1 / Math.sqrt(16)]
  for (let k = 0; k < 6; k++) {
    const s = p.subarray(layout.offsets[k], layout.offsets[k] + layout.sizes[k])
    const bound = bounds[Math.floor(k / 2)]
    t.ok(s.every((v) => Math.abs(v) <= bound), `tensor ${k} within +-${bound.toFixed(3)}`)
    if (s.length > 1) t.ok(Math.max(...s) > bound * 0.5, `tensor ${k} spreads over the range`)
  }
  const layers = paramsToLayers(p)
  t.same(layers.map((l) => [l.weights.length, l.bias.length, l.activation]), [[10, 32, 'relu'], [32, 16, 'relu'], [16, 1, 'sigmoid']])
  t.same(layersToParams(layers), p, 'layers round-trip to the flat vector')
})

t.test('epoch choice: smoothed argmin of the mean validation loss, not before minEpochs', async (t) => {
  t.same(chooseEpoch([0.9, 0.1, 0.8, 0.7, 0.6, 0.65, 0.7], 3, 1), { epoch: 4, score: 0.6 })
  // smoothing over 3 prefers the flat valley (0.5, 0.5, 0.5) to a single dip (0.9, 0.3, 0.9)
  t.equal(chooseEpoch([0.9, 0.3, 0.9, 0.5, 0.5, 0.5, 0.9], 1, 3).epoch, 4)
})
