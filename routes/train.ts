import { createWriteStream } from 'node:fs'
import { mkdir, rm } from 'node:fs/promises'
import { pipeline } from 'node:stream/promises'
import path from 'node:path'
import type { FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { AppError } from '../src/errors.js'
import { DATASET_NAMES, type DatasetName } from '../src/data/types.js'
import type { DataSource } from '../src/data/sources.js'
import { allowedHosts, hostAllowed } from '../src/config.js'
import { ErrorResponse, TrainJob, TrainJobList, TrainRequest, errorResponses, ref, serverError, trainMultipartBody, type TrainRequestBody } from '../src/schemas.js'
import { randomUUID } from 'node:crypto'
import { parseSpecPart, readParts } from '../src/multipart.js'
import type { TrainSpec } from '../src/jobs/train-jobs.js'

const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) })
const TrainListQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50, description: 'Jobs per page' }),
  cursor: Type.Optional(Type.String({ maxLength: 200, description: 'The `next` of the previous page' })),
}, { additionalProperties: false })

/** Only http(s), and only allowed hosts when an allowlist is set: checked before a job is queued. */
function checkSourceUrl (dataset: string, text: string, hosts: string[] | undefined): void {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new AppError(400, 'invalid_url', `data.sources.${dataset}: '${text.slice(0, 200)}' is not a URL`, { field: `data.sources.${dataset}` })
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AppError(400, 'invalid_url', `data.sources.${dataset}: only http and https URLs are allowed, not ${url.protocol}`, { field: `data.sources.${dataset}` })
  }
  if (!hostAllowed(url, hosts)) {
    throw new AppError(400, 'host_not_allowed', `data.sources.${dataset}: host '${url.hostname}' is not in FETCH_ALLOWED_HOSTS`, { field: `data.sources.${dataset}` })
  }
}

function toSpec (body: TrainRequestBody, data: TrainSpec['data']): TrainSpec {
  return { model: body.model, recipe: body.recipe ?? 'default', window: body.window ?? 7, seed: body.seed ?? 0, epochs: body.epochs, proof_system: body.proof_system, data }
}

/** The multipart training request: a `spec` part and one file per dataset, written under `uploadDir`. */
async function readTrainUpload (request: FastifyRequest, uploadDir: string): Promise<TrainSpec> {
  const sources: Partial<Record<DatasetName, DataSource>> = {}
  let specText: string | undefined
  await readParts(request, async (part) => {
    if (part.fieldname === 'spec') {
      specText = part.type === 'file' ? (await part.toBuffer()).toString('utf8') : String(part.value)
      return
    }
    if (!(DATASET_NAMES as readonly string[]).includes(part.fieldname)) {
      throw new AppError(400, 'unexpected_part', `unexpected part '${part.fieldname.slice(0, 80)}': send 'spec' and the files ${DATASET_NAMES.join(', ')}`, { field: part.fieldname.slice(0, 80) })
    }
    if (part.type !== 'file') throw new AppError(400, 'invalid_part', `part '${part.fieldname}' must be a file`, { field: part.fieldname })
    // The stored name is the dataset's, never the client's file name: only its extension is kept.
    const ext = path.extname(part.filename ?? '').toLowerCase().replace(/[^.a-z]/g, '').slice(0, 10)
    const file = path.join(uploadDir, `${part.fieldname}${ext}`)
    await mkdir(uploadDir, { recursive: true })
    await pipeline(part.file, createWriteStream(file))
    if (part.file.truncated) throw new AppError(413, 'file_too_large', `${part.fieldname}: the file exceeds UPLOAD_LIMIT`, { field: part.fieldname })
    sources[part.fieldname as DatasetName] = { kind: 'path', path: file }
  })
  const spec = parseSpecPart(specText, ' (JSON: {"model": ..., "recipe": ..., "window": ...})')
  const validate = request.compileValidationSchema(ref(TrainRequest), 'body') // no type coercion, like a JSON body
  if (!validate(spec)) {
    const first = validate.errors?.[0]
    throw new AppError(400, 'invalid_spec', `spec${first?.instancePath ?? ''} ${first?.message ?? 'is invalid'}`, { field: `spec${first?.instancePath ?? ''}` })
  }
  const missing = DATASET_NAMES.filter((n) => sources[n] == null)
  if (missing.length > 0) throw new AppError(400, 'missing_part', `missing dataset file part(s): ${missing.join(', ')}`, { field: missing[0] })
  return toSpec(spec as TrainRequestBody, { sources: sources as Record<DatasetName, DataSource> })
}

const trainRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { trainJobs } = app.services
  const hosts = allowedHosts(app.config)

  app.post('/train', {
    schema: {
      operationId: 'startTraining', tags: ['training'],
      summary: 'Start a training job (synthetic data, dataset URLs, or uploaded files)',
      description: 'JSON body, or multipart/form-data with a `spec` JSON part (a TrainRequest without `data`) and one file part per dataset: liquidations_v2, liquidations_v3, deposits_borrows_v2, deposits_borrows_v3, token_prices (.csv, .parquet, .arrow/.arrows, .json).',
      consumes: ['application/json', 'multipart/form-data'],
      body: { content: { 'application/json': { schema: ref(TrainRequest) } } },
      response: { 202: ref(TrainJob), 400: ref(ErrorResponse), 413: ref(ErrorResponse), 415: ref(ErrorResponse), 503: ref(ErrorResponse), ...serverError },
    },
    // The multipart body is read part by part in the handler (validated there), so it is declared for the document only.
    config: { swaggerTransform: ({ schema, url }) => ({ schema: { ...schema, body: { content: { 'application/json': { schema: ref(TrainRequest) }, 'multipart/form-data': { schema: trainMultipartBody } } } }, url }) },
  }, async (request, reply) => {
    if (request.isMultipart()) {
      const id = randomUUID()
      const uploadDir = trainJobs.newUploadDir(id)
      try {
        const job = await trainJobs.submit(await readTrainUpload(request, uploadDir), id, uploadDir)
        return await reply.code(202).send(job)
      } catch (err) {
        // A refused upload leaves nothing behind.
        await rm(uploadDir, { recursive: true, force: true })
        throw err
      }
    }
    const contentType = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase()
    if (contentType !== 'application/json') throw new AppError(415, 'unsupported_media_type', `content type '${contentType.slice(0, 80)}' is not supported: send application/json or multipart/form-data`)
    const body = request.body as TrainRequestBody
    let data: TrainSpec['data'] = { synthetic: {} }
    if (body.data != null && 'sources' in body.data) {
      const sources = {} as Record<DatasetName, DataSource>
      for (const name of DATASET_NAMES) {
        checkSourceUrl(name, body.data.sources[name], hosts)
        sources[name] = { kind: 'url', url: body.data.sources[name] }
      }
      data = { sources }
    } else if (body.data != null && 'synthetic' in body.data) {
      data = { synthetic: body.data.synthetic }
    }
    const job = await trainJobs.submit(toSpec(body, data))
    return await reply.code(202).send(job)
  })

  app.get('/train/:id', {
    schema: { operationId: 'getTrainingJob', tags: ['training'], summary: 'A training job: status, progress, dataset, metrics, model', params: IdParams, response: { 200: ref(TrainJob), ...errorResponses } },
  }, async (request) => await trainJobs.get(request.params.id))

  app.get('/train', {
    schema: {
      operationId: 'listTrainingJobs', tags: ['training'], summary: 'Training jobs, newest first, a page at a time',
      querystring: TrainListQuery, response: { 200: ref(TrainJobList), 400: ref(ErrorResponse), ...serverError },
    },
  }, async (request) => await trainJobs.list(request.query.limit, request.query.cursor))
}

export default trainRoutes
