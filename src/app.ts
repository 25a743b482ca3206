import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Config } from './config.js'
import type { Services } from './services/index.js'
import { validatorsWithoutBodyCoercion } from './validation.js'
import swagger from './plugins/external/swagger.js'
import securityHeaders from './plugins/app/security-headers.js'
import access from './plugins/app/access.js'
import bodies from './plugins/app/bodies.js'
import pressure from './plugins/app/pressure.js'
import rateLimit from './plugins/app/rate-limit.js'
import errors from './plugins/app/errors.js'
import servicesPlugin from './plugins/app/services.js'
import tracing from './plugins/tracing.js'
import metrics from './plugins/metrics.js'
import ui from './plugins/ui.js'
import healthRoutes from '../routes/health.js'
import modelRoutes from '../routes/models.js'
import predictRoutes from '../routes/predict.js'
import trainRoutes from '../routes/train.js'
import proofRoutes from '../routes/proofs.js'
import inferenceV2Routes from '../routes/v2.js'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
  }
}

export type App = FastifyInstance

/** Pino's level check (fastify's logger is pino); a logger without one is taken to log at every level. */
function levelEnabled (log: FastifyBaseLogger, level: string): boolean {
  return (log as FastifyBaseLogger & { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled?.(level) ?? true
}

/**
 * Fastify writes two access lines per request at info, which cost more than the model itself
 * (BENCHMARKS.md, "Request logging"): they go at REQUEST_LOG_LEVEL (debug by default) instead.
 * A failed request is still logged at error, as Fastify does.
 */
class AccessLogController extends LogController {
  constructor (private readonly level: Config['REQUEST_LOG_LEVEL']) { super() }

  // The level is checked first: the line's object was built per request even when the level is off (~0.7 KB of garbage a
  // request, BENCHMARKS.md "Prediction without proof", 2026-12-03).
  override incomingRequest (request: FastifyRequest): void {
    if (levelEnabled(request.log, this.level)) request.log[this.level]({ req: request }, 'incoming request')
  }

  override requestCompleted (error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error != null) reply.log.error({ res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored')
    else if (levelEnabled(reply.log, this.level)) {
      reply.log[this.level]({ res: reply, responseTime: reply.elapsedTime }, 'request completed')
    }
  }
}

export interface AppOptions {
  config: Config
  /** Use cases built by the caller (shared by several apps in a test); default: built over config.DATA_DIR and closed with the app. */
  services?: Services
  /** Start background work (default models, resumed jobs). Off for tools that only need the routes, e.g. the OpenAPI generator. */
  startBackground?: boolean
}

/** The validated configuration, as `app.config`: the one plugin every other depends on. */
const configPlugin = fp<{ config: Config }>(async (app, options) => { app.decorate('config', options.config) }, { name: 'config' })

/**
 * The one app factory, used by the server, the tests and the OpenAPI generator (fastify/demo's
 * order): external plugins, then the app's plugins (one concern each, src/plugins/app/), then the
 * routes, thin HTTP layers over the use cases in src/services/.
 */
export async function buildApp ({ config, services, startBackground }: AppOptions): Promise<App> {
  const app = Fastify({
    // Keys never reach the logs: request headers, and @fastify/multipart's trace of the headers it hands to busboy.
    logger: {
      level: config.LOG_LEVEL,
      redact: ['req.headers', 'busboyOptions.headers', 'headers'].flatMap((at) => [`${at}.authorization`, `${at}["x-api-key"]`,
        `${at}.cookie`]),
    },
    bodyLimit: config.BODY_LIMIT,
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, useDefaults: true, allErrors: false } },
    schemaController: validatorsWithoutBodyCoercion(),
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    logController: new AccessLogController(config.REQUEST_LOG_LEVEL),
  }).withTypeProvider<TypeBoxTypeProvider>()

  await app.register(configPlugin, { config })
  // HTTP spans (only when tracing is on): before every plugin and route it should see.
  await app.register(tracing)

  // External plugins
  await app.register(swagger)

  // App plugins. Order matters where hooks meet: access marks each route (public routes are not
  // rate-limited) before rate-limit adds its per-route hook; pressure and rate-limit answer in
  // onRequest, the key check runs in preParsing.
  await app.register(access)
  await app.register(bodies)
  await app.register(securityHeaders)
  await app.register(pressure)
  await app.register(rateLimit)
  await app.register(errors)
  await app.register(servicesPlugin, { services, startBackground })
  await app.register(metrics)
  await app.register(ui)

  // Routes
  await app.register(healthRoutes)
  await app.register(trainRoutes)
  await app.register(modelRoutes)
  await app.register(predictRoutes)
  await app.register(proofRoutes)
  await app.register(inferenceV2Routes)
  return app
}
