import fp from 'fastify-plugin'
import type { FastifyError } from 'fastify'
import { AppError } from '../../errors.js'

/** Fastify's own error codes that are the client's fault, with the status and code we answer. */
const CLIENT_ERRORS: Record<string, [number, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'body_too_large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported_media_type'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'invalid_content_length'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'empty_body'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'invalid_json'],
  FST_ERR_INVALID_URL: [400, 'invalid_url'],
  FST_REQ_FILE_TOO_LARGE: [413, 'file_too_large'],
  FST_PARTS_LIMIT: [413, 'too_many_parts'],
  FST_FILES_LIMIT: [413, 'too_many_files'],
  FST_FIELDS_LIMIT: [413, 'too_many_fields'],
  FST_INVALID_MULTIPART_CONTENT_TYPE: [415, 'not_multipart'],
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
    if (known != null) return reply.code(known[0]).send({ error: known[1], message: err.message })
    if (err instanceof SyntaxError || (err.statusCode != null && err.statusCode >= 400 && err.statusCode < 500)) {
      const status = err.statusCode != null && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400
      return reply.code(status).send({ error: (err.code ?? 'bad_request').toLowerCase(), message: err.message })
    }
    request.log.error({ err }, 'request failed')
    return reply.code(500).send({ error: 'internal_error', message: 'the server failed to handle the request; see its log' })
  })
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ error: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` })
  })
}, { name: 'errors' })
