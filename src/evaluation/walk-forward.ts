/**
 * Rolling-origin (walk-forward) evaluation: for each origin d, a fresh model is trained with the
 * version's recipe and seed on every row labelled before d (scaler, early stopping, calibration and
 * threshold all fitted on those rows only), then predicts the rows labelled on d .. d + testDays - 1.
 * Origins step by `stepDays` over the last `spanDays` labelled days (fewer when the data are shorter:
 * the first origin keeps at least `minTrainDays` labelled days for training). With stepDays =
 * testDays every test day is predicted exactly once, so the folds' predictions pool into one
 * out-of-sample series that the bootstrap resamples by days.
 *
 * For a forecast row labelled on day t + h the features end on day t, so "labelled before d" is
 * also "every feature and label known before d": nothing from the test period reaches training.
 */
import { fitMinMaxScaler } from '../features/scaler.js'
import { isoDay } from '../features/split.js'
import { selectRows, type LagRows } from '../features/lags.js'
import type { FeatureDataset, FeatureVariant, FeatureWindow } from '../features/types.js'
import { layersToParams, scaleRows } from '../training/network.js'
import { logitsOf } from '../training/recipes/calibrated.js'
import { sigmoid } from '../training/calibration.js'
import { trainModel, type TrainOptions } from '../training/train.js'
import type { RecipeName, TrainedModel } from '../training/types.js'
import { fitPrior, predictPrior } from './baselines.js'
import { hardLabels, scoreSet, scoresOf } from './report.js'
import type { WalkForwardFoldT } from '../schemas/evaluation.js'

export interface WalkForwardOptions {
  testDays: number
  stepDays: number
  spanDays: number
  minTrainDays: number
}

export const WALK_FORWARD_DEFAULTS: WalkForwardOptions = { testDays: 7, stepDays: 7, spanDays: 180, minTrainDays: 60 }

export interface ModelData {
  recipe: RecipeName
  seed: number
  epochs?: number
  variant: FeatureVariant
  window: FeatureWindow
  featureNames: string[]
  rows: LagRows
  train?: Pick<TrainOptions, 'defaultRecipe' | 'calibratedRecipe' | 'backend'>
}

/** Pooled out-of-sample predictions of all folds, in fold order. */
export interface Pooled {
  y: number[]
  day: number[]
  model: { p: number[], hard: number[] }
  prior: { p: number[], hard: number[] }
  persistence: { p: number[], hard: number[] }
}

export interface WalkForwardResult {
  options: WalkForwardOptions
  folds: WalkForwardFoldT[]
  pooled: Pooled
}

export function origins (days: ArrayLike<number>, opts: WalkForwardOptions): number[] {
  let first = Infinity
  let last = -Infinity
  for (let i = 0; i < days.length; i++) { first = Math.min(first, days[i]); last = Math.max(last, days[i]) }
  if (!Number.isFinite(first)) return []
  const start = Math.max(last - opts.spanDays + 1, first + opts.minTrainDays)
  const out: number[] = []
  for (let d = start; d <= last; d += opts.stepDays) out.push(d)
  return out
}

/** Predictions of a trained model on raw rows (float64 forward pass of its exported layers). */
export function predictRaw (model: TrainedModel, X: number[][]): Float64Array {
  const arch = [model.layers[0].weights.length, ...model.layers.map((l) => l.bias.length)]
  return Float64Array.from(logitsOf(layersToParams(model.layers), arch, scaleRows(X, model.scaler), X.length), sigmoid)
}

export async function walkForward (
  data: ModelData,
  options: Partial<WalkForwardOptions> = {},
  hooks: { onFold?: (fold: number, folds: number) => void, signal?: AbortSignal, onEpoch?: TrainOptions['onProgress'] } = {}
): Promise<WalkForwardResult> {
  const opts = { ...WALK_FORWARD_DEFAULTS, ...options }
  const { rows } = data
  const list = origins(rows.day, opts)
  const folds: WalkForwardFoldT[] = []
  const pooled: Pooled = { y: [], day: [], model: { p: [], hard: [] }, prior: { p: [], hard: [] }, persistence: { p: [], hard: [] } }
  for (let k = 0; k < list.length; k++) {
    const origin = list[k]
    const end = origin + opts.testDays - 1
    hooks.onFold?.(k + 1, list.length)
    const train = selectRows(rows, (i) => rows.day[i] < origin)
    const test = selectRows(rows, (i) => rows.day[i] >= origin && rows.day[i] <= end)
    if (test.y.length === 0 || train.y.length < 10) continue
    const dataset: FeatureDataset = {
      variant: data.variant,
      window: data.window,
      featureNames: data.featureNames,
      testFromDay: origin,
      train,
      test,
      scaler: fitMinMaxScaler(train.X, data.featureNames),
    }
    const model = await trainModel(dataset, {
      recipe: data.recipe, seed: data.seed, epochs: data.epochs, signal: hooks.signal, onProgress: hooks.onEpoch, ...data.train,
    })
    const p = Array.from(predictRaw(model, test.X))
    const hard = Array.from(hardLabels(p, model.threshold))
    const prior = fitPrior(train.token, train.y)
    const pp = predictPrior(prior, test.token)
    const ph = Array.from(hardLabels(pp, prior.threshold))
    const pe = test.persistence
    const peh = Array.from(hardLabels(pe, 0.5))
    folds.push({
      fold: k + 1,
      origin: isoDay(origin),
      test_to: isoDay(Math.min(end, Math.max(...test.day))),
      train_rows: train.y.length,
      test_rows: test.y.length,
      test_positives: test.y.reduce((a, b) => a + b, 0),
      threshold: model.threshold,
      scores: scoreSet(scoresOf({ p, hard }, test.y)),
      prior: scoreSet(scoresOf({ p: pp, hard: ph }, test.y)),
      persistence: scoreSet(scoresOf({ p: pe, hard: peh }, test.y)),
      history: model.history,
      ...(model.details !== undefined ? { details: model.details } : {}),
    })
    pooled.y.push(...test.y)
    pooled.day.push(...test.day)
    pooled.model.p.push(...p); pooled.model.hard.push(...hard)
    pooled.prior.p.push(...pp); pooled.prior.hard.push(...ph)
    pooled.persistence.p.push(...pe); pooled.persistence.hard.push(...peh)
  }
  return { options: opts, folds, pooled }
}
