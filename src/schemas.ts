import { Type, type Static, type TSchema } from 'typebox'

/**
 * One TypeBox schema per shape of the API. Each has an `$id`: the app registers them with
 * `addSchema`, routes point at them with `ref()`, and @fastify/swagger turns every `$id` into a
 * named component of the OpenAPI document, so generated clients get real type names.
 */
export function ref<T extends TSchema> (schema: T): T {
  // Keeps the static type of the target for the type provider while sending `$ref` on the wire.
  return { $ref: `${(schema as { $id?: string }).$id}#` } as unknown as T
}

export const NAME_PATTERN = '^[a-z0-9][a-z0-9_-]{0,63}$'
export const ModelName = Type.String({ pattern: NAME_PATTERN, description: 'lower-case letters, digits, - and _, at most 64' })
export const VersionSelector = Type.String({ pattern: '^([1-9][0-9]{0,8}|[a-z][a-z0-9_-]{0,63})$', description: 'a version number or an alias such as latest' })

export const ErrorResponse = Type.Object({
  error: Type.String({ description: 'machine-readable code' }),
  message: Type.String({ description: 'what is wrong, and where' }),
  where: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]))),
}, { $id: 'Error', additionalProperties: false, description: 'What went wrong: a machine-readable code, and a message that names the field, row or column and says what to send instead' })

export const ProofSystem = Type.Union([Type.Literal('groth16'), Type.Literal('plonk')], { $id: 'ProofSystem' })
export const JobStatus = Type.Union([Type.Literal('queued'), Type.Literal('running'), Type.Literal('succeeded'), Type.Literal('failed')], { $id: 'JobStatus' })
export const ProofStatus = Type.Union([Type.Literal('queued'), Type.Literal('proving'), Type.Literal('succeeded'), Type.Literal('failed')], { $id: 'ProofStatus' })

// ---- training ------------------------------------------------------------------------------
const SourceUrl = Type.String({ pattern: '^[A-Za-z][A-Za-z0-9+.-]*:', maxLength: 2048, description: 'http(s) URL of a .csv, .parquet, .arrow/.arrows or .json file' })
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
  recipe: Type.Optional(Type.Union([Type.Literal('tutorial'), Type.Literal('default')], { default: 'default' })),
  window: Type.Optional(Type.Union([Type.Literal(3), Type.Literal(7)], { default: 7 })),
  seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 })),
  epochs: Type.Optional(Type.Integer({ minimum: 1, maximum: 2000 })),
  proof_system: Type.Optional(ref(ProofSystem)),
  data: Type.Optional(Type.Union([
    Type.Object({ synthetic: ref(SyntheticOptions) }, { additionalProperties: false }),
    Type.Object({ sources: ref(DataSources) }, { additionalProperties: false }),
  ], { description: 'synthetic data (the default) or five dataset URLs' })),
}, { $id: 'TrainRequest', additionalProperties: false })
export type TrainRequestBody = Static<typeof TrainRequest>

export const TrainProgress = Type.Object({
  fold: Type.Integer(), folds: Type.Integer(), epoch: Type.Integer(), epochs: Type.Integer(),
  loss: Type.Union([Type.Number(), Type.Null()]),
}, { $id: 'TrainProgress' })

export const Metrics = Type.Object({
  accuracy: Type.Number(), precision: Type.Number(), recall: Type.Number(), f1: Type.Number(),
  roc_auc: Type.Number(), pr_auc: Type.Optional(Type.Number()),
  confusion: Type.Optional(Type.Object({ tp: Type.Integer(), fp: Type.Integer(), tn: Type.Integer(), fn: Type.Integer() })),
  threshold: Type.Optional(Type.Number()),
  cv: Type.Array(Type.Number()), cv_avg: Type.Number(), cv_std: Type.Number(),
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
    model: Type.String(), recipe: Type.String(), window: Type.Integer(), seed: Type.Integer(),
    epochs: Type.Optional(Type.Integer()), proof_system: Type.Optional(Type.String()), data: Type.String({ description: 'synthetic, urls or upload' }),
  }),
  progress: Type.Optional(ref(TrainProgress)),
  dataset: Type.Optional(Type.Object({ train_rows: Type.Integer(), test_rows: Type.Integer(), test_positives: Type.Integer() })),
  metrics: Type.Optional(ref(Metrics)),
  model: Type.Optional(ref(ModelRef)),
  backend: Type.Optional(Type.String({ description: 'tfjs backend that trained it' })),
  train_ms: Type.Optional(Type.Number()),
  error: Type.Optional(Type.String()),
}, { $id: 'TrainJob', description: 'A training job: its spec, status, progress, and once done its dataset sizes, metrics and the model version it registered' })

export const TrainJobList = Type.Object({
  jobs: Type.Array(ref(TrainJob)),
  next: Type.Union([Type.String(), Type.Null()], { description: 'Cursor of the next page (GET /train?cursor=...), null on the last page' }),
}, { $id: 'TrainJobList', description: 'Training jobs, newest first, one page' })

// ---- registry ------------------------------------------------------------------------------
export const TensorInfo = Type.Object({
  name: Type.String(),
  datatype: Type.String({ description: 'FP32, FP64, INT64, ...' }),
  shape: Type.Array(Type.Integer(), { description: '-1 for a dynamic dimension' }),
}, { $id: 'TensorInfo' })

export const CircuitInfo = Type.Object({
  status: Type.Union([Type.Literal('pending'), Type.Literal('building'), Type.Literal('ready'), Type.Literal('failed'), Type.Literal('unsupported')]),
  constraints: Type.Optional(Type.Integer()),
  r1cs_sha256: Type.Optional(Type.String()),
  vk_sha256: Type.Optional(Type.String()),
  zkey_sha256: Type.Optional(Type.String()),
  input_scale: Type.Optional(Type.String({ description: 'inputs are quantized as round(x * input_scale)' })),
  setup: Type.Optional(Type.String({ description: 'how the proving key was made, and whom a verifier must trust' })),
  ptau: Type.Optional(Type.Object({ file: Type.String(), secure: Type.Boolean(), power: Type.Optional(Type.Integer()) })),
  build_ms: Type.Optional(Type.Number()),
  error: Type.Optional(Type.String()),
}, { $id: 'CircuitInfo' })

export const ModelVersion = Type.Object({
  name: Type.String(),
  version: Type.Integer(),
  created: Type.String({ format: 'date-time' }),
  aliases: Type.Array(Type.String()),
  inputs: Type.Array(ref(TensorInfo)),
  outputs: Type.Array(ref(TensorInfo)),
  features: Type.Union([Type.Array(Type.String()), Type.Null()]),
  threshold: Type.Number(),
  source: Type.Union([Type.Literal('trained'), Type.Literal('uploaded')]),
  recipe: Type.Optional(Type.String()),
  window: Type.Optional(Type.Integer()),
  seed: Type.Optional(Type.Integer()),
  metrics: Type.Optional(ref(Metrics)),
  dataset: Type.Optional(Type.Object({ train_rows: Type.Integer(), test_rows: Type.Integer(), test_positives: Type.Integer() })),
  onnx_sha256: Type.String(),
  onnx_bytes: Type.Integer(),
  provable: Type.Boolean({ description: 'true once a circuit for this version is ready' }),
  proof_system: Type.Optional(ref(ProofSystem)),
  not_provable_reason: Type.Optional(Type.String()),
  circuit: Type.Optional(ref(CircuitInfo)),
}, { $id: 'ModelVersion', description: 'A model version: inputs, features, threshold, metrics, and its circuit (provable once ready)' })

export const ModelSummary = Type.Object({
  name: Type.String(),
  versions: Type.Array(Type.Integer()),
  aliases: Type.Record(Type.String(), Type.Integer()),
}, { $id: 'ModelSummary', description: 'A model: its version numbers and aliases' })
export const ModelList = Type.Object({ models: Type.Array(ref(ModelSummary)) }, { $id: 'ModelList', description: 'Every model with its versions and aliases' })

export const UploadSpec = Type.Object({
  name: ModelName,
  features: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { minItems: 1, maxItems: 4096 })),
  threshold: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  // Inline, not a $ref: this schema also validates the multipart 'spec' part outside Fastify.
  proof_system: Type.Optional(Type.Union([Type.Literal('groth16'), Type.Literal('plonk')])),
}, { $id: 'UploadSpec', additionalProperties: false })
export type UploadSpecBody = Static<typeof UploadSpec>

export const Registered = Type.Object({ name: Type.String(), version: Type.Integer(), href: Type.String() }, { $id: 'Registered', description: 'The version the upload registered' })
export const AliasRequest = Type.Object({ version: Type.Integer({ minimum: 1 }) }, { $id: 'AliasRequest', additionalProperties: false })

// ---- prediction ----------------------------------------------------------------------------
export const ProofHandle = Type.Object({
  id: Type.String(), status: ref(ProofStatus), href: Type.String(),
}, { $id: 'ProofHandle' })

export const PredictRequest = Type.Object({
  model: ModelName,
  version: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), VersionSelector])),
  instances: Type.Union([
    Type.Array(Type.Array(Type.Number(), { minItems: 1, maxItems: 4096 }), { minItems: 1 }),
    Type.Array(Type.Record(Type.String({ maxLength: 128 }), Type.Number()), { minItems: 1 }),
  ], { description: 'rows of feature values: positional (model input order) or named (model feature names)' }),
  proof: Type.Optional(Type.Boolean({ description: 'attach a zero-knowledge proof to each prediction (default: true for provable models)' })),
}, { $id: 'PredictRequest', additionalProperties: false })
export type PredictRequestBody = Static<typeof PredictRequest>

export const Prediction = Type.Object({
  probability: Type.Number(),
  label: Type.Integer({ minimum: 0, maximum: 1 }),
  proof: Type.Optional(ref(ProofHandle)),
}, { $id: 'Prediction' })

export const PredictResponse = Type.Object({
  model: Type.String(),
  version: Type.Integer(),
  threshold: Type.Number(),
  predictions: Type.Array(ref(Prediction)),
  proof_error: Type.Optional(Type.String({ description: 'why no proof is attached although one was asked for' })),
}, { $id: 'PredictResponse', description: 'One prediction per instance, in order, each with a proof handle when proofs are made' })

export const ArrowPredictQuery = Type.Object({
  model: ModelName,
  version: Type.Optional(VersionSelector),
  proof: Type.Optional(Type.Boolean()),
}, { additionalProperties: false })

// ---- proofs --------------------------------------------------------------------------------
const SnarkjsObject = Type.Object({}, { additionalProperties: true, description: 'snarkjs JSON, as snarkjs writes it' })

export const ProofOutput = Type.Object({
  logit: Type.Number(), probability: Type.Number(), label: Type.Integer(),
}, { $id: 'ProofOutput' })

export const Proof = Type.Object({
  id: Type.String(),
  status: ref(ProofStatus),
  model: Type.String(),
  version: Type.Integer(),
  proof_system: ref(ProofSystem),
  created: Type.String({ format: 'date-time' }),
  public_signals: Type.Optional(Type.Array(Type.String())),
  proof: Type.Optional(SnarkjsObject),
  output: Type.Optional(ref(ProofOutput)),
  served: Type.Optional(Type.Object({ probability: Type.Number(), label: Type.Integer() }, { description: 'what /predict answered for this row' })),
  prove_ms: Type.Optional(Type.Number()),
  error: Type.Optional(Type.String()),
}, { $id: 'Proof', description: 'A proof job: status, and once succeeded the proof, its public signals and the proven output' })

export const ProofBundle = Type.Object({
  proof_system: ref(ProofSystem),
  proof: SnarkjsObject,
  public_signals: Type.Array(Type.String({ pattern: '^[0-9]{1,78}$' }), { maxItems: 10_000 }),
  verification_key: SnarkjsObject,
  model: Type.Object({ name: ModelName, version: Type.Integer({ minimum: 1 }), onnx_sha256: Type.String() }),
}, { $id: 'ProofBundle', description: 'Everything needed to verify a proof offline: proof, public signals, verification key, and the model version it proves' })

export const VerificationKey = Type.Object({
  protocol: Type.String({ description: 'groth16 or plonk' }),
  curve: Type.String({ description: 'bn128' }),
  nPublic: Type.Integer({ description: 'number of public signals' }),
}, { $id: 'VerificationKey', additionalProperties: true, description: "snarkjs verification key (the file `snarkjs zkey export verificationkey` writes)" })

export const VerifyResult = Type.Object({
  verified: Type.Boolean(),
  verification_ms: Type.Number(),
  reason: Type.Optional(Type.String()),
}, { $id: 'VerifyResult', description: 'Whether the proof verifies, and if not, why' })

export const sharedSchemas: TSchema[] = [
  ErrorResponse, ProofSystem, JobStatus, ProofStatus, DataSources, SyntheticOptions, TrainRequest, TrainProgress, Metrics,
  ModelRef, TrainJob, TrainJobList, TensorInfo, CircuitInfo, ModelVersion, ModelSummary, ModelList, UploadSpec, Registered,
  AliasRequest, ProofHandle, PredictRequest, Prediction, PredictResponse, ProofOutput, Proof, ProofBundle, VerificationKey, VerifyResult,
]

// ---- multipart bodies (for the OpenAPI document: the handlers read and validate the parts one by one) ----
const FilePart = (description: string): TSchema => Type.String({ contentMediaType: 'application/octet-stream', description })
const JsonPart = (schema: TSchema, description: string): TSchema => Type.String({ contentMediaType: 'application/json', contentSchema: ref(schema), description })

export const uploadMultipartBody = Type.Object({
  model: FilePart('the ONNX file'),
  spec: JsonPart(UploadSpec, 'an UploadSpec as JSON'),
}, { description: 'an ONNX model trained elsewhere and its spec' })

export const trainMultipartBody = Type.Object({
  spec: JsonPart(TrainRequest, 'a TrainRequest without `data`, as JSON'),
  liquidations_v2: FilePart('Aave v2 liquidations (.csv, .parquet, .arrow/.arrows or .json)'),
  liquidations_v3: FilePart('Aave v3 liquidations'),
  deposits_borrows_v2: FilePart('Aave v2 daily deposits and borrows'),
  deposits_borrows_v3: FilePart('Aave v3 daily deposits and borrows'),
  token_prices: FilePart('daily token prices and volumes'),
}, { description: 'the training spec and the five dataset files' })

/** A fault of the service itself: any route may answer it (the error handler logs the cause). */
export const serverError = { 500: ref(ErrorResponse) }

/** Error responses of a route that reads an id or name from its path: bad value, not found, server fault. */
export const errorResponses = {
  400: ref(ErrorResponse),
  404: ref(ErrorResponse),
  ...serverError,
}

/** A JSON body can also be too large (BODY_LIMIT) or of the wrong content type. */
export const bodyErrors = {
  413: ref(ErrorResponse),
  415: ref(ErrorResponse),
}
