import { Type, type Static } from 'typebox'
import { ModelName, ProofStatus, VersionSelector, ref } from './common.js'

// ---- prediction ----------------------------------------------------------------------------
export const ProofHandle = Type.Object({
  id: Type.String(),
  status: ref(ProofStatus),
  href: Type.String(),
  row: Type.Optional(Type.Integer({ minimum: 0, description: 'proof "batch": this prediction\'s row in the batch proof' })),
}, { $id: 'ProofHandle' })

/** `proof`: true (one proof per row), false (none), or "batch" (one proof for all rows, issue 15). */
export const ProofRequest = Type.Union([Type.Boolean(), Type.Literal('batch')], {
  description: 'true: a zero-knowledge proof per prediction (default for provable models); false: none; "batch": one proof for ' +
    'all rows of the request (at most MAX_BATCH_PROOF rows), each prediction naming its row',
})

/** A row the circuit cannot prove (a feature outside `circuit.input_ranges`): no job is made. */
export const UnprovableProof = Type.Object({
  status: Type.Literal('unprovable'),
  reason: Type.String({ description: 'the feature, its value and the range the circuit can prove' }),
}, { $id: 'UnprovableProof' })

export const PredictRequest = Type.Object({
  model: ModelName,
  version: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), VersionSelector])),
  instances: Type.Union([
    Type.Array(Type.Array(Type.Number(), { minItems: 1, maxItems: 4096 }), { minItems: 1 }),
    Type.Array(Type.Record(Type.String({ maxLength: 128 }), Type.Number()), { minItems: 1 }),
  ], { description: 'rows of feature values: positional (model input order) or named (model feature names)' }),
  proof: Type.Optional(ProofRequest),
}, { $id: 'PredictRequest', additionalProperties: false })
export type PredictRequestBody = Static<typeof PredictRequest>

export const Prediction = Type.Object({
  probability: Type.Number(),
  label: Type.Integer({ minimum: 0, maximum: 1 }),
  proof: Type.Optional(Type.Union([ref(ProofHandle), ref(UnprovableProof)])),
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
  proof: Type.Optional(ProofRequest),
}, { additionalProperties: false })
