import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type, type Static } from 'typebox'
import { AppError } from '../src/errors.js'
import { ErrorResponse, ModelName, TensorInfo, VersionSelector, bodyErrors, errorResponses, ref, serverError } from '../src/schemas.js'
import { instancesToTensor } from '../src/inference/instances.js'
import { checkBatch } from '../src/inference/predict-service.js'
import type { VersionMeta } from '../src/registry/registry.js'

/** Open Inference Protocol v2 (KServe / Triton), so their clients can call the service as is. */
const V2ModelMetadata = Type.Object({
  name: Type.String(), versions: Type.Array(Type.String()), platform: Type.String(),
  inputs: Type.Array(ref(TensorInfo)), outputs: Type.Array(ref(TensorInfo)),
}, { $id: 'V2ModelMetadata', description: 'Open Inference Protocol v2 model metadata' })

const V2InferInput = Type.Object({
  name: Type.String({ maxLength: 256 }),
  shape: Type.Array(Type.Integer({ minimum: 0 }), { minItems: 1, maxItems: 8 }),
  datatype: Type.String({ maxLength: 16 }),
  data: Type.Array(Type.Union([Type.Number(), Type.Array(Type.Number())])),
  parameters: Type.Optional(Type.Object({}, { additionalProperties: true })),
})
const V2InferRequest = Type.Object({
  id: Type.Optional(Type.String({ maxLength: 256 })),
  inputs: Type.Array(V2InferInput, { minItems: 1, maxItems: 1 }),
  outputs: Type.Optional(Type.Array(Type.Object({ name: Type.String() }, { additionalProperties: true }))),
  parameters: Type.Optional(Type.Object({}, { additionalProperties: true })),
}, { $id: 'V2InferRequest' })
const V2InferResponse = Type.Object({
  model_name: Type.String(), model_version: Type.String(), id: Type.Optional(Type.String()),
  outputs: Type.Array(Type.Object({ name: Type.String(), shape: Type.Array(Type.Integer()), datatype: Type.String(), data: Type.Array(Type.Number()) })),
}, { $id: 'V2InferResponse', description: 'Open Inference Protocol v2 inference response' })
const V2Ready = Type.Object({ ready: Type.Boolean() }, { $id: 'V2Ready', description: 'Whether the server is live or ready' })

const ModelParams = Type.Object({ name: ModelName })
const VersionParams = Type.Object({ name: ModelName, version: VersionSelector })

function metadata (meta: VersionMeta, versions: number[]): Static<typeof V2ModelMetadata> {
  return { name: meta.name, versions: versions.map(String), platform: 'onnxruntime_onnx', inputs: meta.inputs, outputs: meta.outputs }
}

const inferenceV2Routes: FastifyPluginAsyncTypebox = async (app) => {
  for (const schema of [V2ModelMetadata, V2InferRequest, V2InferResponse, V2Ready]) app.addSchema(schema)
  const { registry, predictor } = app.services

  app.get('/v2/health/live', { schema: { operationId: 'v2Live', tags: ['inference-v2'], summary: 'Server live', response: { 200: ref(V2Ready), ...serverError } } }, async () => ({ ready: true }))
  app.get('/v2/health/ready', { schema: { operationId: 'v2Ready', tags: ['inference-v2'], summary: 'Server ready', response: { 200: ref(V2Ready), 503: ref(V2Ready), ...serverError } } }, async (_req, reply) => {
    const ready = (await app.services.readiness()).ready
    return await reply.code(ready ? 200 : 503).send({ ready })
  })

  const modelMeta = (name: string, version?: string): Static<typeof V2ModelMetadata> => {
    const meta = registry.resolve(name, version ?? 'latest')
    return metadata(meta, registry.listModels().find((m) => m.name === name)?.versions ?? [meta.version])
  }
  app.get('/v2/models/:name', { schema: { operationId: 'v2ModelMetadata', tags: ['inference-v2'], summary: 'Model metadata (latest version)', params: ModelParams, response: { 200: ref(V2ModelMetadata), ...errorResponses } } },
    async (request) => modelMeta(request.params.name))
  app.get('/v2/models/:name/versions/:version', { schema: { operationId: 'v2ModelVersionMetadata', tags: ['inference-v2'], summary: 'Model version metadata', params: VersionParams, response: { 200: ref(V2ModelMetadata), ...errorResponses } } },
    async (request) => modelMeta(request.params.name, request.params.version))

  const infer = async (name: string, version: string | undefined, body: Static<typeof V2InferRequest>): Promise<Static<typeof V2InferResponse>> => {
    const meta = registry.resolve(name, version ?? 'latest')
    const loaded = await predictor.load(meta)
    const input = body.inputs[0]
    if (input.name !== loaded.inputName) throw new AppError(400, 'invalid_input', `inputs[0].name is '${input.name.slice(0, 80)}'; the model's input is '${loaded.inputName}'`, { field: 'inputs[0].name' })
    if (input.datatype !== 'FP32' && input.datatype !== 'FP64') throw new AppError(400, 'invalid_input', `inputs[0].datatype ${input.datatype.slice(0, 16)} is not supported: send FP32`, { field: 'inputs[0].datatype' })
    const flat = input.data.flat()
    const width = loaded.width
    const rows = input.shape.length === 1 ? 1 : input.shape[0]
    const shapeWidth = input.shape[input.shape.length - 1]
    if (shapeWidth !== width || input.shape.length > 2) throw new AppError(400, 'invalid_input', `inputs[0].shape [${input.shape.join(', ')}] does not fit the model's input [-1, ${width}]`, { field: 'inputs[0].shape' })
    if (flat.length !== rows * width) throw new AppError(400, 'invalid_input', `inputs[0].data has ${flat.length} values; shape [${input.shape.join(', ')}] needs ${rows * width}`, { field: 'inputs[0].data' })
    checkBatch(rows, app.config.MAX_BATCH)
    const instances = Array.from({ length: rows }, (_, r) => flat.slice(r * width, (r + 1) * width))
    const tensor = instancesToTensor(instances, loaded)
    const probabilities = await predictor.predict(loaded, tensor.values, tensor.rows)
    return {
      model_name: meta.name,
      model_version: String(meta.version),
      ...(body.id != null ? { id: body.id } : {}),
      outputs: [{ name: loaded.outputName, shape: [rows, 1], datatype: 'FP32', data: Array.from(probabilities) }],
    }
  }
  const inferSchema = { tags: ['inference-v2'], body: ref(V2InferRequest), response: { 200: ref(V2InferResponse), 422: ref(ErrorResponse), ...bodyErrors, ...errorResponses } }
  app.post('/v2/models/:name/infer', { schema: { ...inferSchema, operationId: 'v2Infer', summary: 'Inference (latest version), no proof', params: ModelParams } },
    async (request) => await infer(request.params.name, undefined, request.body))
  app.post('/v2/models/:name/versions/:version/infer', { schema: { ...inferSchema, operationId: 'v2InferVersion', summary: 'Inference on a version, no proof', params: VersionParams } },
    async (request) => await infer(request.params.name, request.params.version, request.body))
}

export default inferenceV2Routes
