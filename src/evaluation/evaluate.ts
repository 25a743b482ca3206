/**
 * A model version's whole evaluation (issue 16), in the order a training job runs it:
 *  1. the walk-forward backtest (walk-forward.ts), when asked for;
 *  2. the final model on METHOD's split (the version that is registered, served and proven);
 *  3. the report: both test periods with baselines, lifts, intervals, curves and calibration bins.
 */
import { methodSplit, type RecipeFeatureSet } from '../features/recipe-features.js'
import { trainModel, type TrainOptions } from '../training/train.js'
import type { RecipeName, TrainedModel, TrainingProgress } from '../training/types.js'
import { BASELINE_DESCRIPTIONS, fitPrior, predictPrior } from './baselines.js'
import { buildSection, hardLabels, type BootstrapSettings } from './report.js'
import type { EvaluationReport } from '../schemas/evaluation.js'
import { predictRaw, walkForward, type WalkForwardOptions } from './walk-forward.js'

export interface EvaluateOptions {
  recipe: RecipeName
  seed: number
  epochs?: number
  /** false: METHOD's split only */
  walkForward?: Partial<WalkForwardOptions> | false
  bootstrap?: Partial<BootstrapSettings>
  train?: Pick<TrainOptions, 'defaultRecipe' | 'calibratedRecipe' | 'backend'>
  onProgress?: (p: TrainingProgress) => void
  signal?: AbortSignal
}

export const BOOTSTRAP_DEFAULTS: BootstrapSettings = { blockDays: 7, resamples: 1000, seed: 20261202 }

export async function trainAndEvaluate (
  set: RecipeFeatureSet,
  opts: EvaluateOptions
): Promise<{ model: TrainedModel, evaluation: EvaluationReport }> {
  const boot = { ...BOOTSTRAP_DEFAULTS, ...opts.bootstrap }
  const modelData = {
    recipe: opts.recipe,
    seed: opts.seed,
    epochs: opts.epochs,
    variant: set.variant,
    window: set.window,
    featureNames: set.featureNames,
    rows: set.rows,
    train: opts.train,
  }
  let wf: Awaited<ReturnType<typeof walkForward>> | null = null
  if (opts.walkForward !== false && opts.walkForward !== undefined) {
    let current = { fold: 0, folds: 0 }
    wf = await walkForward(modelData, opts.walkForward, {
      signal: opts.signal,
      onFold: (fold, folds) => { current = { fold, folds } },
      onEpoch: (p) => opts.onProgress?.({ ...p, stage: 'walk-forward', walk_forward: current }),
    })
  }
  const split = methodSplit(set)
  const model = await trainModel(split, {
    recipe: opts.recipe,
    seed: opts.seed,
    epochs: opts.epochs,
    signal: opts.signal,
    ...opts.train,
    onProgress: (p) => opts.onProgress?.(wf !== null ? { ...p, stage: 'final' } : p),
  })
  const p = Array.from(predictRaw(model, split.test.X))
  const prior = fitPrior(split.train.token, split.train.y)
  const pp = predictPrior(prior, split.test.token)
  const splitSection = buildSection({
    y: split.test.y,
    day: split.test.day,
    model: { p, hard: hardLabels(p, model.threshold) },
    prior: { p: pp, hard: hardLabels(pp, prior.threshold) },
    persistence: { p: split.test.persistence, hard: hardLabels(split.test.persistence, 0.5) },
  }, boot)

  const evaluation: EvaluationReport = {
    schema_version: 1,
    recipe: opts.recipe,
    seed: opts.seed,
    target: set.target,
    horizon_days: set.horizon,
    feature_transforms: set.transforms,
    baselines: { ...BASELINE_DESCRIPTIONS },
    split: {
      description: "METHOD.md's split: test = the last 41 labelled days, training = every row labelled before them",
      train_rows: split.train.y.length,
      threshold: model.threshold,
      test: splitSection,
    },
    walk_forward: wf === null
      ? null
      : {
          test_days: wf.options.testDays,
          step_days: wf.options.stepDays,
          span_days: wf.options.spanDays,
          block_days: boot.blockDays,
          resamples: boot.resamples,
          folds: wf.folds,
          overall: buildSection({
            y: wf.pooled.y, day: wf.pooled.day, model: wf.pooled.model, prior: wf.pooled.prior, persistence: wf.pooled.persistence,
          }, boot),
        },
    training: {
      threshold: model.threshold,
      threshold_chosen_on: opts.recipe === 'tutorial'
        ? "fixed at 0.5 (the tutorial's)"
        : opts.recipe === 'default'
          ? 'out-of-fold predictions of the 5-fold CV on the training rows (max F1)'
          : 'the validation slice (the last days of the training period, max F1 of calibrated probabilities)',
      calibration: model.calibration ?? null,
      history: model.history,
    },
  }
  return { model, evaluation }
}
