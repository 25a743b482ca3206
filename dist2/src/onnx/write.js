import onnxProto from 'onnx-proto';
const { onnx } = onnxProto;
/** A float32 constant (initializer) stored as little-endian raw data. */
export function floatTensor(name, dims, values) {
    return onnx.TensorProto.create({
        name,
        dims,
        dataType: onnx.TensorProto.DataType.FLOAT,
        rawData: new Uint8Array(Float32Array.from(values).buffer),
    });
}
/** A float32 graph input or output; a string dimension is symbolic (the batch 'N'). */
export function floatValueInfo(name, dims) {
    return onnx.ValueInfoProto.create({
        name,
        type: {
            tensorType: {
                elemType: onnx.TensorProto.DataType.FLOAT,
                shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
            },
        },
    });
}
export function intAttr(name, i) {
    return onnx.AttributeProto.create({ name, i, type: onnx.AttributeProto.AttributeType.INT });
}
export function makeNode(fields) {
    return onnx.NodeProto.create(fields);
}
/** Serialises a model: the protobuf ModelProto fields, as onnx-proto names them. */
export function encodeModel(fields) {
    return onnx.ModelProto.encode(onnx.ModelProto.create(fields)).finish();
}
/**
 * Writes a TrainedModel as ONNX (opset 13, IR version 7) with onnx-proto.
 *
 * Layout (only ops the circuit transpiler supports):
 *   input 'input' float32 [N, F]   (RAW feature values, N a dynamic batch dim)
 *   Sub(input, scaler_min) -> Mul(., scaler_scale)          the fitted min-max scaler as constants
 *   Gemm(., W1, b1) -> Relu -> Gemm(., W2, b2) -> Relu -> Gemm(., W3, b3) = 'logit' [N, 1]
 *   Sigmoid(logit) = 'probability' [N, 1]
 * outputs: 'probability' first (what clients read), then 'logit' (what the circuit proves: it is
 * exact in fixed point, the sigmoid is monotone so the label follows from it and the threshold).
 * Gemm uses transB=0: weights are stored [in, out], the layout of DenseLayer.weights.
 * The scaler lives in the graph so that the model takes the same raw values as /predict and a
 * proof covers the scaling too; a zero-range column multiplies by 1 (as in training).
 */
export const ONNX_OPSET = 13;
export const ONNX_IR_VERSION = 7;
export const INPUT_NAME = 'input';
export const OUTPUT_NAMES = ['probability', 'logit'];
export function exportOnnx(model) {
    const features = model.featureNames.length;
    const { min, max } = model.scaler;
    if (min.length !== features || max.length !== features)
        throw new Error('scaler and feature names disagree');
    if (model.layers.length === 0 || model.layers[0].weights.length !== features)
        throw new Error('first layer does not take the features');
    const initializers = [];
    const nodes = [];
    const constant = (name, dims, values) => {
        initializers.push(floatTensor(name, dims, values));
        return name;
    };
    const node = (opType, inputs, output, attribute = []) => {
        nodes.push(makeNode({ opType, input: inputs, output: [output], name: `${opType.toLowerCase()}_${nodes.length}`, attribute }));
        return output;
    };
    const scale = min.map((lo, j) => (max[j] - lo === 0 ? 1 : 1 / (max[j] - lo)));
    let x = node('Sub', [INPUT_NAME, constant('scaler_min', [features], min)], 'shifted');
    x = node('Mul', [x, constant('scaler_scale', [features], scale)], 'scaled');
    model.layers.forEach((layer, l) => {
        const rows = layer.weights.length;
        const cols = layer.bias.length;
        const last = l === model.layers.length - 1;
        const w = constant(`W${l + 1}`, [rows, cols], layer.weights.flat());
        const b = constant(`b${l + 1}`, [cols], layer.bias);
        x = node('Gemm', [x, w, b], last ? 'logit' : `z${l + 1}`, [intAttr('transA', 0), intAttr('transB', 0)]);
        if (layer.activation === 'relu')
            x = node('Relu', [x], `h${l + 1}`);
        else if (!last || layer.activation !== 'sigmoid')
            throw new Error(`layer ${l + 1}: unsupported activation ${layer.activation} at this position`);
    });
    node('Sigmoid', ['logit'], 'probability');
    const outCols = model.layers[model.layers.length - 1].bias.length;
    const tensorType = (name, cols) => floatValueInfo(name, ['N', cols]);
    const meta = {
        feature_names: JSON.stringify(model.featureNames),
        scaler: JSON.stringify(model.scaler),
        recipe: model.recipe,
        window: String(model.window),
        seed: String(model.seed),
        threshold: String(model.threshold),
        metrics: JSON.stringify(model.metrics),
        dataset: JSON.stringify(model.dataset),
        backend: model.backend,
    };
    if (model.details !== undefined)
        meta.details = JSON.stringify(model.details);
    return encodeModel({
        irVersion: ONNX_IR_VERSION,
        opsetImport: [{ domain: '', version: ONNX_OPSET }],
        producerName: 'zkpredict',
        producerVersion: '0.1.0',
        docString: 'Aave liquidation risk, 10-32-16-1 MLP; takes raw feature values (min-max scaler inside)',
        graph: {
            name: `zkpredict_${model.recipe}_${model.window}d`,
            node: nodes,
            initializer: initializers,
            input: [tensorType(INPUT_NAME, features)],
            output: [tensorType('probability', outCols), tensorType('logit', outCols)],
        },
        metadataProps: Object.entries(meta).map(([key, value]) => ({ key, value })),
    });
}
//# sourceMappingURL=write.js.map