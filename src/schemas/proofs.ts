import { Type } from 'typebox'
import { ModelName, ProofStatus, ProofSystem, ref } from './common.js'
import { FeatureTransform } from './evaluation.js'

// ---- proofs --------------------------------------------------------------------------------
const SnarkjsObject = Type.Object({}, { additionalProperties: true, description: 'snarkjs JSON, as snarkjs writes it' })

export const ProofOutput = Type.Object({
  logit: Type.Number(), probability: Type.Number(), label: Type.Integer(),
}, { $id: 'ProofOutput' })

// Issue 15: one proof for the rows of a request (`proof: "batch"`).
export const BatchProofRow = Type.Object({
  row: Type.Integer({ minimum: 0, description: 'index of the row in the batch (the proof\'s row order)' }),
  inputs: Type.Array(Type.Number(), { description: 'the raw feature values, in the model\'s input order' }),
  served: Type.Object({ probability: Type.Number(), label: Type.Integer() }, { description: 'what /predict answered for this row' }),
  output: Type.Optional(ref(ProofOutput)),
}, { $id: 'BatchProofRow' })

export const BatchProofInfo = Type.Object({
  size: Type.Integer({ minimum: 1, description: 'rows of the batch circuit; rows beyond `rows` are padding that proves nothing' }),
  rows: Type.Array(ref(BatchProofRow)),
  vk_sha256: Type.Optional(Type.String({ description: 'sha256 of the batch circuit\'s verification key the proof was made for' })),
}, { $id: 'BatchProof', description: 'The rows a batch proof proves: inputs, served and (once proven) proven outputs' })

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
  served: Type.Optional(Type.Object({ probability: Type.Number(), label: Type.Integer() },
    { description: 'what /predict answered for this row' })),
  prove_ms: Type.Optional(Type.Number()),
  error: Type.Optional(Type.String()),
  batch: Type.Optional(ref(BatchProofInfo)),
  commitment: Type.Optional(Type.String({ description: "private versions: the model's commitment (public signal 0)" })),
  circuit_id: Type.Optional(Type.String({ description: "private versions: the architecture's circuit" })),
}, { $id: 'Proof', description: 'A proof job: status, and once succeeded the proof, its public signals and the proven output' })

export const ProofBundle = Type.Object({
  proof_system: ref(ProofSystem),
  proof: SnarkjsObject,
  public_signals: Type.Array(Type.String({ pattern: '^[0-9]{1,78}$' }), { maxItems: 10_000 }),
  verification_key: SnarkjsObject,
  model: Type.Object({ name: ModelName, version: Type.Integer({ minimum: 1 }), onnx_sha256: Type.String() }),
  commitment: Type.Optional(Type.String({
    pattern: '^[0-9]{1,78}$',
    description: "private versions: the version's published commitment; a verifier checks public signal 0 against the commitment " +
      'it pinned for the version (GET /models/{name}/versions/{v}), not this copy',
  })),
  circuit_id: Type.Optional(Type.String({ maxLength: 128, description: "private versions: the architecture's circuit" })),
  feature_transforms: Type.Optional(Type.Array(FeatureTransform, {
    maxItems: 4096,
    description: 'how each public input was computed from raw values (log1p outside the circuit): a verifier recomputes them',
  })),
  kind: Type.Optional(Type.Literal('batch', { description: 'a batch proof: the public signals are the packed words of `rows`' })),
  batch: Type.Optional(Type.Object({
    size: Type.Integer({ minimum: 1, maximum: 1024 }),
    words: Type.Optional(Type.Integer({ minimum: 1 })),
    inputFracBits: Type.Integer({ minimum: 0, maximum: 64 }),
    logitScaleBits: Type.Integer({ minimum: 0, maximum: 128 }),
    layout: Type.Object({}, {
      additionalProperties: true, description: 'the packing of rows into public words (src/proofs/batch-layout.ts)',
    }),
  })),
  rows: Type.Optional(Type.Array(Type.Object({
    inputs: Type.Array(Type.Number(), { maxItems: 4096 }),
    logit: Type.Number(),
    probability: Type.Number(),
    label: Type.Integer({ minimum: 0, maximum: 1 }),
  }), { maxItems: 1024, description: 'a batch\'s rows, in order: the CLI checks them against the public words' })),
}, {
  $id: 'ProofBundle',
  description: 'Everything needed to verify a proof offline: proof, public signals, verification key, and the ' +
  'model version it proves'
})

export const VerificationKey = Type.Object({
  protocol: Type.String({ description: 'groth16 or plonk' }),
  curve: Type.String({ description: 'bn128' }),
  nPublic: Type.Integer({ description: 'number of public signals' }),
}, {
  $id: 'VerificationKey',
  additionalProperties: true,
  description: 'snarkjs verification key (the file `snarkjs zkey export ' +
  'verificationkey` writes)'
})

export const VerifyResult = Type.Object({
  verified: Type.Boolean(),
  verification_ms: Type.Number(),
  reason: Type.Optional(Type.String({
    description: 'Why the proof does not verify; or, when it does, why a check with the bundle\'s own key could answer otherwise'
  })),
  vk_matches_registry: Type.Optional(Type.Boolean({
    description: 'POST /proofs/verify: whether the bundle\'s own verification key is the registry\'s for its model version ' +
      '(the service always checks with the registry\'s; `zkpredict proof verify FILE` and stock snarkjs with the bundle\'s)'
  })),
}, { $id: 'VerifyResult', description: 'Whether the proof verifies, and if not, why' })
