import fp from 'fastify-plugin'
import type { FastifyError } from 'fastify'
import { AppError } from '../../errors.js'

/**
 * The 400 of a JSON body that does not parse. Fastify's own answer ('Body is not valid JSON') drops the parser's
 * message; this one keeps it, with the position where the parser gave one (V8 names it in most of its messages).
 */
export function invalidJsonError (text: string): AppError {
  try {
    JSON.parse(text)
  } catch (err) {
    const detail = (err as Error).message.slice(0, 200)
    const position = /at position (\d+)/.exec(detail)?.[1]
    return new AppError(400, 'invalid_json', `the body is not valid JSON: ${detail}`,
      { field: 'body', ...(position != null ? { position: Number(position) } : {}) })
  }
  // It parsed: the secure parser refused a __proto__ or constructor.prototype key.
  return new AppError(400, 'invalid_json', 'the body has a __proto__ or constructor.prototype key, which is refused', { field: 'body' })
}

/**
 * Request bodies: JSON control routes (train specs, aliases, proof bundles) get JSON_BODY_LIMIT;
 * routes whose bodies are data (rows, tensors) set their own `bodyLimit` (BODY_LIMIT).
 */
export default fp(async (app) => {
  // No route reads text: without this parser a text/plain body would reach handlers as a string.
  app.removeContentTypeParser('text/plain')
  // Fastify's JSON parser (secure against prototype poisoning, as fast as before), with the parse error kept.
  const { onProtoPoisoning, onConstructorPoisoning } = app.initialConfig
  const fastifyJson = app.getDefaultJsonParser(onProtoPoisoning ?? 'error', onConstructorPoisoning ?? 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    fastifyJson(request, body as string, (err: Error | null, value?: unknown) => {
      if ((err as FastifyError | null)?.code === 'FST_ERR_CTP_INVALID_JSON_BODY') done(invalidJsonError(body as string), undefined)
      else done(err, value)
    })
  })
  app.addHook('onRoute', (route) => {
    if (route.bodyLimit == null) route.bodyLimit = app.config.JSON_BODY_LIMIT
  })
}, { name: 'bodies', dependencies: ['config'] })
