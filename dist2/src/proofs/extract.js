/**
 * extract: ONNX graph -> the float model the circuit generator understands (the first step of
 * transpile.ts; quantize.ts takes its output).
 *
 * The walk goes backwards from output 0 (the served probability) along the single data path to the
 * graph input, then replays that chain forwards, folding constant ops into affine maps:
 *
 *   input x --(Add/Sub/Mul/Div by constants: the min-max scaler)--> u = alpha (.) x + beta   (per column)
 *         --(Gemm | MatMul [+ Add] | constant ops)--> z1 = W1 u + b1 --Relu--> h1 --> ... --> logit
 *         --Sigmoid--> probability
 *
 * Supported ops: Gemm (transB, alpha, beta; transA only on a constant operand), MatMul with a constant
 * right operand, Add/Sub/Mul/Div with a constant operand, Relu, Sigmoid as the last op,
 * Flatten/Reshape/Identity/Dropout as pass-throughs. Anything else raises NotProvableError naming the
 * op and node: the model version then serves predictions without proofs.
 *
 * The Sigmoid itself is not proven: the circuit proves the logit (its input) and the label
 * (logit >= logit(threshold)); probability = sigmoid(logit) is computed from the public logit outside
 * the circuit, by anyone, exactly like the service does. A sigmoid in-circuit would cost a lookup or a
 * polynomial approximation and add error without adding trust.
 */
import { NotProvableError } from '../errors.js';
import { describeNode, parseOnnx } from '../onnx/read.js';
const PASS_THROUGH = new Set(['Identity', 'Flatten', 'Reshape', 'Dropout']);
/** Parses ONNX bytes (or an already parsed graph) into a FloatModel, or throws NotProvableError. */
export function extractModel(onnxOrGraph, opts = {}) {
    const g = onnxOrGraph instanceof Uint8Array ? parseOnnx(onnxOrGraph) : onnxOrGraph;
    if (g.inputs.length !== 1) {
        throw new NotProvableError(`a provable model has exactly one input, this one has ${g.inputs.length} (${g.inputs.map((i) => i.name).join(', ')})`);
    }
    if (g.outputs.length === 0)
        throw new NotProvableError('the model has no output');
    const input = g.inputs[0];
    const probabilityOutput = g.outputs[0].name;
    const producers = new Map();
    g.nodes.forEach((node, index) => { for (const o of node.outputs)
        producers.set(o, { node, index }); });
    // Backwards from output 0 to the input along the data path.
    const chain = [];
    let tensor = probabilityOutput;
    const seen = new Set();
    while (tensor !== input.name) {
        if (seen.has(tensor))
            throw new NotProvableError(`the graph has a cycle at ${tensor}`);
        seen.add(tensor);
        const p = producers.get(tensor);
        if (!p) {
            if (g.constants.has(tensor))
                throw new NotProvableError(`output ${probabilityOutput} does not depend on the input ${input.name}`);
            throw new NotProvableError(`tensor ${tensor} has no producer and is not the input`);
        }
        const { node, index } = p;
        if (node.domain && node.domain !== 'ai.onnx') {
            throw new NotProvableError(`unsupported op ${node.domain}.${node.opType} (${describeNode(node, index)})`);
        }
        const dyn = node.inputs.map((name, i) => ({ name, i })).filter(({ name }) => name !== '' && !g.constants.has(name));
        // Reshape's shape operand is a constant; every op supported here has one data operand
        if (dyn.length !== 1) {
            throw new NotProvableError(`${describeNode(node, index)} has ${dyn.length} non-constant operands; only one data path is provable`);
        }
        chain.push({ node, index, dataInput: dyn[0].i });
        tensor = dyn[0].name;
    }
    chain.reverse();
    if (chain.length === 0)
        throw new NotProvableError('output 0 is the input itself');
    const last = chain[chain.length - 1];
    if (last.node.opType !== 'Sigmoid') {
        throw new NotProvableError(`output 0 (${probabilityOutput}) must be produced by a Sigmoid; it comes from ${describeNode(last.node, last.index)}`);
    }
    let width = inputWidth(g, chain);
    let cur = { kind: 'diag', alpha: new Array(width).fill(1), beta: new Array(width).fill(0) };
    let scaler = null;
    let hasScaler = false;
    const layers = [];
    // When true, the current dense map is the identity on a fresh ReLU output (nothing to emit yet)
    let freshActivation = false;
    for (let ci = 0; ci < chain.length - 1; ci++) {
        const { node, index, dataInput } = chain[ci];
        const where = describeNode(node, index);
        const op = node.opType;
        if (PASS_THROUGH.has(op)) {
            checkPassThrough(g, node, where, width);
            continue;
        }
        if (op === 'Relu') {
            if (cur.kind === 'diag')
                throw new NotProvableError(`${where}: a Relu before the first dense layer is not supported`);
            if (freshActivation)
                continue; // relu(relu(x)) = relu(x)
            layers.push({ weights: cur.W, bias: cur.b, relu: true });
            cur = identity(width);
            freshActivation = true;
            continue;
        }
        if (op === 'Gemm' || op === 'MatMul') {
            const { W, b } = denseOf(g, node, where, dataInput, width);
            if (cur.kind === 'diag') {
                scaler = { alpha: cur.alpha, beta: cur.beta };
                cur = { kind: 'dense', W, b };
            }
            else {
                cur = compose(W, b, cur);
            }
            width = W.length;
            freshActivation = false;
            continue;
        }
        if (op === 'Add' || op === 'Sub' || op === 'Mul' || op === 'Div') {
            const constName = node.inputs[1 - dataInput];
            const c = broadcastConst(g.constants.get(constName), width, where);
            if (cur.kind === 'diag')
                hasScaler = true;
            cur = elementwise(cur, op, c, dataInput === 0, where);
            freshActivation = false;
            continue;
        }
        if (op === 'Sigmoid')
            throw new NotProvableError(`${where}: Sigmoid is only provable as the last op`);
        throw new NotProvableError(`unsupported op ${op} (${where})`);
    }
    if (cur.kind === 'diag')
        throw new NotProvableError('the model has no dense layer (Gemm or MatMul) before its Sigmoid');
    if (width !== 1)
        throw new NotProvableError(`the Sigmoid's input must have one column (the logit), it has ${width}`);
    layers.push({ weights: cur.W, bias: cur.b, relu: false });
    const s = scaler;
    for (const [li, l] of layers.entries()) {
        for (const row of l.weights)
            for (const w of row)
                if (!Number.isFinite(w))
                    throw new NotProvableError(`layer ${li + 1} has a non-finite weight`);
        for (const v of l.bias)
            if (!Number.isFinite(v))
                throw new NotProvableError(`layer ${li + 1} has a non-finite bias`);
    }
    for (let i = 0; i < s.alpha.length; i++) {
        if (!Number.isFinite(s.alpha[i]) || !Number.isFinite(s.beta[i])) {
            throw new NotProvableError(`the input scaling of column ${i} is not finite (a zero range divided by zero?)`);
        }
    }
    let threshold = opts.threshold;
    if (threshold === undefined && g.metadata.threshold !== undefined)
        threshold = Number(g.metadata.threshold);
    if (threshold === undefined)
        threshold = 0.5;
    if (!(threshold > 0 && threshold < 1))
        throw new NotProvableError(`threshold ${threshold} must be strictly between 0 and 1`);
    let featureNames = null;
    if (g.metadata.feature_names) {
        try {
            const parsed = JSON.parse(g.metadata.feature_names);
            if (Array.isArray(parsed))
                featureNames = parsed.map(String);
        }
        catch {
            featureNames = g.metadata.feature_names.split(',').map((x) => x.trim());
        }
    }
    return {
        inputName: input.name,
        nInputs: s.alpha.length,
        alpha: s.alpha,
        beta: s.beta,
        hasScaler,
        layers,
        logitTensor: last.node.inputs[0],
        probabilityOutput,
        threshold,
        opset: g.opset,
        producer: g.producer,
        featureNames
    };
}
function inputWidth(g, chain) {
    const shape = g.inputs[0].shape;
    if (shape && shape.length >= 1 && shape[shape.length - 1] > 0) {
        if (shape.length > 2) {
            throw new NotProvableError(`input shape [${shape.join(',')}] is not [N, features]`);
        }
        return shape[shape.length - 1];
    }
    // Symbolic feature dimension: take it from the first dense layer's weights
    for (const { node } of chain) {
        if (node.opType === 'Gemm' || node.opType === 'MatMul') {
            const B = g.constants.get(node.inputs[1]);
            if (!B || B.dims.length !== 2)
                break;
            const transB = node.opType === 'Gemm' && attrInt(node, 'transB', 0) === 1;
            return transB ? B.dims[1] : B.dims[0];
        }
    }
    throw new NotProvableError('cannot tell the number of input features');
}
function attrInt(node, name, dflt) {
    const v = node.attrs[name];
    return typeof v === 'number' ? v : dflt;
}
function attrFloat(node, name, dflt) {
    const v = node.attrs[name];
    return typeof v === 'number' ? v : dflt;
}
function checkPassThrough(g, node, where, width) {
    if (node.opType === 'Flatten') {
        const axis = attrInt(node, 'axis', 1);
        if (axis !== 1 && axis !== -1)
            throw new NotProvableError(`${where}: Flatten with axis ${axis} is not supported`);
    }
    else if (node.opType === 'Reshape') {
        const shape = g.constants.get(node.inputs[1]);
        const dims = shape ? Array.from(shape.data) : null;
        // Only reshapes that keep one row of `width` features are neutral for a single-row circuit
        if (!dims || dims.length === 0 || dims.length > 2 || !(dims[dims.length - 1] === width || dims[dims.length - 1] === -1)) {
            throw new NotProvableError(`${where}: Reshape to [${dims?.join(',') ?? '?'}] is not supported`);
        }
    }
    else if (node.opType === 'Dropout') {
        if (node.inputs.length >= 3 && node.inputs[2] !== '')
            throw new NotProvableError(`${where}: Dropout in training mode is not supported`);
    }
}
function identity(n) {
    const W = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
    return { kind: 'dense', W, b: new Array(n).fill(0) };
}
/** The dense map (W[out][in], b) of a Gemm or MatMul node whose data operand has `width` columns. */
function denseOf(g, node, where, dataInput, width) {
    if (dataInput !== 0)
        throw new NotProvableError(`${where}: the data must be the first operand`);
    const B = g.constants.get(node.inputs[1]);
    if (!B)
        throw new NotProvableError(`${where}: the weights must be a constant`);
    if (B.dims.length !== 2)
        throw new NotProvableError(`${where}: weights of shape [${B.dims.join(',')}] are not a matrix`);
    let transB = 0;
    let alpha = 1;
    let beta = 1;
    if (node.opType === 'Gemm') {
        if (attrInt(node, 'transA', 0) !== 0)
            throw new NotProvableError(`${where}: Gemm with transA=1 on the data operand is not supported`);
        transB = attrInt(node, 'transB', 0);
        alpha = attrFloat(node, 'alpha', 1);
        beta = attrFloat(node, 'beta', 1);
    }
    const [r, c] = B.dims;
    const nIn = transB ? c : r;
    const nOut = transB ? r : c;
    if (nIn !== width)
        throw new NotProvableError(`${where}: weights expect ${nIn} inputs, the data has ${width} columns`);
    const W = Array.from({ length: nOut }, (_, o) => Array.from({ length: nIn }, (_, i) => alpha * (transB ? B.data[o * c + i] : B.data[i * c + o])));
    let b = new Array(nOut).fill(0);
    if (node.opType === 'Gemm' && node.inputs.length >= 3 && node.inputs[2] !== '') {
        const C = g.constants.get(node.inputs[2]);
        if (!C)
            throw new NotProvableError(`${where}: the bias must be a constant`);
        b = broadcastConst(C, nOut, where).map((v) => beta * v);
    }
    return { W, b };
}
/** A constant broadcast along the feature axis of a [N, width] tensor: scalar, [width] or [1, width]. */
function broadcastConst(t, width, where) {
    const n = t.data.length;
    const lead = t.dims.slice(0, -1);
    if (n === 1)
        return new Array(width).fill(t.data[0]);
    if (n === width && t.dims[t.dims.length - 1] === width && lead.every((d) => d === 1))
        return Array.from(t.data);
    throw new NotProvableError(`${where}: a constant of shape [${t.dims.join(',')}] does not broadcast per feature over ${width} columns`);
}
/** y = x op c (dataFirst) or y = c op x, applied to the current affine map. */
function elementwise(cur, op, c, dataFirst, where) {
    // Each op maps y = s * x + t per column; s and t are then applied to the current map
    const s = new Array(c.length).fill(1);
    const t = new Array(c.length).fill(0);
    for (let i = 0; i < c.length; i++) {
        switch (op) {
            case 'Add':
                t[i] = c[i];
                break;
            case 'Sub':
                if (dataFirst)
                    t[i] = -c[i];
                else {
                    s[i] = -1;
                    t[i] = c[i];
                }
                break;
            case 'Mul':
                s[i] = c[i];
                break;
            case 'Div':
                if (!dataFirst)
                    throw new NotProvableError(`${where}: dividing a constant by the data is not linear`);
                s[i] = 1 / c[i];
                break;
        }
    }
    if (cur.kind === 'diag') {
        return { kind: 'diag', alpha: cur.alpha.map((a, i) => s[i] * a), beta: cur.beta.map((b, i) => s[i] * b + t[i]) };
    }
    return { kind: 'dense', W: cur.W.map((row, o) => row.map((w) => s[o] * w)), b: cur.b.map((b, o) => s[o] * b + t[o]) };
}
/** (W, b) applied after the current dense map: W (A h + a) + b. */
function compose(W, b, cur) {
    const A = cur.W;
    const nIn = A[0].length;
    const W2 = W.map((row) => {
        const out = new Array(nIn).fill(0);
        for (let k = 0; k < row.length; k++) {
            if (row[k] === 0)
                continue;
            for (let j = 0; j < nIn; j++)
                out[j] += row[k] * A[k][j];
        }
        return out;
    });
    const b2 = W.map((row, o) => row.reduce((acc, w, k) => acc + w * cur.b[k], b[o]));
    return { kind: 'dense', W: W2, b: b2 };
}
//# sourceMappingURL=extract.js.map