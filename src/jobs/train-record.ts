import type { DatasetName } from '../data/types.js'
import type { DataSource } from '../data/sources.js'
import type { TrainedModel, TrainingProgress } from '../training/types.js'
import type { ProofSystemName } from '../registry/registry.js'
import type { StoredJob } from './job-store.js'

// The record types on their own, below both the training jobs and their stores (which import them): no circle.
export interface TrainSpec {
  model: string
  recipe: 'tutorial' | 'default' | 'nowcast' | 'forecast'
  window: 3 | 7
  seed: number
  epochs?: number
  horizon?: number
  walk_forward?: boolean | { test_days?: number, step_days?: number, span_days?: number }
  proof_system?: ProofSystemName
  /** private: the version is registered with a commitment and proven with its architecture's circuit (issue 14) */
  proof_visibility?: 'public' | 'private'
  data: { synthetic: { seed?: number, days?: number } } | { sources: Record<DatasetName, DataSource> }
}

export interface TrainJobRecord extends StoredJob {
  status: 'queued' | 'running' | 'succeeded' | 'failed'
  href: string
  started?: string
  finished?: string
  spec: {
    model: string,
    recipe: string,
    window: number,
    seed: number,
    epochs?: number,
    horizon?: number,
    walk_forward?: TrainSpec['walk_forward'],
    proof_system?: string,
    proof_visibility?: 'public' | 'private',
    data: 'synthetic' | 'urls' | 'upload'
  }
  /** The full spec, kept so a queued job can resume after a restart (uploaded files live in uploadDir). */
  request: TrainSpec
  uploadDir?: string
  progress?: TrainingProgress
  dataset?: TrainedModel['dataset']
  metrics?: TrainedModel['metrics']
  model?: { name: string, version: number }
  backend?: string
  train_ms?: number
  /** The trace context of the request that started the job (W3C traceparent), when traces are on. */
  trace?: Record<string, string>
  error?: string
}
