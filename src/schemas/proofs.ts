import { Type } from 'typebox'
import { ModelName, ProofStatus, ProofSystem, ref } from './common.js'
import { FeatureTransform } from './evaluation.js'

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
  served: Type.Optional(Type.Object({ probability: Type.Number(), label: Type.Integer() },
    { description: 'what /predict answered for this row' })),
  prove_ms: Type.Optional(Type.Number()),
  error: Type.Optional(Type.String()),
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
  reason: Type.Optional(Type.String()),
}, { $id: 'VerifyResult', description: 'Whether the proof verifies, and if not, why' })
