import onnxProto from 'onnx-proto'

const { onnx } = onnxProto

/**
 * The one ONNX writer: the protobuf pieces (float tensors, tensor value infos, int attributes) every
 * ONNX file the project makes is built from, and `exportOnnx` for a trained model. Test fixtures
 * (test/helpers/mlp-onnx.ts) build their graphs from the same pieces, so the transpiler is tested on
 * the layout the service writes.
 */
export type TensorProto = InstanceType<typeof onnx.TensorProto>
export type NodeProto = InstanceType<typeof onnx.NodeProto>
export type AttributeProto = InstanceType<typeof onnx.AttributeProto>
export type ValueInfoProto = InstanceType<typeof onnx.ValueInfoProto>

/** A float32 constant (initializer) stored as little-endian raw data. */
export function floatTensor (name: string, dims: number[], values: number[]): TensorProto {
  return onnx.TensorProto.create({
    name,
    dims,
    dataType: onnx.TensorProto.DataType.FLOAT,
    rawData: new Uint8Array(Float32Array.from(values).buffer),
  })
}

/** A float32 graph input or output; a string dimension is symbolic (the batch 'N'). */
export function floatValueInfo (name: string, dims: (number | string)[]): ValueInfoProto {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  })
}

export function intAttr (name: string, i: number): AttributeProto {
  return onnx.AttributeProto.create({ name, i, type: onnx.AttributeProto.AttributeType.INT })
}

export interface NodeFields { name: string, opType: string, input: string[], output: string[], attribute?: AttributeProto[] }

export function makeNode (fields: NodeFields): NodeProto {
  return onnx.NodeProto.create(fields)
}

/** Serialises a model: the protobuf ModelProto fields, as onnx-proto names them. */
export function encodeModel (fields: Parameters<typeof onnx.ModelProto.create>[0]): Uint8Array {
  return onnx.ModelProto.encode(onnx.ModelProto.create(fields)).finish()
}

/**
 * Writes a trained model (OnnxModelSource) as ONNX (opset 13, IR version 7) with onnx-proto.
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
export const ONNX_OPSET = 13
export const ONNX_IR_VERSION = 7
export const INPUT_NAME = 'input'
export const OUTPUT_NAMES = ['probability', 'logit'] as const

/**
 * What an ONNX file is written from. Training's TrainedModel has these fields; the shape is declared here so that
 * src/onnx depends on nothing above it (training imports this writer, not the other way round).
 */
export interface OnnxModelSource {
  featureNames: string[]
  scaler: { min: number[], max: number[] }
  /** weights [in][out] */
  layers: ReadonlyArray<{ weights: number[][], bias: number[], activation: string }>
  recipe: string
  window: number
  seed: number
  threshold: number
  metrics: unknown
  dataset: unknown
  backend: string
  details?: Record<string, number | string>
  featureTransforms?: unknown[]
  target?: string
  horizon?: number
  calibration?: unknown
}

export function exportOnnx (model: OnnxModelSource): Uint8Array {
  const features = model.featureNames.length
  const { min, max } = model.scaler
  if (min.length !== features || max.length !== features) throw new Error('scaler and feature names disagree')
  if (model.layers.length === 0 || model.layers[0].weights.length !== features) throw new Error('first layer does not take the features')

  const initializers: TensorProto[] = []
  const nodes: NodeProto[] = []
  const constant = (name: string, dims: number[], values: number[]): string => {
    initializers.push(floatTensor(name, dims, values))
    return name
  }
  const node = (opType: string, inputs: string[], output: string, attribute: AttributeProto[] = []): string => {
    nodes.push(makeNode({ opType, input: inputs, output: [output], name: `${opType.toLowerCase()}_${nodes.length}`, attribute }))
    return output
  }

  const scale = min.map((lo, j) => (max[j] - lo === 0 ? 1 : 1 / (max[j] - lo)))
  let x = node('Sub', [INPUT_NAME, constant('scaler_min', [features], min)], 'shifted')
  x = node('Mul', [x, constant('scaler_scale', [features], scale)], 'scaled')
  model.layers.forEach((layer, l) => {
    const rows = layer.weights.length
    const cols = layer.bias.length
    const last = l === model.layers.length - 1
    const w = constant(`W${l + 1}`, [rows, cols], layer.weights.flat())
    const b = constant(`b${l + 1}`, [cols], layer.bias)
    x = node('Gemm', [x, w, b], last ? 'logit' : `z${l + 1}`, [intAttr('transA', 0), intAttr('transB', 0)])
    if (layer.activation === 'relu') x = node('Relu', [x], `h${l + 1}`)
    else if (!last || layer.activation !== 'sigmoid') {
      throw new Error(`layer ${l + 1}: unsupported activation ${layer.activation} at this position`)
    }
  })
  node('Sigmoid', ['logit'], 'probability')

  const outCols = model.layers[model.layers.length - 1].bias.length
  const tensorType = (name: string, cols: number): ValueInfoProto => floatValueInfo(name, ['N', cols])

  const meta: Record<string, string> = {
    feature_names: JSON.stringify(model.featureNames),
    scaler: JSON.stringify(model.scaler),
    recipe: model.recipe,
    window: String(model.window),
    seed: String(model.seed),
    threshold: String(model.threshold),
    metrics: JSON.stringify(model.metrics),
    dataset: JSON.stringify(model.dataset),
    backend: model.backend,
  }
  if (model.details !== undefined) meta.details = JSON.stringify(model.details)
  // Inputs that are log1p of raw values: a verifier recomputes the public inputs from these.
  if (model.featureTransforms !== undefined) meta.feature_transforms = JSON.stringify(model.featureTransforms)
  if (model.target !== undefined) meta.target = model.target
  if (model.horizon !== undefined) meta.horizon_days = String(model.horizon)
  if (model.calibration !== undefined) meta.calibration = JSON.stringify(model.calibration)

  return encodeModel({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'zkpredict',
    producerVersion: '0.1.0',
    docString: `Aave liquidation risk, ${features}-32-16-1 MLP; takes the feature values (min-max scaler inside; see feature_transforms)`,
    graph: {
      name: `zkpredict_${model.recipe}_${model.window}d`,
      node: nodes,
      initializer: initializers,
      input: [tensorType(INPUT_NAME, features)],
      output: [tensorType('probability', outCols), tensorType('logit', outCols)],
    },
    metadataProps: Object.entries(meta).map(([key, value]) => ({ key, value })),
  })
}
