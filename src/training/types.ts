import type { FeatureWindow, MinMaxScaler } from '../features/types.js'

export type RecipeName = 'tutorial' | 'default' | 'nowcast' | 'forecast'
export const RECIPE_NAMES: readonly RecipeName[] = ['tutorial', 'default', 'nowcast', 'forecast']

/** One dense layer: weights[i][j] maps input i to output j (tfjs kernel layout). */
export interface DenseLayer {
  weights: number[][]
  bias: number[]
  activation: 'relu' | 'sigmoid' | 'linear'
}

export interface TrainingMetrics {
  accuracy: number
  precision: number
  recall: number
  f1: number
  roc_auc: number
  pr_auc: number
  confusion: { tp: number; fp: number; tn: number; fn: number }
  threshold: number
  cv: number[]
  cv_avg: number
  cv_std: number
}

export interface TrainingProgress {
  fold: number
  folds: number
  epoch: number
  epochs: number
  loss: number | null
  /** set while a walk-forward evaluation runs: its fold (origin) out of all folds; then the final fit */
  stage?: 'walk-forward' | 'final'
  walk_forward?: { fold: number, folds: number }
}

/** Everything a trained model version carries; export-onnx turns it into model.onnx. */
export interface TrainedModel {
  recipe: RecipeName
  window: FeatureWindow
  seed: number
  featureNames: string[]
  scaler: MinMaxScaler
  layers: DenseLayer[]
  threshold: number
  metrics: TrainingMetrics
  /** loss per epoch per fold: history[fold][epoch] = { loss, val_loss } */
  history: { loss: number; val_loss?: number }[][]
  dataset: { train_rows: number; test_rows: number; test_positives: number }
  backend: string
  /** recipe choices worth keeping with the model (learning rate, epochs chosen by CV, class weight, feature variant) */
  details?: Record<string, number | string>
  calibration?: RecipeCalibration
  /** how each input is computed from raw values (outside the model), the target and its horizon */
  featureTransforms?: { feature: string, transform: 'log1p' | 'identity', source: string, description: string }[]
  target?: 'same-day' | 'next-days'
  horizon?: number
  /** the evaluation report (src/evaluation), saved as evaluation.json beside the version's meta.json */
  evaluation?: import('../schemas/evaluation.js').EvaluationReport
}

export interface RecipeCalibration { method: 'platt', a: number, b: number, intercept_only: boolean, fitted_on_rows: number }
