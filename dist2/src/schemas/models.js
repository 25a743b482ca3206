import { Type } from 'typebox';
import { FilePart, JsonPart, ModelName, ProofSystem, ref } from './common.js';
import { Metrics } from './training.js';
// ---- registry ------------------------------------------------------------------------------
export const TensorInfo = Type.Object({
    name: Type.String(),
    datatype: Type.String({ description: 'FP32, FP64, INT64, ...' }),
    shape: Type.Array(Type.Integer(), { description: '-1 for a dynamic dimension' }),
}, { $id: 'TensorInfo' });
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
}, { $id: 'CircuitInfo' });
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
}, { $id: 'ModelVersion', description: 'A model version: inputs, features, threshold, metrics, and its circuit (provable once ready)' });
export const ModelSummary = Type.Object({
    name: Type.String(),
    versions: Type.Array(Type.Integer()),
    aliases: Type.Record(Type.String(), Type.Integer()),
}, { $id: 'ModelSummary', description: 'A model: its version numbers and aliases' });
export const ModelList = Type.Object({ models: Type.Array(ref(ModelSummary)) }, {
    $id: 'ModelList',
    description: 'Every model with its versions and aliases'
});
export const UploadSpec = Type.Object({
    name: ModelName,
    features: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { minItems: 1, maxItems: 4096 })),
    threshold: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    // Inline, not a $ref: this schema also validates the multipart 'spec' part outside Fastify.
    proof_system: Type.Optional(Type.Union([Type.Literal('groth16'), Type.Literal('plonk')])),
}, { $id: 'UploadSpec', additionalProperties: false });
export const Registered = Type.Object({ name: Type.String(), version: Type.Integer(), href: Type.String() }, {
    $id: 'Registered',
    description: 'The version the upload registered'
});
export const AliasRequest = Type.Object({ version: Type.Integer({ minimum: 1 }) }, { $id: 'AliasRequest', additionalProperties: false });
export const uploadMultipartBody = Type.Object({
    model: FilePart('the ONNX file'),
    spec: JsonPart(UploadSpec, 'an UploadSpec as JSON'),
}, { description: 'an ONNX model trained elsewhere and its spec' });
//# sourceMappingURL=models.js.map