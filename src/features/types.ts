/** What the feature pipeline (docs/METHOD.md sections 2-4) hands to training. */
export type FeatureVariant = 'tutorial' | 'per-token'
export type FeatureWindow = 3 | 7

/** Rows of raw (unscaled) feature values in `featureNames` order, with their label and provenance. */
export interface LabeledRows {
  X: number[][]
  y: number[]
  day: number[]
  token: string[]
}

/** Min-max scaler fitted on training rows only: scaled = (x - min) / (max - min); a zero range scales by 1. */
export interface MinMaxScaler {
  min: number[]
  max: number[]
}

export interface FeatureDataset {
  variant: FeatureVariant
  window: FeatureWindow
  featureNames: string[]
  /** First day (EpochDay) of the test split: day >= last day - 40. */
  testFromDay: number
  train: LabeledRows
  test: LabeledRows
  /** Fitted on train.X; training and export apply it (the exported ONNX graph embeds it). */
  scaler: MinMaxScaler
}
