import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type, type Static } from 'typebox'
import { AppError } from '../src/errors.js'
import {
  AliasRequest, ErrorResponse, Evaluation, ModelList, ModelName, ModelSummary, ModelVersion, Registered, VerificationKey, VersionSelector,
  bodyErrors, errorResponses, ref, serverError, uploadMultipartBody,
} from '../src/schemas/index.js'
import multipart from '../src/plugins/external/multipart.js'
import { jsonPartOf, parseSpecPart, readParts, type JsonPart } from './lib/multipart.js'

const NameParams = Type.Object({ name: ModelName })
const VersionParams = Type.Object({ name: ModelName, version: VersionSelector })
const AliasParams = Type.Object({ name: ModelName, alias: Type.String({ pattern: '^[a-z][a-z0-9_-]{0,63}$' }) })
const PrivateParameters = Type.Object({
  circuit_id: Type.String(),
  sizes: Type.Array(Type.Integer()),
  commitment: Type.String(),
  salt: Type.String({ description: 'decimal field element' }),
  parameters: Type.Object({}, {
    additionalProperties: true, description: 'quantized scaler, weights, biases, threshold (decimal strings)',
  }),
}, {
  $id: 'PrivateParameters',
  description: "A private version's secrets: with them anyone recomputes its commitment (src/proofs/private/commitment.ts)"
})
const Deleted = Type.Object({
  name: Type.String(),
  version: Type.Integer(),
  deleted: Type.Literal(true),
  cancelled_proofs: Type.Integer({ description: 'queued proofs of the version that now fail with "version N was deleted"' }),
}, {
  $id: 'Deleted',
  description: 'The deleted version: a tombstone stays (GET answers it with status deleted) so that its finished proofs stay ' +
    'verifiable and downloadable'
})

const modelRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // Multipart bodies are read by this file's routes only: the plugin's two async hooks run on every request of the
  // context it is registered in, and /predict paid for them (BENCHMARKS.md, "Prediction without proof").
  await app.register(multipart)
  app.addSchema(Deleted)
  app.addSchema(PrivateParameters)
  const { models } = app.services

  app.get('/models', {
    schema: {
      operationId: 'listModels',
      tags: ['models'],
      summary: 'List models with their versions and aliases',
      response: { 200: ref(ModelList), ...serverError }
    },
    config: { access: 'read' },
  }, async () => ({ models: models.list() }))

  app.get('/models/:name', {
    schema: {
      operationId: 'getModel',
      tags: ['models'],
      summary: "The model's latest version",
      params: NameParams,
      response: { 200: ref(ModelVersion), ...errorResponses },
    },
    config: { access: 'read' },
  }, async (request) => models.view(request.params.name))

  app.get('/models/:name/versions/:version', {
    schema: {
      operationId: 'getModelVersion',
      tags: ['models'],
      summary: 'A model version by number or alias',
      params: VersionParams,
      response: { 200: ref(ModelVersion), ...errorResponses },
    },
    config: { access: 'read' },
  }, async (request) => models.view(request.params.name, request.params.version))

  app.get('/models/:name/versions/:version/evaluation', {
    schema: {
      operationId: 'getModelEvaluation',
      tags: ['models'],
      summary: "The version's evaluation: METHOD's split and the walk-forward backtest, with baselines, lifts, intervals, curves",
      params: VersionParams,
      response: { 200: ref(Evaluation), ...errorResponses },
    },
    config: { access: 'read' },
  }, async (request) => await models.evaluation(request.params.name, request.params.version))

  app.get('/models/:name/versions/:version/model.onnx', {
    schema: {
      operationId: 'getModelOnnx',
      tags: ['models'],
      summary: "The version's ONNX file (a private version's only with an admin key: 403 otherwise)",
      params: VersionParams,
      response: {
        200: { description: 'ONNX model bytes', content: { 'application/octet-stream': { schema: Type.String({ format: 'binary' }) } } },
        403: ref(ErrorResponse),
        ...errorResponses,
      },
    },
    config: { access: 'read' },
  }, async (request, reply) => {
    const { meta, bytes } = await models.onnx(request.params.name, request.params.version, app.apiKeys.isAdmin(request))
    return await reply
      .type('application/octet-stream')
      .header('content-disposition', `attachment; filename="${meta.name}-v${meta.version}.onnx"`)
      .header('x-onnx-sha256', meta.onnx_sha256)
      .send(bytes as unknown as string)
  })

  app.get('/models/:name/versions/:version/private-parameters', {
    schema: {
      operationId: 'getPrivateParameters',
      tags: ['models'],
      summary: "A private version's quantized weights and salt (admin key only: 403 otherwise)",
      params: VersionParams,
      response: { 200: ref(PrivateParameters), 403: ref(ErrorResponse), ...errorResponses },
    },
    config: { access: 'read' },
  }, async (request) => {
    const secrets = await models.privateParameters(request.params.name, request.params.version, app.apiKeys.isAdmin(request))
    return secrets as Static<typeof PrivateParameters>
  })

  app.post('/models', {
    schema: {
      operationId: 'uploadModel',
      tags: ['models'],
      summary: 'Register an ONNX model trained elsewhere (multipart: model file + spec JSON)',
      consumes: ['multipart/form-data'],
      response: {
        201: ref(Registered),
        400: ref(ErrorResponse),
        413: ref(ErrorResponse),
        415: ref(ErrorResponse),
        422: ref(ErrorResponse),
        ...serverError
      },
    },
    config: {
      access: 'write',
      // The parts are read one by one in the handler (the spec is validated by the use case), so the body is declared for the document
      // only.
      swaggerTransform: ({ schema, url }) => ({
        schema: {
          ...schema,
          body: { content: { 'multipart/form-data': { schema: uploadMultipartBody } } }
        },
        url
      }),
    },
  }, async (request, reply) => {
    if (!request.isMultipart()) {
      throw new AppError(415, 'unsupported_media_type',
        'send multipart/form-data with a \'model\' file part (ONNX) and a \'spec\' JSON part', { header: 'content-type' })
    }
    let onnx: Buffer | undefined
    let specPart: JsonPart | undefined
    await readParts(request, async (part) => {
      const field = part.fieldname.slice(0, 80)
      if (part.fieldname === 'spec') {
        specPart = await jsonPartOf(part)
      } else if (part.type === 'file') {
        if (part.fieldname === 'model') onnx = await part.toBuffer()
        else throw new AppError(400, 'unexpected_part', `unexpected file part '${field}': send 'model' and 'spec'`, { field })
      } else {
        throw new AppError(400, 'unexpected_part', `unexpected field '${field}': send 'model' and 'spec'`, { field })
      }
    })
    const spec = parseSpecPart(specPart, ': send a JSON part such as {"name": "my-model", "features": [...]}')
    const meta = await models.upload(onnx, spec)
    return await reply.code(201).send({ name: meta.name, version: meta.version, href: `/models/${meta.name}/versions/${meta.version}` })
  })

  app.delete('/models/:name/versions/:version', {
    schema: {
      operationId: 'deleteModelVersion',
      tags: ['models'],
      summary: 'Delete a version (its number is never reused; its finished proofs stay verifiable, its queued ones fail)',
      params: VersionParams,
      response: { 200: ref(Deleted), ...errorResponses },
    },
    config: { access: 'write' },
  }, async (request) => {
    const { record, cancelled } = await models.delete(request.params.name, request.params.version)
    return { name: record.name, version: record.version, deleted: true as const, cancelled_proofs: cancelled }
  })

  app.put('/models/:name/aliases/:alias', {
    schema: {
      operationId: 'setModelAlias',
      tags: ['models'],
      summary: 'Point an alias (such as champion) at a version',
      params: AliasParams,
      body: ref(AliasRequest),
      response: { 200: ref(ModelSummary), ...bodyErrors, ...errorResponses },
    },
    config: { access: 'write' },
  }, async (request) => await models.setAlias(request.params.name, request.params.alias, request.body.version))

  app.get('/models/:name/versions/:version/verification-key', {
    schema: {
      operationId: 'getVerificationKey',
      tags: ['proofs'],
      summary: "The version's snarkjs verification key",
      params: VersionParams,
      response: { 200: ref(VerificationKey), 409: ref(ErrorResponse), 422: ref(ErrorResponse), ...errorResponses },
    },
    config: { access: 'read' },
  }, async (request) => await models.verificationKey(request.params.name, request.params.version) as Static<typeof VerificationKey>)

  app.get('/models/:name/versions/:version/batch-verifier.sol', {
    schema: {
      operationId: 'getBatchSolidityVerifier',
      tags: ['proofs'],
      summary: 'The Solidity contract of the version\'s batch circuit of `size` rows (verifyBatch: rows and outputs as calldata)',
      params: VersionParams,
      querystring: Type.Object({
        size: Type.Integer({
          minimum: 1, maximum: 1024, description: 'batch size: a power of two below MAX_BATCH_PROOF, or MAX_BATCH_PROOF',
        }),
      }, { additionalProperties: false }),
      response: {
        200: { description: 'Solidity source', content: { 'text/plain': { schema: Type.String() } } },
        409: ref(ErrorResponse),
        ...errorResponses,
      },
    },
    config: { access: 'read' },
  }, async (request, reply) => {
    const source = await models.batchVerifier(request.params.name, request.params.version, request.query.size)
    return await reply.type('text/plain; charset=utf-8').send(source)
  })

  app.get('/models/:name/versions/:version/verifier.sol', {
    schema: {
      operationId: 'getSolidityVerifier',
      tags: ['proofs'],
      summary: 'A Solidity verifier contract for the version',
      params: VersionParams,
      response: {
        200: { description: 'Solidity source', content: { 'text/plain': { schema: Type.String() } } },
        409: ref(ErrorResponse),
        422: ref(ErrorResponse),
        ...errorResponses,
      },
    },
    config: { access: 'read' },
  }, async (request, reply) => {
    const source = await models.solidityVerifier(request.params.name, request.params.version)
    return await reply.type('text/plain; charset=utf-8').send(source)
  })
}

export default modelRoutes
