import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { AppError } from '../src/errors.js'
import {
  ErrorResponse, TrainJob, TrainJobList, TrainRequest, errorResponses, ref, serverError, trainMultipartBody,
  type TrainRequestBody
} from '../src/schemas/index.js'
import multipart from '../src/plugins/external/multipart.js'
import { jsonPartOf, parseSpecPart, readParts, type JsonPart } from './lib/multipart.js'

const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) })
const TrainListQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50, description: 'Jobs per page' }),
  cursor: Type.Optional(Type.String({ maxLength: 200, description: 'The `next` of the previous page' })),
}, { additionalProperties: false })

const trainRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // Multipart bodies are read by this file's routes only: the plugin's two async hooks run on every request of the
  // context it is registered in, and /predict paid for them (BENCHMARKS.md, "Prediction without proof").
  await app.register(multipart)
  const { training } = app.services

  app.post('/train', {
    schema: {
      operationId: 'startTraining',
      tags: ['training'],
      summary: 'Start a training job (synthetic data, dataset URLs, or uploaded files)',
      description: 'JSON body, or multipart/form-data with a `spec` JSON part (a TrainRequest without `data`) and one file part per ' +
        'dataset: ' +
        'liquidations_v2, liquidations_v3, deposits_borrows_v2, deposits_borrows_v3, token_prices (.csv, .parquet, .arrow/.arrows, .json).',
      consumes: ['application/json', 'multipart/form-data'],
      body: { content: { 'application/json': { schema: ref(TrainRequest) } } },
      response: {
        202: ref(TrainJob),
        400: ref(ErrorResponse),
        413: ref(ErrorResponse),
        415: ref(ErrorResponse),
        503: ref(ErrorResponse),
        ...serverError
      },
    },
    config: {
      access: 'write',
      // The multipart body is read part by part in the handler (validated there), so it is declared for the document only.
      swaggerTransform: ({ schema, url }) => ({
        schema: {
          ...schema,
          body: {
            content: {
              'application/json': { schema: ref(TrainRequest) },
              'multipart/form-data': { schema: trainMultipartBody }
            }
          }
        },
        url,
      }),
    },
  }, async (request, reply) => {
    if (request.isMultipart()) {
      const upload = training.beginUpload()
      try {
        let specPart: JsonPart | undefined
        await readParts(request, async (part) => {
          if (part.fieldname === 'spec') {
            specPart = await jsonPartOf(part)
            return
          }
          await upload.add(part.fieldname, part.type === 'file' ? part : null)
        })
        const spec = parseSpecPart(specPart, ' (JSON: {"model": ..., "recipe": ..., "window": ...})')
        const validate = request.compileValidationSchema(ref(TrainRequest), 'body') // no type coercion, like a JSON body
        if (!validate(spec)) {
          const first = validate.errors?.[0]
          throw new AppError(400, 'invalid_spec', `spec${first?.instancePath ?? ''} ${first?.message ?? 'is invalid'}`,
            { field: `spec${first?.instancePath ?? ''}` })
        }
        return await reply.code(202).send(await upload.submit(spec as TrainRequestBody))
      } catch (err) {
        await upload.discard()
        throw err
      }
    }
    const contentType = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase()
    if (contentType !== 'application/json') {
      throw new AppError(415, 'unsupported_media_type',
        `content type '${contentType.slice(0, 80)}' is not supported: send application/json or multipart/form-data`,
        { header: 'content-type' })
    }
    return await reply.code(202).send(await training.submit(request.body as TrainRequestBody))
  })

  app.get('/train/:id', {
    schema: {
      operationId: 'getTrainingJob',
      tags: ['training'],
      summary: 'A training job: status, progress, dataset, metrics, model',
      params: IdParams,
      response: { 200: ref(TrainJob), ...errorResponses },
    },
    config: { access: 'read' },
  }, async (request) => await training.get(request.params.id))

  app.get('/train', {
    schema: {
      operationId: 'listTrainingJobs',
      tags: ['training'],
      summary: 'Training jobs, newest first, a page at a time',
      querystring: TrainListQuery,
      response: { 200: ref(TrainJobList), 400: ref(ErrorResponse), ...serverError }
    },
    config: { access: 'read' },
  }, async (request) => await training.list(request.query.limit, request.query.cursor))
}

export default trainRoutes
