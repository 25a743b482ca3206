/**
 * ONNX fixtures for the proof tests, scripts/make-proof-fixtures.ts and bench/proofs.ts: the graph
 * shape the service exports (raw input -> Sub(min) -> Mul(1/range) -> Gemm/Relu/... -> logit ->
 * Sigmoid) with knobs the exporter does not have (transB, another activation, a fixed batch), built
 * from the pieces of src/onnx/write.ts so the transpiler is tested on the layout the service writes.
 */
import { encodeModel, floatTensor, floatValueInfo, intAttr, makeNode } from '../../src/onnx/write.js';
import { mulberry32 } from '../../src/seeded-random.js';
export function buildMlpOnnx(spec) {
    const nIn = spec.layers[0].weights.length;
    const batch = spec.batch ?? 'N';
    const nodes = [];
    const inits = [];
    let cur = 'input';
    if (spec.scaler) {
        const { min, max } = spec.scaler;
        const inv = min.map((m, i) => (max[i] - m === 0 ? 1 : 1 / (max[i] - m)));
        inits.push(floatTensor('scaler_min', [nIn], min), floatTensor('scaler_inv_range', [nIn], inv));
        nodes.push(makeNode({ name: 'scale_sub', opType: 'Sub', input: [cur, 'scaler_min'], output: ['centered'] }));
        nodes.push(makeNode({ name: 'scale_mul', opType: 'Mul', input: ['centered', 'scaler_inv_range'], output: ['scaled'] }));
        cur = 'scaled';
    }
    spec.layers.forEach((l, li) => {
        const nOut = l.bias.length;
        const W = spec.transB
            ? Array.from({ length: nOut }, (_, o) => l.weights.map((row) => row[o])).flat()
            : l.weights.flat();
        inits.push(floatTensor(`dense${li}_W`, spec.transB ? [nOut, l.weights.length] : [l.weights.length, nOut], W));
        inits.push(floatTensor(`dense${li}_b`, [nOut], l.bias));
        const last = li === spec.layers.length - 1;
        const out = last ? 'logit' : `dense${li}`;
        nodes.push(makeNode({
            name: `dense${li}`,
            opType: 'Gemm',
            input: [cur, `dense${li}_W`, `dense${li}_b`],
            output: [out],
            attribute: spec.transB ? [intAttr('transB', 1)] : []
        }));
        cur = out;
        if (!last) {
            nodes.push(makeNode({ name: `act${li}`, opType: spec.activation ?? 'Relu', input: [cur], output: [`act${li}`] }));
            cur = `act${li}`;
        }
    });
    nodes.push(makeNode({ name: 'sigmoid', opType: 'Sigmoid', input: ['logit'], output: ['probability'] }));
    return encodeModel({
        irVersion: 7,
        producerName: 'zkpredict-fixture',
        opsetImport: [{ domain: '', version: spec.opset ?? 13 }],
        metadataProps: Object.entries(spec.metadata ?? {}).map(([key, value]) => ({ key, value })),
        graph: {
            name: 'mlp',
            node: nodes,
            initializer: inits,
            input: [floatValueInfo('input', [batch, nIn])],
            output: [floatValueInfo('probability', [batch, 1]), floatValueInfo('logit', [batch, 1])]
        }
    });
}
/** Deterministic pseudo-random numbers (mulberry32) so fixtures and benchmarks are reproducible. */
export const rng = mulberry32;
/** Kaiming-uniform-like random layers for sizes [10, 32, 16, 1]. */
export function randomLayers(sizes, seed) {
    const r = rng(seed);
    const layers = [];
    for (let l = 0; l + 1 < sizes.length; l++) {
        const bound = 1 / Math.sqrt(sizes[l]);
        layers.push({
            weights: Array.from({ length: sizes[l] }, () => Array.from({ length: sizes[l + 1] }, () => (r() * 2 - 1) * bound * 1.5)),
            bias: Array.from({ length: sizes[l + 1] }, () => (r() * 2 - 1) * bound)
        });
    }
    return layers;
}
/** A realistic scaler for the 10 Aave features (USD volumes and market caps up to ~1e11, prices,
 * a volatility) with one zero-range column, as the training exporter writes it. */
export const AAVE_LIKE_SCALER = {
    min: [0, 0, 0.99, 0, 1.2e5, 0, 0, 3.1e9, 2.0e6, 0.0004],
    max: [4.2e9, 2.9e9, 64000, 1.3e11, 5.6e10, 2.1e9, 1.7e9, 3.1e9, 3.9e10, 0.31]
};
//# sourceMappingURL=mlp-onnx.js.map