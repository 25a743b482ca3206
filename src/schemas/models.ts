import { Type, type Static } from 'typebox'
import { FilePart, JsonPart, ModelName, ProofSystem, ProofVisibility, ref } from './common.js'
import { Metrics } from './training.js'
import { FeatureTransform } from './evaluation.js'

// ---- registry ------------------------------------------------------------------------------
export const TensorInfo = Type.Object({
  name: Type.String(),
  datatype: Type.String({ description: 'FP32, FP64, INT64, ...' }),
  shape: Type.Array(Type.Integer(), { description: '-1 for a dynamic dimension' }),
}, { $id: 'TensorInfo' })

export const CircuitInfo = Type.Object({
  status: Type.Union([Type.Literal('pending'), Type.Literal('building'), Type.Literal('ready'), Type.Literal('failed'),
    Type.Literal('unsupported')]),
  constraints: Type.Optional(Type.Integer()),
  r1cs_sha256: Type.Optional(Type.String()),
  vk_sha256: Type.Optional(Type.String()),
  zkey_sha256: Type.Optional(Type.String()),
  input_scale: Type.Optional(Type.String({ description: 'inputs are quantized as round(x * input_scale)' })),
  setup: Type.Optional(Type.String({ description: 'how the proving key was made, and whom a verifier must trust' })),
  ptau: Type.Optional(Type.Object({ file: Type.String(), secure: Type.Boolean(), power: Type.Optional(Type.Integer()) })),
  build_ms: Type.Optional(Type.Number()),
  error: Type.Optional(Type.String()),
  circuit_id: Type.Optional(Type.String({ description: "private versions: the architecture's circuit, shared by its private versions" })),
  setup_trust: Type.Optional(Type.Union([Type.Literal('local-insecure'), Type.Literal('ceremony')], {
    description: "private versions: the phase 2 of the architecture's key: one operator contribution, or a verified multi-party ceremony",
  })),
  contributions: Type.Optional(Type.Array(Type.Object({
    index: Type.Integer(),
    name: Type.String(),
    type: Type.Union([Type.Literal('contribution'), Type.Literal('beacon')]),
    transcript: Type.String({ description: 'blake2b-512 hash of the contribution, as snarkjs zkey verify prints it' }),
    beacon_hash: Type.Optional(Type.String()),
  }), { description: "private versions: the phase-2 contributions recorded in the architecture's key" })),
  input_ranges: Type.Optional(Type.Array(Type.Object({
    feature: Type.String(),
    min: Type.Number({ description: 'inclusive, raw units (before the scaler)' }),
    max: Type.Number({ description: 'exclusive, raw units' }),
  }), {
    description: 'what the circuit can prove, per feature in input order (the range its Num2Bits check on each fixed-point input ' +
      'allows): a row outside gets its prediction and proof status "unprovable"',
  })),
}, { $id: 'CircuitInfo' })

/** A stored file the service cannot use (DATA_DIR damaged from outside: its files are written atomically). */
export const StorageDamage = Type.Object({
  file: Type.String({ description: 'the damaged file, relative to DATA_DIR' }),
  reason: Type.String({ description: 'what is wrong with it: not valid JSON, cut off, a sha256 other than the recorded one, missing' }),
}, {
  $id: 'StorageDamage',
  description: 'A damaged stored file: the service logged it at start (or when first read) and serves nothing from it',
})

export const VersionStatus = Type.Union([Type.Literal('ready'), Type.Literal('damaged'), Type.Literal('deleted')], {
  $id: 'VersionStatus',
  description: 'ready: served; damaged: a stored file of it is damaged (never served or proven; see damage); deleted: a tombstone ' +
    'kept so that its finished proofs stay verifiable and downloadable (never served)',
})

export const ModelVersion = Type.Object({
  name: Type.String(),
  version: Type.Integer(),
  status: ref(VersionStatus),
  damage: Type.Optional(ref(StorageDamage)),
  deleted_at: Type.Optional(Type.String({ format: 'date-time', description: 'when it was deleted (status deleted)' })),
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
  feature_transforms: Type.Optional(Type.Array(FeatureTransform, {
    description: "how each input is computed from raw values, outside the model: a proof's public inputs are these transformed values",
  })),
  target: Type.Optional(Type.Union([Type.Literal('same-day'), Type.Literal('next-days')])),
  horizon_days: Type.Optional(Type.Integer()),
  calibration: Type.Optional(Type.Object({
    method: Type.Literal('platt'), a: Type.Number(), b: Type.Number(), intercept_only: Type.Boolean(), fitted_on_rows: Type.Integer(),
  }, { description: 'Platt map on the logit, folded into the last layer: the served and proven outputs are calibrated' })),
  evaluation: Type.Optional(Type.Boolean({ description: 'true when GET .../evaluation has a report for this version' })),
  onnx_sha256: Type.String(),
  onnx_bytes: Type.Integer(),
  provable: Type.Boolean({ description: 'true once a circuit for this version is ready' }),
  proof_system: Type.Optional(ref(ProofSystem)),
  proof_visibility: Type.Optional(ProofVisibility),
  commitment: Type.Optional(Type.String({
    pattern: '^[0-9]{1,78}$',
    description: "private versions: the Poseidon commitment to the quantized weights and a secret salt (decimal); each proof's " +
      'public signal 0 must equal it',
  })),
  circuit_id: Type.Optional(Type.String({ description: "private versions: the architecture's circuit id" })),
  not_provable_reason: Type.Optional(Type.String()),
  circuit: Type.Optional(ref(CircuitInfo)),
}, { $id: 'ModelVersion', description: 'A model version: inputs, features, threshold, metrics, and its circuit (provable once ready)' })

export const ModelSummary = Type.Object({
  name: Type.String(),
  versions: Type.Array(Type.Integer(), { description: 'the versions served' }),
  aliases: Type.Record(Type.String(), Type.Integer()),
  damaged: Type.Optional(Type.Array(Type.Object({
    version: Type.Integer({ description: "0 when the damaged file is the model's own model.json (its aliases are then unknown)" }),
    file: Type.String(),
    reason: Type.String(),
  }), { description: 'versions with a damaged stored file: never served or proven until the operator repairs or deletes them' })),
  deleted: Type.Optional(Type.Array(Type.Integer(), { description: 'deleted versions (tombstones, readable by number)' })),
}, { $id: 'ModelSummary', description: 'A model: its version numbers and aliases, and its damaged and deleted versions if any' })
export const ModelList = Type.Object({ models: Type.Array(ref(ModelSummary)) }, {
  $id: 'ModelList',
  description: 'Every model with its versions and aliases'
})

export const UploadSpec = Type.Object({
  name: ModelName,
  features: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { minItems: 1, maxItems: 4096 })),
  threshold: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  // Inline, not a $ref: this schema also validates the multipart 'spec' part outside Fastify.
  proof_system: Type.Optional(Type.Union([Type.Literal('groth16'), Type.Literal('plonk')])),
  proof_visibility: Type.Optional(ProofVisibility),
}, { $id: 'UploadSpec', additionalProperties: false })
export type UploadSpecBody = Static<typeof UploadSpec>

export const Registered = Type.Object({ name: Type.String(), version: Type.Integer(), href: Type.String() }, {
  $id: 'Registered',
  description: 'The version the upload registered'
})
export const AliasRequest = Type.Object({ version: Type.Integer({ minimum: 1 }) }, { $id: 'AliasRequest', additionalProperties: false })

export const uploadMultipartBody = Type.Object({
  model: FilePart('the ONNX file'),
  spec: JsonPart(UploadSpec, 'an UploadSpec as JSON'),
}, { description: 'an ONNX model trained elsewhere and its spec' })
