import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type, type Static } from 'typebox'
import {
  ErrorResponse, ModelName, TensorInfo, VersionSelector, bodyErrors, errorResponses, ref,
  serverError
} from '../src/schemas/index.js'

/** Open Inference Protocol v2 (KServe / Triton), so their clients can call the service as is. */
const V2ModelMetadata = Type.Object({
  name: Type.String(),
  versions: Type.Array(Type.String()),
  platform: Type.String(),
  inputs: Type.Array(ref(TensorInfo)),
  outputs: Type.Array(ref(TensorInfo)),
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
  outputs: Type.Optional(Type.Array(Type.Object({ name: Type.String({ maxLength: 256 }) }, { additionalProperties: true }), {
    maxItems: 16,
    description: 'The output tensors wanted, by name (GET /v2/models/{name} lists them: probability and logit for the models this ' +
      'service trains); without it, every output'
  })),
  parameters: Type.Optional(Type.Object({}, { additionalProperties: true })),
}, { $id: 'V2InferRequest' })
const V2InferResponse = Type.Object({
  model_name: Type.String(),
  model_version: Type.String(),
  id: Type.Optional(Type.String()),
  outputs: Type.Array(Type.Object({
    name: Type.String(),
    shape: Type.Array(Type.Integer()),
    datatype: Type.String(),
    data: Type.Array(Type.Number())
  })),
}, { $id: 'V2InferResponse', description: 'Open Inference Protocol v2 inference response' })
const V2Ready = Type.Object({ ready: Type.Boolean() }, { $id: 'V2Ready', description: 'Whether the server is live or ready' })

const ModelParams = Type.Object({ name: ModelName })
const VersionParams = Type.Object({ name: ModelName, version: VersionSelector })

const inferenceV2Routes: FastifyPluginAsyncTypebox = async (app) => {
  for (const schema of [V2ModelMetadata, V2InferRequest, V2InferResponse, V2Ready]) app.addSchema(schema)
  const { models, predictions, training } = app.services

  app.get('/v2/health/live', {
    schema: { operationId: 'v2Live', tags: ['inference-v2'], summary: 'Server live', response: { 200: ref(V2Ready), ...serverError } },
    config: { access: 'public', live: true },
  }, async () => ({ ready: true }))
  app.get('/v2/health/ready', {
    schema: {
      operationId: 'v2Ready',
      tags: ['inference-v2'],
      summary: 'Server ready',
      response: {
        200: ref(V2Ready),
        503: ref(V2Ready),
        ...serverError
      }
    },
    config: { access: 'public' },
  }, async (_req, reply) => {
    const ready = (await training.readiness()).ready
    return await reply.code(ready ? 200 : 503).send({ ready })
  })

  const modelMeta = (name: string, version?: string): Static<typeof V2ModelMetadata> => {
    const meta = models.resolve(name, version ?? 'latest')
    return {
      name: meta.name,
      versions: models.versions(meta).map(String),
      platform: 'onnxruntime_onnx',
      inputs: meta.inputs,
      outputs: meta.outputs
    }
  }
  app.get('/v2/models/:name', {
    schema: {
      operationId: 'v2ModelMetadata',
      tags: ['inference-v2'],
      summary: 'Model metadata (latest version)',
      params: ModelParams,
      response: { 200: ref(V2ModelMetadata), ...errorResponses },
    },
    config: { access: 'read' },
  }, async (request) => modelMeta(request.params.name))
  app.get('/v2/models/:name/versions/:version', {
    schema: {
      operationId: 'v2ModelVersionMetadata',
      tags: ['inference-v2'],
      summary: 'Model version metadata',
      params: VersionParams,
      response: { 200: ref(V2ModelMetadata), ...errorResponses },
    },
    config: { access: 'read' },
  }, async (request) => modelMeta(request.params.name, request.params.version))

  const infer = async (name: string, version: string | undefined,
    body: Static<typeof V2InferRequest>): Promise<Static<typeof V2InferResponse>> => {
    const { meta, outputs } = await predictions.infer(name, version, body.inputs[0], body.outputs?.map((o) => o.name))
    return { model_name: meta.name, model_version: String(meta.version), ...(body.id != null ? { id: body.id } : {}), outputs }
  }
  const inferSchema = {
    tags: ['inference-v2'],
    body: ref(V2InferRequest),
    response: {
      200: ref(V2InferResponse),
      422: ref(ErrorResponse),
      ...bodyErrors,
      ...errorResponses
    }
  }
  // Tensors are data: these routes keep BODY_LIMIT (the control routes get JSON_BODY_LIMIT).
  const inferOptions = { bodyLimit: app.config.BODY_LIMIT, config: { access: 'read' as const } }
  app.post('/v2/models/:name/infer', {
    schema: {
      ...inferSchema,
      operationId: 'v2Infer',
      summary: 'Inference (latest version), no proof',
      params: ModelParams
    },
    ...inferOptions,
  }, async (request) => await infer(request.params.name, undefined, request.body))
  app.post('/v2/models/:name/versions/:version/infer', {
    schema: {
      ...inferSchema,
      operationId: 'v2InferVersion',
      summary: 'Inference on a version, no proof',
      params: VersionParams
    },
    ...inferOptions,
  }, async (request) => await infer(request.params.name, request.params.version, request.body))
}

export default inferenceV2Routes
