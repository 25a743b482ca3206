import Fastify, { type FastifyInstance, type FastifyError } from 'fastify'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import multipart from '@fastify/multipart'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Config } from './config.js'
import { AppError } from './errors.js'
import { sharedSchemas } from './schemas.js'
import { createServices, type Services } from './services.js'
import healthRoutes from '../routes/health.js'
import modelRoutes from '../routes/models.js'
import predictRoutes from '../routes/predict.js'
import trainRoutes from '../routes/train.js'
import proofRoutes from '../routes/proofs.js'
import inferenceV2Routes from '../routes/v2.js'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
    services: Services
  }
}

export type App = FastifyInstance

export interface BuildOptions {
  /** Start background work (default models, resumed jobs). Off for tools that only need the routes, e.g. the OpenAPI generator. */
  startBackground?: boolean
}

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
 * The one app factory, used by the server, the tests and the OpenAPI generator: external
 * plugins first, then the app's services, then the routes (thin HTTP layers over the services).
 */
export async function buildApp (config: Config, options: BuildOptions = {}): Promise<App> {
  const app = Fastify({
    logger: { level: config.LOG_LEVEL, redact: ['req.headers.authorization', 'req.headers["x-api-key"]'] },
    bodyLimit: config.BODY_LIMIT,
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, useDefaults: true, allErrors: false } },
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>()

  app.decorate('config', config)

  // External plugins
  for (const schema of sharedSchemas) app.addSchema(schema)
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'zkpredict',
        version: '0.1.0',
        description: 'Aave liquidation-risk predictions, each with a zero-knowledge proof (Groth16 or PLONK, snarkjs) that the published model version produced it.',
        license: { name: 'MIT', identifier: 'MIT' },
      },
      // Relative: the service answers on whatever host serves this document.
      servers: [{ url: '/', description: 'the service that serves this document' }],
      // No authentication: every operation is open.
      security: [],
      tags: [
        { name: 'service', description: 'Liveness, readiness' },
        { name: 'training', description: 'Train models as background jobs' },
        { name: 'models', description: 'The model registry' },
        { name: 'predict', description: 'Predictions' },
        { name: 'proofs', description: 'Zero-knowledge proofs of predictions' },
        { name: 'inference-v2', description: 'Open Inference Protocol v2 (KServe, Triton clients)' },
      ],
    },
    // Named components: every schema's $id becomes its component name.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
  await app.register(multipart, { limits: { fileSize: config.UPLOAD_LIMIT, files: 8, fields: 8, parts: 16, fieldSize: 1024 * 1024 } })
  app.addContentTypeParser(['application/vnd.apache.arrow.stream', 'application/octet-stream'], { parseAs: 'buffer' }, (_req, body, done) => done(null, body))

  app.setErrorHandler((err: FastifyError & Partial<AppError>, request, reply) => {
    if (err instanceof AppError) {
      if (err.statusCode === 503) void reply.header('retry-after', '5')
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
      return reply.code(400).send({ error: 'validation_error', message: `${location} ${detail}`, where: { field: extra != null ? `${location}/${extra.slice(0, 80)}` : location } })
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

  // App services: registry, inference, jobs
  const services = await createServices(config, app.log)
  app.decorate('services', services)
  app.addHook('onClose', async () => { await services.close() })

  // Routes
  await app.register(healthRoutes)
  await app.register(trainRoutes)
  await app.register(modelRoutes)
  await app.register(predictRoutes)
  await app.register(proofRoutes)
  await app.register(inferenceV2Routes)
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())

  if (options.startBackground !== false) {
    app.addHook('onReady', async () => { services.startBackground() })
  }
  return app
}
