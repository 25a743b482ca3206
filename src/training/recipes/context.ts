import type { TrainingProgress } from '../types.js'

/** What train.ts hands a recipe: scaled rows, labels, the seed and the progress / abort plumbing. */
export interface RecipeContext {
  /** scaled training rows, row-major [trainRows x features] */
  xTrain: Float32Array
  yTrain: Float64Array
  trainRows: number
  features: number
  /** layer sizes [features, 32, 16, 1] (METHOD's net; the nowcast and forecast recipes have more inputs) */
  arch: readonly number[]
  /** the labelled day of each training row (ordered by day): recipes that hold out the latest days use it */
  trainDays?: ArrayLike<number>
  seed: number
  /** overrides the recipe's epoch count (tests, quick runs) */
  epochs?: number
  /** called after every epoch; train.ts throttles what reaches the user */
  progress: (p: TrainingProgress, final?: boolean) => void
  /** throws when the job was aborted; awaited once per epoch so that the event loop can deliver an abort */
  checkpoint: () => Promise<void>
}

export interface RecipeResult {
  params: Float32Array
  /** layer sizes of `params` when the recipe chose its own hidden widths (else ctx.arch) */
  arch?: readonly number[]
  threshold: number
  cv: number[]
  history: { loss: number, val_loss?: number }[][]
  /** probabilities for scaled rows with the final parameters (the trainer's backend) */
  predict: (x: Float32Array, rows: number) => Float32Array
  dispose: () => void
  /** recipe-specific choices worth keeping in the model card (lr, epochs chosen, weights...) */
  details: Record<string, number | string>
  /** the calibration folded into `params` (nowcast, forecast) */
  calibration?: { method: 'platt', a: number, b: number, intercept_only: boolean, fitted_on_rows: number }
}
