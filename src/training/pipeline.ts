import type { FetchLimits } from '../data/sources.js'
import type { DataSource } from '../data/sources.js'
import type { DatasetName, GizaDatasets } from '../data/types.js'
import type { BackendName } from './backend.js'
import type { RecipeName, TrainedModel, TrainingProgress } from './types.js'

/** What a training job needs; plain data so that it crosses into a worker thread by structured clone. */
export interface TrainingJobSpec {
  recipe: RecipeName
  window: 3 | 7
  seed: number
  epochs?: number
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
 * worker.ts runs this off the event loop; tests and scripts may call it directly.
 */
export async function runTrainingPipeline (
  spec: TrainingJobSpec,
  opts: { onProgress?: (p: TrainingProgress) => void, signal?: AbortSignal } = {},
): Promise<TrainingJobResult> {
  const data = await loadData(spec)
  // tfjs is loaded only now, so that a bad source is reported without waiting for it
  const { trainModel } = await import('./train.js')
  const { exportOnnx } = await import('../onnx/write.js')
  const { buildFeatureDataset } = await import('../features/index.js')
  const dataset = buildFeatureDataset(data, { variant: spec.recipe === 'tutorial' ? 'tutorial' : 'per-token', window: spec.window })
  const model = await trainModel(dataset, { recipe: spec.recipe, seed: spec.seed, epochs: spec.epochs, backend: spec.backend, onProgress: opts.onProgress, signal: opts.signal })
  return { model, onnx: exportOnnx(model) }
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
