import Fastify, { LogController, type FastifyInstance, type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import multipart from '@fastify/multipart'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Config } from './config.js'
import { AppError } from './errors.js'
import { sharedSchemas } from './schemas.js'
import { validatorsWithoutBodyCoercion } from './validation.js'
import { createServices, type Services } from './services.js'
import metricsPlugin from './plugins/metrics.js'
import tracingPlugin from './plugins/tracing.js'
import uiPlugin from './plugins/ui.js'
import healthRoutes from '../routes/health.js'
import modelRoutes from '../routes/models.js'
import predictRoutes from '../routes/predict.js'
import trainRoutes from '../routes/train.js'
import proofRoutes from '../routes/proofs.js'
import inferenceV2Routes from '../routes/v2.js'
import helmet from 'helmet'
import underPressure from '@fastify/under-pressure'
import rateLimit from '@fastify/rate-limit'
import { ALWAYS_LIVE_OPERATIONS, ApiKeys, DATA_BODY_OPERATIONS, documentAccess, parseApiKeys, presentedKey, routeAccess, securitySchemes, type Access } from './access.js'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
    services: Services
  }
  interface FastifyContextConfig {
    /** Set for every documented route by the access block below (src/access.ts). */
    access?: Access
  }
}

export type App = FastifyInstance

/**
 * Fastify writes two access lines per request at info, which cost more than the model itself
 * (BENCHMARKS.md, "Request logging"): they go at REQUEST_LOG_LEVEL (debug by default) instead.
 * A failed request is still logged at error, as Fastify does.
 */
class AccessLogController extends LogController {
  constructor (private readonly level: Config['REQUEST_LOG_LEVEL']) { super() }

  override incomingRequest (request: FastifyRequest): void {
    request.log[this.level]({ req: request }, 'incoming request')
  }

  override requestCompleted (error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error != null) reply.log.error({ res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored')
    else reply.log[this.level]({ res: reply, responseTime: reply.elapsedTime }, 'request completed')
  }
}

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
    // Keys never reach the logs: request headers, and @fastify/multipart's trace of the headers it hands to busboy.
    logger: { level: config.LOG_LEVEL, redact: ['req.headers', 'busboyOptions.headers', 'headers'].flatMap((at) => [`${at}.authorization`, `${at}["x-api-key"]`, `${at}.cookie`]) },
    bodyLimit: config.BODY_LIMIT,
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, useDefaults: true, allErrors: false } },
    schemaController: validatorsWithoutBodyCoercion(),
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    logController: new AccessLogController(config.REQUEST_LOG_LEVEL),
  }).withTypeProvider<TypeBoxTypeProvider>()


  app.decorate('config', config)
  await app.register(tracingPlugin)

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
      // Open by default; each operation that takes an API key declares it (src/access.ts).
      security: [],
      tags: [
        { name: 'service', description: 'Liveness, readiness' },
        { name: 'training', description: 'Train models as background jobs' },
        { name: 'models', description: 'The model registry' },
        { name: 'predict', description: 'Predictions' },
        { name: 'proofs', description: 'Zero-knowledge proofs of predictions' },
        { name: 'inference-v2', description: 'Open Inference Protocol v2 (KServe, Triton clients)' },
      ],
      components: { securitySchemes } as never,
    },
    // Named components: every schema's $id becomes its component name.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
  await app.register(multipart, { limits: { fileSize: config.UPLOAD_LIMIT, files: 8, fields: 8, parts: 16, fieldSize: 1024 * 1024 } })

  // ---- Access, limits and protection (issue 8): keep these registrations together ----------
  // Order matters: the onRoute hook classifies each route before rate-limit adds its per-route hook;
  // under-pressure and rate-limit answer in onRequest, the key check runs in preParsing, so an
  // unauthorised upload is refused before its body is read.
  const apiKeys = new ApiKeys(parseApiKeys(config.API_KEYS), config.API_KEYS_REQUIRED_FOR_READ)
  if (!apiKeys.enabled) app.log.warn('API_KEYS is empty: anyone who can reach the service may train, upload, delete and change aliases')
  // No route reads text: without this parser a text/plain body would reach handlers as a string.
  app.removeContentTypeParser('text/plain')
  const rateLimited = config.RATE_LIMIT_MAX > 0
  app.addHook('onRoute', (route) => {
    const operationId = (route.schema as { operationId?: string } | undefined)?.operationId
    if (operationId == null) return // /docs, /openapi.json: public, not documented
    const access = routeAccess(route)
    const live = ALWAYS_LIVE_OPERATIONS.has(operationId)
    route.config = {
      ...route.config,
      access,
      // Health probes are not rate-limited; liveness answers even under pressure.
      ...(access === 'public' ? { rateLimit: false } : {}),
      ...(live ? { pressureHandler: () => null } : {}),
    } as typeof route.config
    if (route.bodyLimit == null && !DATA_BODY_OPERATIONS.has(operationId)) route.bodyLimit = config.JSON_BODY_LIMIT
    documentAccess(route, access, rateLimited && access !== 'public', !live)
  })
  // Security headers from helmet, built once: @fastify/helmet rebuilds the helmet middleware (and
  // re-parses the CSP) on every request, 10% of /predict's CPU in BENCHMARKS.md's profile.
  const securityHeaders = helmet({
    // Swagger UI (/docs) loads only its own scripts; plain-http deployments must not be upgraded to https.
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
  })
  app.addHook('onRequest', (request, reply, done) => { securityHeaders(request.raw, reply.raw, (err?: unknown) => { done(err as Error | undefined) }) })
  let readyAt: number | undefined
  app.addHook('onReady', async () => { readyAt = Date.now() })
  await app.register(underPressure, {
    maxEventLoopDelay: config.OVERLOAD_MAX_EVENT_LOOP_DELAY_MS,
    maxEventLoopUtilization: config.OVERLOAD_MAX_EVENT_LOOP_UTILIZATION,
    maxHeapUsedBytes: config.OVERLOAD_MAX_HEAP_BYTES,
    sampleInterval: config.OVERLOAD_SAMPLE_MS,
    pressureHandler: (_request, reply, type) => {
      // The first samples measure start-up (module loading, schema compilation), not load.
      if (readyAt == null || Date.now() - readyAt < 2 * config.OVERLOAD_SAMPLE_MS) return
      void reply.code(503).header('retry-after', '5')
      // A non-null return is sent as the answer (the typings say void).
      return { error: 'overloaded', message: `the service is overloaded (${String(type)}); retry after 5 s` } as unknown as void
    },
  })
  if (rateLimited) {
    await app.register(rateLimit, {
      max: config.RATE_LIMIT_MAX,
      timeWindow: config.RATE_LIMIT_WINDOW_MS,
      // A valid key has its own bucket; without one (or with a wrong one, so guessing keys does not buy fresh buckets) the client IP does.
      keyGenerator: (request) => {
        const id = apiKeys.enabled ? apiKeys.identify(presentedKey(request)) : null
        return id != null ? `key:${id}` : `ip:${request.ip}`
      },
      errorResponseBuilder: (_request, context) => new AppError(429, 'rate_limited', `more than ${context.max} requests in ${context.after}; retry after ${Math.ceil(context.ttl / 1000)} s`),
    })
  }
  app.addHook('preParsing', async (request) => {
    apiKeys.check(request.routeOptions.config.access ?? 'public', request)
  })
  // ---- end of access, limits and protection ---------------------------------------------------

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

  await app.register(metricsPlugin)
  await app.register(uiPlugin)

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
