/**
 * The evaluation report saved with a model version (evaluation.json) and returned by
 * GET /models/{name}/versions/{v}/evaluation: one TypeBox schema gives the type, the response
 * validation and the OpenAPI document. A score that is undefined on its rows (ROC-AUC with one
 * class only) is null.
 */
import { Type, type Static } from 'typebox'

const Score = Type.Union([Type.Number(), Type.Null()])
const Ci = Type.Union([Type.Object({ lo: Type.Number(), hi: Type.Number(), resamples: Type.Integer() }), Type.Null()], {
  description: '95% percentile interval from a moving-block bootstrap over test days (null: too few defined resamples)',
})

export const ScoreSet = Type.Object({
  roc_auc: Score, pr_auc: Score, f1: Score, brier: Score, ece: Score,
}, { description: 'ROC-AUC, PR-AUC (average precision), F1 at the chosen threshold, Brier score, expected calibration error (10 bins)' })

export const ScoreWithBaselines = Type.Object({
  value: Score,
  ci: Ci,
  prior: Score,
  persistence: Score,
  better_baseline: Type.Union([Type.Literal('prior'), Type.Literal('persistence')]),
  lift: Score,
  lift_ci: Ci,
}, {
  description: 'A score, its interval, both baselines, and the lift over the better baseline ' +
    '(model - baseline; baseline - model for brier and ece, so positive is better)',
})

const CurvePoint = Type.Object({ threshold: Type.Number(), x: Type.Number(), y: Type.Number() })
const CalibrationBin = Type.Object({
  lo: Type.Number(), hi: Type.Number(), count: Type.Integer(), mean_predicted: Score, observed_rate: Score,
})
const Confusion = Type.Object({ tp: Type.Integer(), fp: Type.Integer(), tn: Type.Integer(), fn: Type.Integer() })
const Epoch = Type.Object({ loss: Type.Number(), val_loss: Type.Optional(Type.Number()) })

export const EvaluationSection = Type.Object({
  from: Type.String({ description: 'first labelled test day (ISO date)' }),
  to: Type.String({ description: 'last labelled test day (ISO date)' }),
  rows: Type.Integer(),
  positives: Type.Integer(),
  days: Type.Integer(),
  scores: Type.Object({
    roc_auc: ScoreWithBaselines, pr_auc: ScoreWithBaselines, f1: ScoreWithBaselines, brier: ScoreWithBaselines, ece: ScoreWithBaselines,
  }),
  confusion: Confusion,
  roc: Type.Array(CurvePoint, { description: 'x = false positive rate, y = true positive rate' }),
  pr: Type.Array(CurvePoint, { description: 'x = recall, y = precision' }),
  calibration_bins: Type.Array(CalibrationBin),
}, {})

export const WalkForwardFold = Type.Object({
  fold: Type.Integer(),
  origin: Type.String({ description: 'first test day; the model was trained on rows labelled before it' }),
  test_to: Type.String(),
  train_rows: Type.Integer(),
  test_rows: Type.Integer(),
  test_positives: Type.Integer(),
  threshold: Type.Number(),
  scores: ScoreSet,
  prior: ScoreSet,
  persistence: ScoreSet,
  history: Type.Array(Type.Array(Epoch), { description: 'per training run, per epoch: training loss and validation loss' }),
  details: Type.Optional(Type.Record(Type.String(), Type.Union([Type.Number(), Type.String()]))),
}, {})

export const FeatureTransform = Type.Object({
  feature: Type.String({ description: 'the model input' }),
  transform: Type.Union([Type.Literal('log1p'), Type.Literal('identity')], {
    description: 'log1p: the input is ln(1 + max(x, 0)) of source',
  }),
  source: Type.String(),
  description: Type.String(),
}, { description: 'How a model input is computed from raw data (outside the model and its circuit)' })

export const Evaluation = Type.Object({
  schema_version: Type.Literal(1),
  recipe: Type.String(),
  seed: Type.Integer(),
  target: Type.Union([Type.Literal('same-day'), Type.Literal('next-days')], {
    description: 'same-day: labels the day the features describe (a nowcast); next-days: labels day t + horizon_days',
  }),
  horizon_days: Type.Integer(),
  feature_transforms: Type.Array(FeatureTransform),
  baselines: Type.Object({
    prior: Type.String(),
    persistence: Type.String(),
  }, { description: 'what the two baselines predict' }),
  split: Type.Object({
    description: Type.String(),
    train_rows: Type.Integer(),
    threshold: Type.Number(),
    test: EvaluationSection,
  }, { description: "METHOD.md's single split (test = the last 41 labelled days): the model of this version" }),
  walk_forward: Type.Union([Type.Object({
    test_days: Type.Integer(),
    step_days: Type.Integer(),
    span_days: Type.Integer(),
    block_days: Type.Integer(),
    resamples: Type.Integer(),
    folds: Type.Array(WalkForwardFold),
    overall: EvaluationSection,
  }), Type.Null()], {
    description: 'rolling-origin evaluation: every fold trains a fresh model on the rows labelled before its origin; null when not run',
  }),
  training: Type.Object({
    threshold: Type.Number(),
    threshold_chosen_on: Type.String(),
    calibration: Type.Union([Type.Object({
      method: Type.Literal('platt'), a: Type.Number(), b: Type.Number(), intercept_only: Type.Boolean(), fitted_on_rows: Type.Integer(),
    }), Type.Null()], {
      description: 'Platt map p = sigmoid(a z + b) on the logit z, folded into the last layer: served and proven outputs are calibrated',
    }),
    history: Type.Array(Type.Array(Epoch)),
  }),
}, {
  $id: 'Evaluation',
  description: "A version's evaluation: METHOD's split and a walk-forward backtest, each score with baselines, lift and 95% intervals; " +
    'curves, calibration bins, confusion matrices, loss histories',
})

export type EvaluationReport = Static<typeof Evaluation>
export type EvaluationSectionT = Static<typeof EvaluationSection>
export type WalkForwardFoldT = Static<typeof WalkForwardFold>
export type FeatureTransformT = Static<typeof FeatureTransform>
