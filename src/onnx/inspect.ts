import type onnxProto from 'onnx-proto'
import { AppError } from '../errors.js'
import { decodeOnnx } from './read.js'

/** Triton / Open Inference Protocol names for ONNX element types. */
const DATATYPES: Record<number, string> = {
  1: 'FP32', 2: 'UINT8', 3: 'INT8', 4: 'UINT16', 5: 'INT16', 6: 'INT32', 7: 'INT64', 8: 'BYTES',
  9: 'BOOL', 10: 'FP16', 11: 'FP64', 12: 'UINT32', 13: 'UINT64', 16: 'BF16',
}

export interface TensorInfo { name: string, datatype: string, shape: number[] }

export interface OnnxSummary {
  inputs: TensorInfo[]
  outputs: TensorInfo[]
  opset: number
  ops: string[]
  metadata: Record<string, string>
  producer: string
}

/**
 * Reads what the registry needs to know about an ONNX file without running it: the graph's real
 * inputs (initializers excluded, as older exporters list them as inputs too), outputs, opset,
 * the operators used and metadata_props. Throws a 422 AppError for a file that is not ONNX.
 */
export function inspectOnnx (bytes: Uint8Array): OnnxSummary {
  let model: onnxProto.onnx.ModelProto
  try {
    model = decodeOnnx(bytes)
  } catch (err) {
    throw new AppError(422, 'invalid_model', `the file is not an ONNX model: ${(err as Error).message}`, { field: 'model' })
  }
  const graph = model.graph
  if (graph == null || (graph.node ?? []).length === 0) {
    throw new AppError(422, 'invalid_model', 'the file is not an ONNX model: it has no graph or no nodes', { field: 'model' })
  }
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name))
  const describe = (v: onnxProto.onnx.IValueInfoProto, kind: string): TensorInfo => {
    const tensor = v.type?.tensorType
    if (tensor == null) {
      throw new AppError(422, 'unsupported_model', `${kind} '${v.name}' is not a tensor (sequence, map or optional values cannot be served)`, { field: 'model' })
    }
    const dims = tensor.shape?.dim ?? []
    return {
      name: v.name ?? '',
      datatype: DATATYPES[tensor.elemType ?? 0] ?? `ONNX_TYPE_${tensor.elemType ?? 0}`,
      shape: dims.map((d) => (d.dimValue != null && Number(d.dimValue) > 0 ? Number(d.dimValue) : -1)),
    }
  }
  const metadata: Record<string, string> = {}
  for (const p of model.metadataProps ?? []) if (p.key != null) metadata[p.key] = p.value ?? ''
  const defaultDomain = (model.opsetImport ?? []).find((o) => o.domain == null || o.domain === '' || o.domain === 'ai.onnx')
  return {
    inputs: (graph.input ?? []).filter((v) => !initializers.has(v.name ?? '')).map((v) => describe(v, 'input')),
    outputs: (graph.output ?? []).map((v) => describe(v, 'output')),
    opset: Number(defaultDomain?.version ?? 0),
    ops: [...new Set((graph.node ?? []).map((n) => n.opType ?? ''))],
    metadata,
    producer: model.producerName ?? '',
  }
}
