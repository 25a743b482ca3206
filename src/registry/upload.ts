import { Value } from 'typebox/value'
import { AppError } from '../errors.js'
import { parseSpecPart } from '../multipart.js'
import { UploadSpec, type UploadSpecBody } from '../schemas.js'
import { createSession } from '../inference/session-cache.js'
import { inspectOnnx, type OnnxSummary } from './onnx-inspect.js'
import type { Registry, VersionMeta, ProofSystemName } from './registry.js'

export function parseUploadSpec (text: string | undefined): UploadSpecBody {
  const value = parseSpecPart(text, ': send a JSON part such as {"name": "my-model", "features": [...]}')
  if (!Value.Check(UploadSpec, value)) {
    const first = [...Value.Errors(UploadSpec, value)][0]
    const where = `spec${first?.instancePath ?? ''}`
    throw new AppError(400, 'invalid_spec', `${where} ${first?.message ?? 'is invalid'}`, { field: where })
  }
  return value
}

/**
 * What the service can serve: one float input of shape [N, W] or [1, W] (or [W]) and tensor
 * outputs. The file must also load in onnxruntime before it is accepted.
 */
export async function checkServable (onnx: Uint8Array, spec: UploadSpecBody): Promise<OnnxSummary> {
  const summary = inspectOnnx(onnx)
  if (summary.inputs.length !== 1) {
    throw new AppError(422, 'unsupported_model', `the model has ${summary.inputs.length} inputs (${summary.inputs.map((i) => i.name).join(', ')}); one input of shape [N, features] is required`, { field: 'model' })
  }
  const input = summary.inputs[0]
  if (input.datatype !== 'FP32') throw new AppError(422, 'unsupported_model', `input '${input.name}' has type ${input.datatype}; FP32 is required`, { field: 'model' })
  const width = input.shape[input.shape.length - 1]
  if (input.shape.length !== 2 || width == null || width < 1 || (input.shape[0] !== -1 && input.shape[0] !== 1)) {
    throw new AppError(422, 'unsupported_model', `input '${input.name}' has shape [${input.shape.join(', ')}]; [N, features] or [1, features] with a fixed feature count is required`, { field: 'model' })
  }
  if (summary.outputs.length === 0) throw new AppError(422, 'unsupported_model', 'the model has no outputs', { field: 'model' })
  if (spec.features != null && spec.features.length !== width) {
    throw new AppError(400, 'invalid_spec', `spec.features names ${spec.features.length} features; the model's input '${input.name}' takes ${width}`, { field: 'spec.features' })
  }
  if (spec.features != null && new Set(spec.features).size !== spec.features.length) {
    throw new AppError(400, 'invalid_spec', 'spec.features has duplicate names', { field: 'spec.features' })
  }
  try {
    const session = await createSession(onnx)
    await session.release()
  } catch (err) {
    throw new AppError(422, 'invalid_model', `onnxruntime cannot load the model: ${(err as Error).message.split('\n')[0]}`, { field: 'model' })
  }
  return summary
}

export async function registerUpload (registry: Registry, onnx: Uint8Array, spec: UploadSpecBody, defaultProofSystem: ProofSystemName): Promise<VersionMeta> {
  const summary = await checkServable(onnx, spec)
  const featuresFromMetadata = parseJsonArray(summary.metadata.feature_names)
  const threshold = spec.threshold ?? Number(summary.metadata.threshold ?? 0.5)
  return await registry.register({
    name: spec.name,
    source: 'uploaded',
    onnx,
    inputs: summary.inputs,
    outputs: summary.outputs,
    features: spec.features ?? featuresFromMetadata,
    threshold: Number.isFinite(threshold) ? threshold : 0.5,
    proof_system: spec.proof_system ?? defaultProofSystem,
  })
}

function parseJsonArray (text: string | undefined): string[] | null {
  if (text == null) return null
  try {
    const value = JSON.parse(text) as unknown
    return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : null
  } catch {
    return null
  }
}
