/**
 * Probability scores and the curves kept with a model version: Brier score, expected calibration
 * error, ROC and PR curve points, reliability bins. Threshold metrics, ROC-AUC and PR-AUC come from
 * src/training/metrics.ts (sklearn's definitions), so every report uses one implementation.
 */
import { averagePrecision, confusionMatrix, f1FromConfusion, rocAuc, type Confusion } from '../training/metrics.js'

export function brier (p: ArrayLike<number>, y: ArrayLike<number>): number {
  if (p.length === 0) return NaN
  let s = 0
  for (let i = 0; i < p.length; i++) s += (p[i] - y[i]) ** 2
  return s / p.length
}

export interface CalibrationBin {
  /** bin [lo, hi) of predicted probability (the last bin includes 1) */
  lo: number
  hi: number
  count: number
  mean_predicted: number | null
  observed_rate: number | null
}

/** Equal-width reliability bins (10 by default, as sklearn's calibration_curve(strategy='uniform')). */
export function calibrationBins (p: ArrayLike<number>, y: ArrayLike<number>, bins = 10): CalibrationBin[] {
  const count = new Array<number>(bins).fill(0)
  const sumP = new Array<number>(bins).fill(0)
  const sumY = new Array<number>(bins).fill(0)
  for (let i = 0; i < p.length; i++) {
    const b = Math.min(bins - 1, Math.max(0, Math.floor(p[i] * bins)))
    count[b]++
    sumP[b] += p[i]
    sumY[b] += y[i]
  }
  return count.map((c, b) => ({
    lo: b / bins,
    hi: (b + 1) / bins,
    count: c,
    mean_predicted: c === 0 ? null : sumP[b] / c,
    observed_rate: c === 0 ? null : sumY[b] / c,
  }))
}

/** Expected calibration error: the count-weighted mean |observed rate - mean prediction| over equal-width bins. */
export function expectedCalibrationError (p: ArrayLike<number>, y: ArrayLike<number>, bins = 10): number {
  if (p.length === 0) return NaN
  let s = 0
  for (const bin of calibrationBins(p, y, bins)) {
    if (bin.count > 0) s += bin.count * Math.abs((bin.observed_rate ?? 0) - (bin.mean_predicted ?? 0))
  }
  return s / p.length
}

export interface CurvePoint { threshold: number, x: number, y: number }

/**
 * ROC points (x = false positive rate, y = true positive rate) and PR points (x = recall, y = precision),
 * one per distinct score from the highest down, thinned to at most `maxPoints` (evenly over the list,
 * first and last kept) so that evaluation.json stays small on big test sets.
 */
export function rocCurve (p: ArrayLike<number>, y: ArrayLike<number>, maxPoints = 200): CurvePoint[] {
  return thin(sweep(p, y).map((s) => ({ threshold: s.threshold, x: s.fpr, y: s.tpr })), maxPoints)
}

export function prCurve (p: ArrayLike<number>, y: ArrayLike<number>, maxPoints = 200): CurvePoint[] {
  const points = sweep(p, y).filter((s) => s.tp + s.fp > 0)
  return thin(points.map((s) => ({ threshold: s.threshold, x: s.tpr, y: s.tp / (s.tp + s.fp) })), maxPoints)
}

function sweep (p: ArrayLike<number>, y: ArrayLike<number>): { threshold: number, tp: number, fp: number, tpr: number, fpr: number }[] {
  const n = p.length
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => p[b] - p[a])
  let pos = 0
  for (let i = 0; i < n; i++) pos += y[i] === 1 ? 1 : 0
  const neg = n - pos
  const out = [{ threshold: Infinity, tp: 0, fp: 0, tpr: 0, fpr: 0 }]
  let tp = 0
  let fp = 0
  for (let i = 0; i < n;) {
    let j = i
    while (j + 1 < n && p[order[j + 1]] === p[order[i]]) j++
    for (let k = i; k <= j; k++) {
      if (y[order[k]] === 1) tp++
      else fp++
    }
    out.push({ threshold: p[order[i]], tp, fp, tpr: pos === 0 ? 0 : tp / pos, fpr: neg === 0 ? 0 : fp / neg })
    i = j + 1
  }
  // JSON has no Infinity: the first point's threshold is "above every score"
  out[0].threshold = out.length > 1 ? out[1].threshold + 1 : 1
  return out
}

function thin<T> (points: T[], maxPoints: number): T[] {
  if (points.length <= maxPoints) return points
  const out: T[] = []
  for (let k = 0; k < maxPoints; k++) out.push(points[Math.round(k * (points.length - 1) / (maxPoints - 1))])
  return out
}

export const SCORE_NAMES = ['roc_auc', 'pr_auc', 'f1', 'brier', 'ece'] as const
export type ScoreName = typeof SCORE_NAMES[number]
export type Scores = Record<ScoreName, number>
/** Brier and ECE are losses: lower is better. */
export const LOWER_IS_BETTER: ReadonlySet<ScoreName> = new Set(['brier', 'ece'])

/** The five headline scores of a set of predictions at `threshold`. */
export function scores (p: ArrayLike<number>, y: ArrayLike<number>, threshold: number): Scores {
  const c: Confusion = confusionMatrix(p, y, threshold)
  return {
    roc_auc: rocAuc(p, y),
    pr_auc: averagePrecision(p, y),
    f1: f1FromConfusion(c),
    brier: brier(p, y),
    ece: expectedCalibrationError(p, y),
  }
}
