/**
 * Builds one section of an evaluation report from test predictions: the five scores of the model and
 * of both baselines, 95% block-bootstrap intervals, the lift over the better baseline with its
 * interval, the confusion matrix, ROC / PR points and calibration bins.
 */
import { confusionMatrix, f1FromConfusion, rocAuc, averagePrecision } from '../training/metrics.js'
import { isoDay } from '../features/split.js'
import { blockBootstrap, type Interval } from './bootstrap.js'
import {
  brier, calibrationBins, expectedCalibrationError, LOWER_IS_BETTER, prCurve, rocCurve, SCORE_NAMES, type ScoreName, type Scores,
} from './scores.js'
import type { EvaluationSectionT } from '../schemas/evaluation.js'

/** Predictions of one predictor: probabilities and the 0/1 decision at its (per-fold) threshold. */
export interface Predicted { p: ArrayLike<number>, hard: ArrayLike<number> }

export interface SectionInput {
  y: ArrayLike<number>
  day: ArrayLike<number>
  model: Predicted
  prior: Predicted
  persistence: Predicted
}

export interface BootstrapSettings { blockDays: number, resamples: number, seed: number }

export function hardLabels (p: ArrayLike<number>, threshold: number | ArrayLike<number>): Uint8Array {
  return Uint8Array.from({ length: p.length }, (_, i) => (p[i] >= (typeof threshold === 'number' ? threshold : threshold[i]) ? 1 : 0))
}

export function scoresOf (pr: Predicted, y: ArrayLike<number>, rows?: number[]): Scores {
  const pick = <T extends ArrayLike<number>>(a: T): ArrayLike<number> => (rows === undefined ? a : rows.map((i) => a[i]))
  const p = pick(pr.p)
  const yy = pick(y)
  const c = confusionMatrix(pick(pr.hard), yy, 0.5)
  return {
    roc_auc: rocAuc(p, yy),
    pr_auc: averagePrecision(p, yy),
    f1: f1FromConfusion(c),
    brier: brier(p, yy),
    ece: expectedCalibrationError(p, yy),
  }
}

export function nullIfNaN (v: number): number | null {
  return Number.isFinite(v) ? v : null
}

export function scoreSet (s: Scores): Record<ScoreName, number | null> {
  return Object.fromEntries(SCORE_NAMES.map((k) => [k, nullIfNaN(s[k])])) as Record<ScoreName, number | null>
}

function ci (iv: Interval | undefined): { lo: number, hi: number, resamples: number } | null {
  // fewer than 100 defined resamples would make the 2.5% / 97.5% percentiles rest on 2-3 values
  return iv === undefined || iv.resamples < 100 ? null : iv
}

export function buildSection (input: SectionInput, boot: BootstrapSettings): EvaluationSectionT {
  const { y, day } = input
  const model = scoresOf(input.model, y)
  const prior = scoresOf(input.prior, y)
  const persistence = scoresOf(input.persistence, y)
  const better = {} as Record<ScoreName, 'prior' | 'persistence'>
  for (const k of SCORE_NAMES) {
    const a = prior[k]
    const b = persistence[k]
    const priorWins = !Number.isFinite(b) || (Number.isFinite(a) && (LOWER_IS_BETTER.has(k) ? a <= b : a >= b))
    better[k] = priorWins ? 'prior' : 'persistence'
  }
  const lift = (k: ScoreName, m: Scores, base: Scores): number => (LOWER_IS_BETTER.has(k) ? base[k] - m[k] : m[k] - base[k])
  const intervals = blockBootstrap(day, (rows) => {
    const m = scoresOf(input.model, y, rows)
    const pr = scoresOf(input.prior, y, rows)
    const pe = scoresOf(input.persistence, y, rows)
    const out: Record<string, number> = {}
    for (const k of SCORE_NAMES) {
      out[k] = m[k]
      out[`lift_${k}`] = lift(k, m, better[k] === 'prior' ? pr : pe)
    }
    return out
  }, { blockDays: boot.blockDays, resamples: boot.resamples, seed: boot.seed })

  const scores = Object.fromEntries(SCORE_NAMES.map((k) => [k, {
    value: nullIfNaN(model[k]),
    ci: ci(intervals[k]),
    prior: nullIfNaN(prior[k]),
    persistence: nullIfNaN(persistence[k]),
    better_baseline: better[k],
    lift: nullIfNaN(lift(k, model, better[k] === 'prior' ? prior : persistence)),
    lift_ci: ci(intervals[`lift_${k}`]),
  }])) as EvaluationSectionT['scores']

  let from = Infinity
  let to = -Infinity
  const days = new Set<number>()
  let positives = 0
  for (let i = 0; i < y.length; i++) {
    from = Math.min(from, day[i]); to = Math.max(to, day[i]); days.add(day[i]); positives += y[i]
  }
  return {
    from: y.length > 0 ? isoDay(from) : '',
    to: y.length > 0 ? isoDay(to) : '',
    rows: y.length,
    positives,
    days: days.size,
    scores,
    confusion: confusionMatrix(input.model.hard, y, 0.5),
    roc: rocCurve(input.model.p, y),
    pr: prCurve(input.model.p, y),
    calibration_bins: calibrationBins(input.model.p, y),
  }
}
