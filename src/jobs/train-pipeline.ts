import type { FetchLimits, DataSource } from '../data/sources.js'
import type { DatasetName, GizaDatasets } from '../data/types.js'
import type { BackendName } from '../training/backend.js'
import type { RecipeName, TrainedModel, TrainingProgress } from '../training/types.js'

/** What a training job needs; plain data so that it crosses into a worker thread by structured clone. */
export interface TrainingJobSpec {
  recipe: RecipeName
  window: 3 | 7
  seed: number
  epochs?: number
  /** forecast only: days ahead (default 1) */
  horizon?: number
  /** walk-forward evaluation: on by default for nowcast / forecast; `false` skips it, an object tunes it */
  walkForward?: boolean | { testDays?: number, stepDays?: number, spanDays?: number }
  data: { synthetic: { seed?: number, days?: number } } | { sources: Record<DatasetName, DataSource> }
  limits: FetchLimits
  /** tfjs backend to force (config TFJS_BACKEND, 'auto' = none). */
  backend?: BackendName
}

export interface TrainingJobResult {
  model: TrainedModel
  onnx: Uint8Array
}

/**
 * The whole job in the current thread: load data (synthetic or the five sources), build the feature
 * variant that belongs to the recipe (tutorial -> 'tutorial', default -> 'per-token'), train, export.
 * train-worker.ts runs this off the event loop; tests and scripts may call it directly.
 */
export async function runTrainingPipeline (
  spec: TrainingJobSpec,
  opts: { onProgress?: (p: TrainingProgress) => void, signal?: AbortSignal } = {}
): Promise<TrainingJobResult> {
  const data = await loadData(spec)
  // tfjs is loaded only now, so that a bad source is reported without waiting for it
  const { exportOnnx } = await import('../onnx/write.js')
  const { buildRecipeFeatures } = await import('../features/recipe-features.js')
  const { trainAndEvaluate } = await import('../evaluation/evaluate.js')
  // tutorial and default: METHOD's rows, split and scaler as buildFeatureDataset makes them (same weights as before)
  const set = buildRecipeFeatures(data, spec.recipe, spec.window, spec.horizon)
  const wf = spec.walkForward ?? (spec.recipe === 'nowcast' || spec.recipe === 'forecast')
  const { model, evaluation } = await trainAndEvaluate(set, {
    recipe: spec.recipe,
    seed: spec.seed,
    epochs: spec.epochs,
    ...(spec.backend !== undefined ? { train: { backend: spec.backend } } : {}),
    walkForward: wf === false ? false : wf === true ? {} : wf,
    onProgress: opts.onProgress,
    signal: opts.signal,
  })
  // METHOD's recipes export the same ONNX bytes as before this report existed (identity transforms, same-day
  // target): only the lag recipes add their transforms, target and horizon to the ONNX metadata.
  const lagged = spec.recipe === 'nowcast' || spec.recipe === 'forecast'
  const onnx = exportOnnx(lagged ? { ...model, featureTransforms: set.transforms, target: set.target, horizon: set.horizon } : model)
  return { model: { ...model, featureTransforms: set.transforms, target: set.target, horizon: set.horizon, evaluation }, onnx }
}

async function loadData (spec: TrainingJobSpec): Promise<GizaDatasets> {
  if ('synthetic' in spec.data) {
    const { generateSyntheticDatasets } = await import('../data/synthetic.js')
    const { seed, days } = spec.data.synthetic
    return generateSyntheticDatasets({ seed: seed ?? spec.seed, ...(days !== undefined ? { days } : {}) })
  }
  const { loadGizaDatasets } = await import('../data/index.js')
  return await loadGizaDatasets(spec.data.sources, spec.limits)
}
