import { Type, type Static } from 'typebox'
import { FilePart, JsonPart, ModelName, ProofSystem, ProofVisibility, JobStatus, ref } from './common.js'

// ---- training ------------------------------------------------------------------------------
const SourceUrl = Type.String({
  pattern: '^[A-Za-z][A-Za-z0-9+.-]*:',
  maxLength: 2048,
  description: 'http(s) URL of a .csv, .parquet, .arrow/.arrows or .json file'
})
export const DataSources = Type.Object({
  liquidations_v2: SourceUrl,
  liquidations_v3: SourceUrl,
  deposits_borrows_v2: SourceUrl,
  deposits_borrows_v3: SourceUrl,
  token_prices: SourceUrl,
}, { $id: 'DataSources', additionalProperties: false })

export const SyntheticOptions = Type.Object({
  seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 })),
  days: Type.Optional(Type.Integer({ minimum: 90, maximum: 3650, description: 'length of the generated history' })),
}, { $id: 'SyntheticOptions', additionalProperties: false })

export const TrainRequest = Type.Object({
  model: ModelName,
  recipe: Type.Optional(Type.Union([Type.Literal('tutorial'), Type.Literal('default'), Type.Literal('nowcast'), Type.Literal('forecast')], {
    default: 'default',
    description: "tutorial: METHOD.md's reproduction; default: METHOD's features, better training; " +
      "nowcast: + the token's and the market's " +
      'liquidation history (labels the day its features describe); forecast: labels day t + horizon from data up to day t',
  })),
  window: Type.Optional(Type.Union([Type.Literal(3), Type.Literal(7)], { default: 7 })),
  seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 })),
  epochs: Type.Optional(Type.Integer({ minimum: 1, maximum: 2000 })),
  horizon: Type.Optional(Type.Integer({ minimum: 1, maximum: 14, description: 'forecast recipe: days ahead (default 1)' })),
  walk_forward: Type.Optional(Type.Union([Type.Boolean(), Type.Object({
    test_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 90, description: 'days each fold tests (default 7)' })),
    step_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 90, description: 'days between origins (default 7)' })),
    span_days: Type.Optional(Type.Integer({
      minimum: 7, maximum: 3650, description: 'origins over the last span_days labelled days (default 180)',
    })),
  }, { additionalProperties: false })], {
    description: 'walk-forward backtest saved with the version (default: on for nowcast and forecast, off for tutorial and default)',
  })),
  proof_system: Type.Optional(ref(ProofSystem)),
  proof_visibility: Type.Optional(ProofVisibility),
  data: Type.Optional(Type.Union([
    Type.Object({ synthetic: ref(SyntheticOptions) }, { additionalProperties: false }),
    Type.Object({ sources: ref(DataSources) }, { additionalProperties: false }),
  ], { description: 'synthetic data (the default) or five dataset URLs' })),
}, { $id: 'TrainRequest', additionalProperties: false })
export type TrainRequestBody = Static<typeof TrainRequest>

export const TrainProgress = Type.Object({
  fold: Type.Integer(),
  folds: Type.Integer(),
  epoch: Type.Integer(),
  epochs: Type.Integer(),
  loss: Type.Union([Type.Number(), Type.Null()]),
  stage: Type.Optional(Type.Union([Type.Literal('walk-forward'), Type.Literal('final')], {
    description: 'walk-forward folds first, then the final model',
  })),
  walk_forward: Type.Optional(Type.Object({ fold: Type.Integer(), folds: Type.Integer() }, {
    description: 'the walk-forward fold being trained',
  })),
}, { $id: 'TrainProgress' })

export const Metrics = Type.Object({
  accuracy: Type.Number(),
  precision: Type.Number(),
  recall: Type.Number(),
  f1: Type.Number(),
  roc_auc: Type.Number(),
  pr_auc: Type.Optional(Type.Number()),
  confusion: Type.Optional(Type.Object({ tp: Type.Integer(), fp: Type.Integer(), tn: Type.Integer(), fn: Type.Integer() })),
  threshold: Type.Optional(Type.Number()),
  cv: Type.Array(Type.Number()),
  cv_avg: Type.Number(),
  cv_std: Type.Number(),
}, { $id: 'Metrics' })

export const ModelRef = Type.Object({ name: Type.String(), version: Type.Integer() }, { $id: 'ModelRef' })

export const TrainJob = Type.Object({
  id: Type.String(),
  status: ref(JobStatus),
  href: Type.String(),
  created: Type.String({ format: 'date-time' }),
  started: Type.Optional(Type.String({ format: 'date-time' })),
  finished: Type.Optional(Type.String({ format: 'date-time' })),
  spec: Type.Object({
    model: Type.String(),
    recipe: Type.String(),
    window: Type.Integer(),
    seed: Type.Integer(),
    epochs: Type.Optional(Type.Integer()),
    horizon: Type.Optional(Type.Integer()),
    walk_forward: Type.Optional(Type.Union([Type.Boolean(), Type.Object({
      test_days: Type.Optional(Type.Integer()), step_days: Type.Optional(Type.Integer()), span_days: Type.Optional(Type.Integer()),
    })])),
    proof_system: Type.Optional(Type.String()),
    proof_visibility: Type.Optional(ProofVisibility),
    data: Type.String({ description: 'synthetic, urls or upload' }),
  }),
  progress: Type.Optional(ref(TrainProgress)),
  dataset: Type.Optional(Type.Object({ train_rows: Type.Integer(), test_rows: Type.Integer(), test_positives: Type.Integer() })),
  metrics: Type.Optional(ref(Metrics)),
  model: Type.Optional(ref(ModelRef)),
  backend: Type.Optional(Type.String({ description: 'tfjs backend that trained it' })),
  train_ms: Type.Optional(Type.Number()),
  error: Type.Optional(Type.String()),
}, {
  $id: 'TrainJob',
  description: 'A training job: its spec, status, progress, and once done its dataset sizes, metrics and the model ' +
  'version it registered'
})

export const TrainJobList = Type.Object({
  jobs: Type.Array(ref(TrainJob)),
  next: Type.Union([Type.String(), Type.Null()], { description: 'Cursor of the next page (GET /train?cursor=...), null on the last page' }),
  damaged: Type.Optional(Type.Array(Type.Object({
    id: Type.String(),
    file: Type.String({ description: 'relative to DATA_DIR' }),
    reason: Type.String(),
  }), { description: 'job records the service cannot read (first page only); GET /train/{id} of one answers 500 storage_damaged' })),
}, {
  $id: 'TrainJobList',
  description: 'Training jobs, newest first, one page'
})

export const trainMultipartBody = Type.Object({
  spec: JsonPart(TrainRequest, 'a TrainRequest without `data`, as JSON'),
  liquidations_v2: FilePart('Aave v2 liquidations (.csv, .parquet, .arrow/.arrows or .json)'),
  liquidations_v3: FilePart('Aave v3 liquidations'),
  deposits_borrows_v2: FilePart('Aave v2 daily deposits and borrows'),
  deposits_borrows_v3: FilePart('Aave v3 daily deposits and borrows'),
  token_prices: FilePart('daily token prices and volumes'),
}, { description: 'the training spec and the five dataset files' })
