import { DataError } from '../errors.js'
import type { FeatureDataset } from '../features/types.js'
import { initBackend, type BackendName } from './backend.js'
import { classificationMetrics, meanStd } from './metrics.js'
import { ARCHITECTURE, paramsToLayers, scaleRows } from './network.js'
import type { RecipeContext, RecipeResult } from './recipes/context.js'
import { trainDefault, type DefaultRecipeOptions } from './recipes/default.js'
import { trainTutorial } from './recipes/tutorial.js'
import { trainCalibrated, type CalibratedRecipeOptions } from './recipes/calibrated.js'
import type { RecipeName, TrainedModel, TrainingProgress } from './types.js'

export interface TrainOptions {
  recipe: RecipeName
  seed: number
  /** overrides the recipe's epochs (per fold for `tutorial`, the maximum searched for `default`) */
  epochs?: number
  /**
   * at most ~5 calls a second, plus the last epoch of every fold. `folds` counts every training run:
   * 5 for `tutorial`; for `default` 5 per learning rate tried, then 1 for the final fit.
   */
  onProgress?: (p: TrainingProgress) => void
  signal?: AbortSignal
  /** tfjs backend to force (config TFJS_BACKEND); default the fastest that loads. */
  backend?: BackendName
  /** experiments only: overrides of the default recipe's search space (learning rates, max epochs...) */
  defaultRecipe?: Partial<DefaultRecipeOptions>
  /** experiments only: overrides of the nowcast / forecast recipe (validation days, learning rate...) */
  calibratedRecipe?: Partial<CalibratedRecipeOptions>
  /** experiments only (scripts/tune-nowcast.ts): train the nowcast with the default recipe's CV search instead */
  nowcastTrainer?: 'calibrated' | 'default'
}

const PROGRESS_INTERVAL_MS = 200

/**
 * Trains one model version on a feature dataset (raw rows + fitted scaler) with a recipe and seed.
 * The same dataset, recipe, seed and backend give the same weights.
 */
export async function trainModel (dataset: FeatureDataset, opts: TrainOptions): Promise<TrainedModel> {
  checkDataset(dataset, opts.recipe)
  const backend = await initBackend(opts.backend)
  throwIfAborted(opts.signal)

  const features = dataset.featureNames.length
  const arch = [features, ...ARCHITECTURE.slice(1)]
  const xTrain = scaleRows(dataset.train.X, dataset.scaler)
  const xTest = scaleRows(dataset.test.X, dataset.scaler)
  let lastEmit = 0
  const ctx: RecipeContext = {
    xTrain,
    yTrain: Float64Array.from(dataset.train.y),
    trainRows: dataset.train.y.length,
    features,
    arch,
    trainDays: dataset.train.day,
    seed: opts.seed,
    epochs: opts.epochs,
    progress: (p, final) => {
      if (opts.onProgress === undefined) return
      const now = Date.now()
      if (final === true || now - lastEmit >= PROGRESS_INTERVAL_MS) {
        lastEmit = now
        opts.onProgress(p)
      }
    },
    checkpoint: async () => {
      // Yield so that an abort (or anything else queued) gets a turn; one epoch is ~10-30 ms.
      await new Promise<void>((resolve) => setImmediate(resolve))
      throwIfAborted(opts.signal)
    },
  }

  let result: RecipeResult
  switch (opts.recipe) {
    case 'tutorial': result = await trainTutorial(ctx); break
    case 'default': result = await trainDefault(ctx, opts.defaultRecipe); break
    case 'nowcast':
      result = opts.nowcastTrainer === 'default'
        ? await trainDefault(ctx, opts.defaultRecipe)
        : await trainCalibrated(ctx, opts.calibratedRecipe)
      break
    case 'forecast': result = await trainCalibrated(ctx, opts.calibratedRecipe); break
    default: throw new Error(`unknown recipe ${String(opts.recipe)}`)
  }
  try {
    const testRows = dataset.test.y.length
    const p = testRows > 0 ? result.predict(xTest, testRows) : new Float32Array(0)
    const m = classificationMetrics(p, dataset.test.y, result.threshold)
    const { mean, std } = meanStd(result.cv)
    return {
      recipe: opts.recipe,
      window: dataset.window,
      seed: opts.seed,
      featureNames: dataset.featureNames.slice(),
      scaler: { min: dataset.scaler.min.slice(), max: dataset.scaler.max.slice() },
      layers: paramsToLayers(result.params, result.arch ?? arch),
      threshold: result.threshold,
      metrics: { ...m, cv: result.cv, cv_avg: mean, cv_std: std },
      history: result.history,
      dataset: {
        train_rows: dataset.train.y.length,
        test_rows: testRows,
        test_positives: dataset.test.y.reduce((a, b) => a + (b === 1 ? 1 : 0), 0),
      },
      backend,
      details: { ...result.details, variant: dataset.variant },
      ...(result.calibration !== undefined ? { calibration: result.calibration } : {}),
    }
  } finally {
    result.dispose()
  }
}

function checkDataset (d: FeatureDataset, recipe: RecipeName): void {
  // METHOD's recipes keep its 10-input net; nowcast and forecast size the first layer to their features.
  const features = recipe === 'tutorial' || recipe === 'default' ? ARCHITECTURE[0] : d.featureNames.length
  if (d.featureNames.length !== features || features < 1) {
    throw new DataError(`the network takes ${features} features, the dataset has ${d.featureNames.length}`)
  }
  if (d.scaler.min.length !== features || d.scaler.max.length !== features) {
    throw new DataError(`the scaler has ${d.scaler.min.length} columns, expected ${features}`)
  }
  if (d.train.y.length < 10) {
    throw new DataError(`too few training rows for 5-fold cross-validation: ${d.train.y.length}`)
  }
  for (const [part, rows] of [['train', d.train], ['test', d.test]] as const) {
    if (rows.X.length !== rows.y.length) throw new DataError(`${part}: ${rows.X.length} rows but ${rows.y.length} labels`)
    for (let r = 0; r < rows.X.length; r++) {
      const row = rows.X[r]
      if (row.length !== features) throw new DataError(`${part} row ${r} has ${row.length} features, expected ${features}`, { row: r })
      for (let j = 0; j < features; j++) {
        if (!Number.isFinite(row[j])) {
          throw new DataError(`${part} row ${r}: feature ${d.featureNames[j]} is not a finite number`, {
            column: d.featureNames[j],
            row: r
          })
        }
      }
      if (rows.y[r] !== 0 && rows.y[r] !== 1) throw new DataError(`${part} row ${r}: label must be 0 or 1`, { row: r })
    }
  }
}

function throwIfAborted (signal?: AbortSignal): void {
  if (signal?.aborted === true) {
    const err = new Error('training aborted')
    err.name = 'AbortError'
    throw err
  }
}
