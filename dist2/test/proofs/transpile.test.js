/**
 * ONNX -> fixed-point plan: supported ops, NotProvableError for the rest, and the precision of the
 * quantized model against onnxruntime on many rows (exact bigint evaluation, no proving here).
 */
import { readFileSync } from 'node:fs';
import t from 'tap';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { NotProvableError } from '../../src/errors.js';
import { evaluatePlan, InputRangeError, quantizeInputs } from '../../src/proofs/evaluate.js';
import { AAVE_LIKE_SCALER, buildMlpOnnx, randomLayers, rng } from '../helpers/mlp-onnx.js';
import { planFromJSON, planToJSON } from '../../src/proofs/quantize.js';
import { BN254_P, decodePublicSignals, sigmoid, toField } from '../../src/proofs/signals.js';
import { extractModel } from '../../src/proofs/extract.js';
import { transpile } from '../../src/proofs/transpile.js';
const { onnx } = onnxProto;
const fixture = (name) => new Uint8Array(readFileSync(new URL(`../../../test/fixtures/${name}`, import.meta.url)));
/** A hand-made graph: `input` [N, 10] -> nodes -> `probability`. Constants are float32 initializers. */
function graph(nodes, consts, extraInputs = []) {
    const T = onnx.TensorProto.DataType;
    const init = Object.entries(consts).map(([name, c]) => onnx.TensorProto.create(c.int64
        ? { name, dims: c.dims, dataType: T.INT64, int64Data: c.values }
        : { name, dims: c.dims, dataType: T.FLOAT, floatData: c.values }));
    const vi = (name) => onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: T.FLOAT, shape: { dim: [{ dimParam: 'N' }, { dimValue: 10 }] } } } });
    const model = onnx.ModelProto.create({
        irVersion: 7,
        opsetImport: [{ domain: '', version: 13 }],
        graph: {
            name: 'g',
            node: nodes.map((n, i) => onnx.NodeProto.create({
                name: `n${i}`,
                opType: n.op,
                input: n.inputs,
                output: [n.output],
                attribute: Object.entries(n.attrs ?? {}).map(([name, v]) => Number.isInteger(v) && name.startsWith('trans')
                    ? { name, type: onnx.AttributeProto.AttributeType.INT, i: v }
                    : { name, type: onnx.AttributeProto.AttributeType.FLOAT, f: v })
            })),
            initializer: init,
            input: [vi('input'), ...extraInputs.map(vi)],
            output: [onnx.ValueInfoProto.create({ name: 'probability', type: { tensorType: { elemType: T.FLOAT } } })]
        }
    });
    return onnx.ModelProto.encode(model).finish();
}
function catchError(fn) {
    try {
        fn();
    }
    catch (err) {
        return err;
    }
    return undefined;
}
const r = rng(5);
const mat = (rows, cols) => Array.from({ length: rows * cols }, () => r() * 2 - 1);
async function ortProbability(bytes, rows, fixedBatch = false) {
    const sess = await ort.InferenceSession.create(bytes);
    const out = [];
    const batches = fixedBatch ? rows.map((x) => [x]) : [rows];
    for (const b of batches) {
        const res = await sess.run({ [sess.inputNames[0]]: new ort.Tensor('float32', Float32Array.from(b.flat()), [b.length, 10]) });
        out.push(...Array.from(res[sess.outputNames[0]].data));
    }
    return out;
}
/** Rows spread over (and a bit beyond) the scaler's training range; a zero-range column stays at its value. */
function realisticRows(n, seed) {
    const g = rng(seed);
    const { min, max } = AAVE_LIKE_SCALER;
    return Array.from({ length: n }, () => min.map((m, i) => (max[i] === m ? m : m + (max[i] - m) * (g() * 1.6 - 0.3))));
}
function maxError(bytes, rows, served) {
    const { plan } = transpile(bytes);
    let prob = 0;
    let labels = 0;
    rows.forEach((x, i) => {
        const ev = evaluatePlan(plan, quantizeInputs(plan, x));
        const p = sigmoid(Number(ev.logitQ) / 2 ** plan.logitScaleBits);
        prob = Math.max(prob, Math.abs(p - served[i]));
        if (ev.label !== (served[i] >= plan.threshold ? 1 : 0))
            labels++;
    });
    return { prob, labels };
}
t.test('our export layout: scaler + 10-32-16-1, proven probability within 1e-3 of onnxruntime', async (t) => {
    const bytes = fixture('proof-aave-scaled.onnx');
    const m = extractModel(bytes);
    t.equal(m.nInputs, 10);
    t.ok(m.hasScaler);
    t.same(m.layers.map((l) => [l.weights.length, l.weights[0].length, l.relu]), [[32, 10, true], [16, 32, true], [1, 16, false]]);
    t.equal(m.threshold, 0.5);
    t.equal(m.featureNames?.[3], 'market_cap');
    t.equal(m.logitTensor, 'logit');
    const rows = realisticRows(2000, 1);
    const { prob, labels } = maxError(bytes, rows, await ortProbability(bytes, rows));
    t.comment(`max |sigmoid(proven logit) - onnxruntime probability| over ${rows.length} rows: ${prob.toExponential(2)}`);
    t.ok(prob <= 1e-3, `max error ${prob}`);
    t.ok(labels <= 2, `label disagreements ${labels}`);
});
t.test('PyTorch opset-11 export with a fixed [1, 10] input (already scaled inputs)', async (t) => {
    const bytes = fixture('proof-torch-opset11.onnx');
    const m = extractModel(bytes);
    t.equal(m.opset, 11);
    t.notOk(m.hasScaler);
    t.same(m.alpha, new Array(10).fill(1));
    const g = rng(9);
    const rows = Array.from({ length: 500 }, () => Array.from({ length: 10 }, () => g() * 1.5 - 0.2));
    const { prob } = maxError(bytes, rows, await ortProbability(bytes, rows, true));
    t.comment(`torch fixture max error: ${prob.toExponential(2)}`);
    t.ok(prob <= 1e-3);
});
t.test('MatMul + Add, Div/Add scaler, Gemm alpha/beta/transB, pass-through ops', async (t) => {
    const W1 = mat(10, 8);
    const b1 = mat(1, 8);
    const W2 = mat(1, 8); // transB layout [1, 8]
    const bytes = graph([
        { op: 'Add', inputs: ['input', 'shift'], output: 'a' },
        { op: 'Div', inputs: ['a', 'range'], output: 's' },
        { op: 'Identity', inputs: ['s'], output: 's2' },
        { op: 'Reshape', inputs: ['s2', 'shape'], output: 's3' },
        { op: 'MatMul', inputs: ['s3', 'W1'], output: 'm' },
        { op: 'Add', inputs: ['b1', 'm'], output: 'h' },
        { op: 'Relu', inputs: ['h'], output: 'hr' },
        { op: 'Flatten', inputs: ['hr'], output: 'hf', attrs: {} },
        { op: 'Gemm', inputs: ['hf', 'W2', 'b2'], output: 'z', attrs: { transB: 1, alpha: 0.5, beta: 2 } },
        { op: 'Mul', inputs: ['z', 'two'], output: 'logit' },
        { op: 'Sigmoid', inputs: ['logit'], output: 'probability' }
    ], {
        shift: { dims: [10], values: new Array(10).fill(-3) },
        range: { dims: [1, 10], values: Array.from({ length: 10 }, (_, i) => 10 ** (i - 3)) },
        shape: { dims: [2], values: [-1, 10], int64: true },
        W1: { dims: [10, 8], values: W1 },
        b1: { dims: [8], values: b1 },
        W2: { dims: [1, 8], values: W2 },
        b2: { dims: [1], values: [0.1] },
        two: { dims: [], values: [2] }
    });
    const m = extractModel(bytes);
    t.same(m.layers.map((l) => [l.weights.length, l.weights[0].length]), [[8, 10], [1, 8]]);
    t.ok(Math.abs(m.layers[1].bias[0] - 2 * 2 * 0.1) < 1e-6, 'beta and the trailing Mul fold into the bias');
    t.ok(Math.abs(m.alpha[4] - 1 / 10) < 1e-9 && Math.abs(m.beta[4] + 3 / 10) < 1e-9);
    const g = rng(4);
    const rows = Array.from({ length: 300 }, () => Array.from({ length: 10 }, (_, i) => 3 + 10 ** (i - 3) * g()));
    const { prob } = maxError(bytes, rows, await ortProbability(bytes, rows));
    t.ok(prob <= 1e-3, `max error ${prob}`);
});
t.test('unsupported ops raise NotProvableError naming the op and the node', async (t) => {
    const tanh = buildMlpOnnx({ layers: randomLayers([10, 4, 1], 3), activation: 'Tanh' });
    const err = catchError(() => transpile(tanh));
    t.ok(err instanceof NotProvableError, 'NotProvableError');
    t.match(err?.message, /unsupported op Tanh/);
    t.match(err?.message, /"act0"/, 'names the node');
    const conv = graph([
        { op: 'Conv', inputs: ['input', 'w'], output: 'c' },
        { op: 'Sigmoid', inputs: ['c'], output: 'probability' }
    ], { w: { dims: [1, 1, 1], values: [1] } });
    t.throws(() => transpile(conv), NotProvableError);
    t.match(catchError(() => transpile(conv))?.message, /Conv/);
    const noSigmoid = graph([{ op: 'Gemm', inputs: ['input', 'w'], output: 'probability' }], { w: { dims: [10, 1], values: mat(10, 1) } });
    t.throws(() => transpile(noSigmoid), /Sigmoid/);
    const twoInputs = graph([
        { op: 'Add', inputs: ['input', 'other'], output: 'a' },
        { op: 'Gemm', inputs: ['a', 'w'], output: 'z' },
        { op: 'Sigmoid', inputs: ['z'], output: 'probability' }
    ], { w: { dims: [10, 1], values: mat(10, 1) } }, ['other']);
    t.throws(() => transpile(twoInputs), NotProvableError);
    const softmaxLike = graph([
        { op: 'Gemm', inputs: ['input', 'w'], output: 'z' },
        { op: 'Sigmoid', inputs: ['z'], output: 'probability' }
    ], { w: { dims: [10, 2], values: mat(10, 2) } });
    t.throws(() => transpile(softmaxLike), /one column/);
    t.throws(() => transpile(new Uint8Array([1, 2, 3, 4, 5])), NotProvableError);
    const infScale = buildMlpOnnx({ layers: randomLayers([10, 2, 1], 1), scaler: { min: new Array(10).fill(0), max: new Array(10).fill(1) } });
    t.throws(() => transpile(infScale, { threshold: 1 }), NotProvableError, 'a threshold of 1 is refused');
});
t.test('inputs outside the supported range are refused before proving', async (t) => {
    const { plan } = transpile(fixture('proof-aave-scaled.onnx'));
    const row = realisticRows(1, 2)[0];
    t.doesNotThrow(() => evaluatePlan(plan, quantizeInputs(plan, row)));
    const huge = [...row];
    huge[3] = 1e16; // market cap far beyond 256x its training range
    t.throws(() => evaluatePlan(plan, quantizeInputs(plan, huge)), InputRangeError);
    const zeroRange = [...row];
    zeroRange[7] += 1000; // the zero-range column allows +-256 around its value
    t.throws(() => evaluatePlan(plan, quantizeInputs(plan, zeroRange)), /input 7/);
    t.throws(() => quantizeInputs(plan, [...row.slice(0, 9), Number.NaN]), InputRangeError);
    t.throws(() => quantizeInputs(plan, row.slice(0, 9)), /expected 10/);
    t.ok(plan.inputs[3].max >= AAVE_LIKE_SCALER.max[3] * 256, 'market cap box covers 256x its range');
});
t.test('plan JSON round trip and public signal decoding', async (t) => {
    const { plan } = transpile(fixture('proof-aave-scaled.onnx'));
    const back = planFromJSON(JSON.parse(JSON.stringify(planToJSON(plan))));
    t.same(back, plan);
    const row = realisticRows(1, 3)[0];
    const xq = quantizeInputs(plan, row);
    const ev = evaluatePlan(plan, xq);
    const signals = [toField(ev.logitQ), BigInt(ev.label), ...xq.map(toField)].map(String);
    const d = decodePublicSignals(signals, { nInputs: 10, inputFracBits: plan.params.inputFracBits, logitScaleBits: plan.logitScaleBits });
    d.inputs.forEach((x, i) => t.ok(Math.abs(x - row[i]) <= Math.max(1e-7, Math.abs(row[i]) * 1e-15) + 2 ** -24, `input ${i}`));
    t.equal(d.label, ev.label);
    t.equal(d.probability, sigmoid(d.logit));
    t.throws(() => decodePublicSignals(signals.slice(1), { nInputs: 10, inputFracBits: 24, logitScaleBits: 36 }), /expected 12/);
    t.throws(() => decodePublicSignals([BN254_P.toString(), ...signals.slice(1)], { nInputs: 10, inputFracBits: 24, logitScaleBits: 36 }), /field element/);
    t.throws(() => decodePublicSignals([signals[0], '2', ...signals.slice(2)], { nInputs: 10, inputFracBits: 24, logitScaleBits: 36 }), /bit/);
});
//# sourceMappingURL=transpile.test.js.map