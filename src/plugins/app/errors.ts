import fp from 'fastify-plugin'
import type { FastifyError, FastifyRequest } from 'fastify'
import { AppError } from '../../errors.js'
import type { Config } from '../../config.js'
import { MULTIPART_LIMITS } from '../external/multipart.js'

type Where = Record<string, string | number>
interface ClientAnswer { status: number, error: string, message: string, where?: Where }

const contentTypeOf = (request: FastifyRequest): string => String(request.headers['content-type'] ?? '').slice(0, 80)

/** The content types a route reads, from its schema (`consumes`, or the keys of `body.content`); none when it reads no body. */
function acceptedTypes (request: FastifyRequest): string[] {
  const schema = request.routeOptions.schema as { consumes?: string[], body?: { content?: Record<string, unknown> } } | undefined
  if (schema?.consumes != null) return schema.consumes
  if (schema?.body?.content != null) return Object.keys(schema.body.content)
  return schema?.body != null ? ['application/json'] : []
}

/** The setting behind a route's body limit, to name in a 413. */
function bodyLimitSetting (limit: number, config: Config): string {
  if (limit === config.JSON_BODY_LIMIT) return 'JSON_BODY_LIMIT'
  if (limit === config.BODY_LIMIT) return 'BODY_LIMIT'
  return 'the route\'s body limit'
}

/**
 * Fastify's (and @fastify/multipart's) own error codes that are the client's fault: the status and code we answer, a
 * message that says what to send instead, and `where` (the header, the body, the part) like every other 4xx.
 */
const CLIENT_ERRORS: Record<string, (err: FastifyError & { part?: { fieldname?: string } }, request: FastifyRequest, config: Config)
=> ClientAnswer> = {
  FST_ERR_CTP_BODY_TOO_LARGE: (_err, request, config) => {
    const limit = request.routeOptions.bodyLimit ?? config.BODY_LIMIT
    return {
      status: 413,
      error: 'body_too_large',
      message: `the request body is larger than ${limit} bytes (${bodyLimitSetting(limit, config)}) for ${request.method} ` +
        `${request.routeOptions.url ?? request.url.split('?')[0]}`,
      where: { field: 'body', limit_bytes: limit },
    }
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: (_err, request) => {
    const accepted = acceptedTypes(request)
    return {
      status: 415,
      error: 'unsupported_media_type',
      message: `content type '${contentTypeOf(request)}' is not accepted by ${request.method} ` +
        `${request.routeOptions.url ?? request.url.split('?')[0]}: ` +
        (accepted.length > 0 ? `send ${accepted.join(' or ')} (the Content-Type header)` : 'it reads no body: send none'),
      where: { header: 'content-type' },
    }
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: (err) => ({
    status: 400, error: 'invalid_content_length', message: err.message, where: { header: 'content-length' }
  }),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => ({
    status: 400,
    error: 'empty_body',
    message: 'the body is empty, but the content type is application/json: send a JSON value',
    where: { field: 'body' },
  }),
  // bodies.ts answers an unparsable JSON body itself (with the parser's position); this is the fallback.
  FST_ERR_CTP_INVALID_JSON_BODY: () => ({
    status: 400, error: 'invalid_json', message: 'the body is not valid JSON', where: { field: 'body' }
  }),
  FST_ERR_INVALID_URL: (err) => ({ status: 400, error: 'invalid_url', message: err.message, where: { field: 'url' } }),
  FST_REQ_FILE_TOO_LARGE: (err, _request, config) => {
    const part = err.part?.fieldname?.slice(0, 80)
    return {
      status: 413,
      error: 'file_too_large',
      message: `${part != null ? `the file part '${part}'` : 'an uploaded file'} is larger than ${config.UPLOAD_LIMIT} bytes ` +
        '(UPLOAD_LIMIT)',
      where: { field: part ?? 'body', limit_bytes: config.UPLOAD_LIMIT },
    }
  },
  FST_PARTS_LIMIT: () => ({
    status: 413,
    error: 'too_many_parts',
    message: `the multipart body has more than ${MULTIPART_LIMITS.parts} parts`,
    where: { field: 'body', limit: MULTIPART_LIMITS.parts },
  }),
  FST_FILES_LIMIT: () => ({
    status: 413,
    error: 'too_many_files',
    message: `the multipart body has more than ${MULTIPART_LIMITS.files} file parts`,
    where: { field: 'body', limit: MULTIPART_LIMITS.files },
  }),
  FST_FIELDS_LIMIT: () => ({
    status: 413,
    error: 'too_many_fields',
    message: `the multipart body has more than ${MULTIPART_LIMITS.fields} plain fields`,
    where: { field: 'body', limit: MULTIPART_LIMITS.fields },
  }),
  FST_INVALID_MULTIPART_CONTENT_TYPE: (_err, request) => ({
    status: 415,
    error: 'not_multipart',
    message: `content type '${contentTypeOf(request)}' is not multipart/form-data, which this route reads (the Content-Type header)`,
    where: { header: 'content-type' },
  }),
}

/**
 * Every error is an Error JSON: ours (AppError) as thrown, validation errors naming the field,
 * Fastify's client errors with their status, and anything else a logged 500 that blames no client.
 */
export default fp(async (app) => {
  app.setErrorHandler((err: FastifyError & Partial<AppError>, request, reply) => {
    if (err instanceof AppError) {
      // A powers of tau too small for a batch is a server limit that no retry lifts: no Retry-After
      if (err.statusCode === 503 && err.code !== 'ptau_too_small') void reply.header('retry-after', '5')
      return reply.code(err.statusCode).send({ error: err.code, message: err.message, ...(err.where != null ? { where: err.where } : {}) })
    }
    if (err.validation != null) {
      const first = err.validation[0]
      const location = `${err.validationContext ?? 'request'}${first?.instancePath ?? ''}`
      const extra = (first?.params as { additionalProperty?: string } | undefined)?.additionalProperty
      // A union of literals fails with one "must be equal to constant" per branch: name them all.
      const allowed = first?.keyword === 'const'
        ? err.validation.filter((e) => e.keyword === 'const' && e.instancePath === first.instancePath)
          .map((e) => JSON.stringify((e.params as { allowedValue?: unknown }).allowedValue))
        : []
      const detail = extra != null
        ? `${first?.message ?? ''}: '${extra.slice(0, 80)}'`
        : allowed.length > 0 ? `must be one of ${allowed.join(', ')}` : first?.message ?? err.message
      return reply.code(400).send({
        error: 'validation_error',
        message: `${location} ${detail}`,
        where: { field: extra != null ? `${location}/${extra.slice(0, 80)}` : location },
      })
    }
    const known = err.code != null ? CLIENT_ERRORS[err.code] : undefined
    if (known != null) {
      const { status, error, message, where } = known(err, request, app.config)
      return reply.code(status).send({ error, message, ...(where != null ? { where } : {}) })
    }
    if (err instanceof SyntaxError || (err.statusCode != null && err.statusCode >= 400 && err.statusCode < 500)) {
      const status = err.statusCode != null && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400
      return reply.code(status).send({ error: (err.code ?? 'bad_request').toLowerCase(), message: err.message })
    }
    request.log.error({ err }, 'request failed')
    return reply.code(500).send({ error: 'internal_error', message: 'the server failed to handle the request; see its log' })
  })
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0].slice(0, 200)
    const route = `${request.method} ${path}`
    void reply.code(404).send({ error: 'not_found', message: `no route ${route}`, where: { route } })
  })
}, { name: 'errors', dependencies: ['config'] })
