import { Type } from 'typebox';
import { ModelName, ProofStatus, VersionSelector, ref } from './common.js';
// ---- prediction ----------------------------------------------------------------------------
export const ProofHandle = Type.Object({
    id: Type.String(), status: ref(ProofStatus), href: Type.String(),
}, { $id: 'ProofHandle' });
export const PredictRequest = Type.Object({
    model: ModelName,
    version: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), VersionSelector])),
    instances: Type.Union([
        Type.Array(Type.Array(Type.Number(), { minItems: 1, maxItems: 4096 }), { minItems: 1 }),
        Type.Array(Type.Record(Type.String({ maxLength: 128 }), Type.Number()), { minItems: 1 }),
    ], { description: 'rows of feature values: positional (model input order) or named (model feature names)' }),
    proof: Type.Optional(Type.Boolean({
        description: 'attach a zero-knowledge proof to each prediction (default: true for provable models)',
    })),
}, { $id: 'PredictRequest', additionalProperties: false });
export const Prediction = Type.Object({
    probability: Type.Number(),
    label: Type.Integer({ minimum: 0, maximum: 1 }),
    proof: Type.Optional(ref(ProofHandle)),
}, { $id: 'Prediction' });
export const PredictResponse = Type.Object({
    model: Type.String(),
    version: Type.Integer(),
    threshold: Type.Number(),
    predictions: Type.Array(ref(Prediction)),
    proof_error: Type.Optional(Type.String({ description: 'why no proof is attached although one was asked for' })),
}, { $id: 'PredictResponse', description: 'One prediction per instance, in order, each with a proof handle when proofs are made' });
export const ArrowPredictQuery = Type.Object({
    model: ModelName,
    version: Type.Optional(VersionSelector),
    proof: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });
//# sourceMappingURL=predictions.js.map