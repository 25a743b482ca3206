/**
 * The one ONNX reader. `decodeOnnx` is the protobuf decoding every reader shares (onnx-proto's
 * protobufjs bindings); `parseOnnx` keeps the parts of a ModelProto a circuit needs (nodes, constant
 * tensors as float64, graph inputs/outputs, metadata props), nothing else; inspect.ts summarises a
 * file for the registry from the same decoding. Tensors stored as external data are refused because
 * a registry upload is a single file.
 */
import onnxProto from 'onnx-proto';
import { NotProvableError } from '../errors.js';
const { onnx } = onnxProto;
const DT = onnx.TensorProto.DataType;
/** Decodes ONNX bytes into the protobuf message; throws protobufjs's error for bytes that are not ONNX. */
export function decodeOnnx(bytes) {
    return onnx.ModelProto.decode(bytes);
}
function toNum(v) {
    // int64 fields decode as Long objects when protobufjs has long.js, else as numbers
    if (typeof v === 'number')
        return v;
    if (v !== null && typeof v === 'object' && 'toNumber' in v)
        return v.toNumber();
    return Number(v);
}
export function decodeTensor(t) {
    const dims = (t.dims ?? []).map(toNum);
    const count = dims.reduce((a, b) => a * b, 1);
    const name = t.name ?? '';
    if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
        throw new NotProvableError(`tensor ${name} uses external data, which a single-file model cannot carry`);
    }
    const raw = t.rawData && t.rawData.length > 0 ? t.rawData : null;
    let data;
    const dt = t.dataType ?? 0;
    if (raw) {
        const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
        data = new Float64Array(count);
        for (let i = 0; i < count; i++) {
            switch (dt) {
                case DT.FLOAT:
                    data[i] = view.getFloat32(i * 4, true);
                    break;
                case DT.DOUBLE:
                    data[i] = view.getFloat64(i * 8, true);
                    break;
                case DT.INT32:
                    data[i] = view.getInt32(i * 4, true);
                    break;
                case DT.INT64:
                    data[i] = Number(view.getBigInt64(i * 8, true));
                    break;
                default: throw new NotProvableError(`tensor ${name} has unsupported data type ${dt}`);
            }
        }
    }
    else {
        let src;
        switch (dt) {
            case DT.FLOAT:
                src = t.floatData ?? [];
                break;
            case DT.DOUBLE:
                src = t.doubleData ?? [];
                break;
            case DT.INT32:
                src = t.int32Data ?? [];
                break;
            case DT.INT64:
                src = t.int64Data ?? [];
                break;
            default: throw new NotProvableError(`tensor ${name} has unsupported data type ${dt}`);
        }
        data = Float64Array.from(src, toNum);
        if (dt === DT.FLOAT)
            data = data.map((x) => Math.fround(x));
    }
    if (data.length !== count) {
        throw new NotProvableError(`tensor ${name} holds ${data.length} values for shape [${dims.join(',')}]`);
    }
    return { name, dims, data };
}
function decodeAttr(a) {
    const AT = onnx.AttributeProto.AttributeType;
    switch (a.type) {
        case AT.FLOAT: return a.f ?? 0;
        case AT.INT: return toNum(a.i ?? 0);
        case AT.STRING: return Buffer.from(a.s ?? new Uint8Array()).toString('utf8');
        case AT.FLOATS: return (a.floats ?? []).map(toNum);
        case AT.INTS: return (a.ints ?? []).map(toNum);
        case AT.TENSOR: return decodeTensor(a.t);
        default:
            // Attribute types this transpiler never reads (graphs, strings lists, ...): keep a marker
            return `<attribute type ${a.type}>`;
    }
}
function valueInfo(v) {
    const tt = v.type?.tensorType;
    const dims = tt?.shape?.dim;
    const shape = dims ? dims.map((d) => (d.dimValue !== undefined && d.dimValue !== null && toNum(d.dimValue) > 0 ? toNum(d.dimValue) : -1)) : null;
    return { name: v.name ?? '', shape, elemType: tt?.elemType ?? 0 };
}
/** Decodes ONNX bytes into an OnnxGraph; a file that is not an ONNX model is NotProvable. */
export function parseOnnx(bytes) {
    let model;
    try {
        model = decodeOnnx(bytes);
    }
    catch (err) {
        throw new NotProvableError(`not an ONNX model: ${err.message}`);
    }
    const g = model.graph;
    if (!g)
        throw new NotProvableError('the ONNX model has no graph');
    let opset = 0;
    for (const o of model.opsetImport ?? []) {
        if (!o.domain || o.domain === 'ai.onnx')
            opset = toNum(o.version ?? 0);
    }
    const constants = new Map();
    for (const t of g.initializer ?? []) {
        const tensor = decodeTensor(t);
        constants.set(tensor.name, tensor);
    }
    const nodes = [];
    for (const n of g.node ?? []) {
        const attrs = {};
        for (const a of n.attribute ?? [])
            attrs[a.name ?? ''] = decodeAttr(a);
        const node = {
            name: n.name ?? '',
            opType: n.opType ?? '',
            domain: n.domain ?? '',
            inputs: [...(n.input ?? [])],
            outputs: [...(n.output ?? [])],
            attrs
        };
        // Constant nodes are folded into the constant table so later nodes see them like initializers
        if (node.opType === 'Constant' && typeof attrs.value === 'object' && !Array.isArray(attrs.value)) {
            constants.set(node.outputs[0], { ...attrs.value, name: node.outputs[0] });
            continue;
        }
        nodes.push(node);
    }
    const metadata = {};
    for (const p of model.metadataProps ?? [])
        metadata[p.key ?? ''] = p.value ?? '';
    return {
        opset,
        producer: model.producerName ?? '',
        // Old exporters list initializers among the graph inputs: those are constants, not inputs
        inputs: (g.input ?? []).map((v) => valueInfo(v)).filter((v) => !constants.has(v.name)),
        outputs: (g.output ?? []).map((v) => valueInfo(v)),
        nodes,
        constants,
        metadata
    };
}
/** A readable name for error messages: `Tanh node "layer1/act"` or `Tanh node #3`. */
export function describeNode(node, index) {
    return `${node.opType} node ${node.name ? `"${node.name}"` : `#${index ?? '?'}`}`;
}
//# sourceMappingURL=read.js.map