import type { FeatureWindow, MinMaxScaler } from '../features/types.js'

export type RecipeName = 'tutorial' | 'default'

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
}
