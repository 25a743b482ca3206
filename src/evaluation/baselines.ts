/**
 * The two baselines every report shows beside the model (issue 16): a metric without one says little
 * here, because the token alone (its base rate of liquidation days) already reaches ROC-AUC ~0.79 on
 * METHOD's split (notes/model-study.md).
 *  - prior: the token's positive rate over the training rows (a token unseen in training gets the
 *    overall rate); F1 threshold chosen on the training rows' own scores, never on test rows;
 *  - persistence: 1 if the token was liquidated on the last day known when the row is predicted
 *    (the day before for a nowcast, day t for a forecast), else 0; threshold 0.5.
 */
import { bestF1Threshold } from '../training/metrics.js'

export const BASELINE_DESCRIPTIONS = {
  prior: "the token's positive rate in the training rows (threshold: best F1 on the training rows)",
  persistence: 'liquidated on the last known day (the day before for same-day targets, day t for next-day targets); threshold 0.5',
} as const

export interface PriorModel {
  rates: Map<string, number>
  overall: number
  threshold: number
}

export function fitPrior (tokens: readonly string[], y: ArrayLike<number>): PriorModel {
  const pos = new Map<string, number>()
  const all = new Map<string, number>()
  let total = 0
  tokens.forEach((token, i) => {
    all.set(token, (all.get(token) ?? 0) + 1)
    pos.set(token, (pos.get(token) ?? 0) + y[i])
    total += y[i]
  })
  const rates = new Map<string, number>()
  for (const [token, n] of all) rates.set(token, (pos.get(token) ?? 0) / n)
  const overall = tokens.length === 0 ? 0 : total / tokens.length
  const own = tokens.map((t) => rates.get(t) as number)
  return { rates, overall, threshold: bestF1Threshold(own, y).threshold }
}

export function predictPrior (model: PriorModel, tokens: readonly string[]): number[] {
  return tokens.map((t) => model.rates.get(t) ?? model.overall)
}
