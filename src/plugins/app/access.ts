import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify'
import { ApiKeys, documentAccess, parseApiKeys, type Access } from '../../access.js'

declare module 'fastify' {
  interface FastifyInstance {
    apiKeys: ApiKeys
  }
  interface FastifyContextConfig {
    /** Who may call the route (src/access.ts). Every route but GET/HEAD must declare it, or the app does not start. */
    access?: Access
    /** Liveness: answers even when the service is overloaded. */
    live?: boolean
  }
}

const READ_METHODS = new Set(['GET', 'HEAD'])

/**
 * API keys: each route declares its access level in its own options (`config: { access: 'write' }`).
 * A route that changes anything and declares none stops the app at start, so a new mutating route
 * is never open by default. A GET without one is a read when documented, public when hidden (/docs).
 * The key check runs in preParsing, so an unauthorised upload is refused before its body is read; it is a hook of the
 * routes that need a key only (none while API_KEYS is empty).
 */
export default fp(async (app) => {
  const config = app.config
  const apiKeys = new ApiKeys(parseApiKeys(config.API_KEYS), config.API_KEYS_REQUIRED_FOR_READ, parseApiKeys(config.ADMIN_API_KEYS))
  if (!apiKeys.enabled) app.log.warn('API_KEYS is empty: anyone who can reach the service may train, upload, delete and change aliases')
  app.decorate('apiKeys', apiKeys)

  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    let access = route.config?.access
    if (access == null) {
      if (!methods.every((m) => READ_METHODS.has(m))) {
        throw new Error(`${methods.join(',')} ${route.url} declares no access level: add config: { access: 'write' | 'read' | 'public' ` +
          '} to its options')
      }
      const documented = (route.schema as { operationId?: string } | undefined)?.operationId != null
      access = documented ? 'read' : 'public'
    }
    // The rate-limit plugin reads the access class after this hook: public routes (health, docs) are never limited.
    route.config = { ...route.config, access } as typeof route.config
    if ((route.schema as { operationId?: string } | undefined)?.operationId != null) {
      // 429 is documented on every limited-able route, whatever this instance's budgets: the contract does not change with them.
      documentAccess(route, access, access !== 'public', route.config?.live !== true)
    }
    // The key check is added to the routes that can refuse a request, and to no other: keys are fixed at start, so with
    // API_KEYS empty (the default) no request pays for a hook that cannot fail. First among the route's preParsing hooks.
    if (apiKeys.needsKey(access)) {
      const existing = route.preParsing == null ? [] : Array.isArray(route.preParsing) ? route.preParsing : [route.preParsing]
      const level = access
      type Done = (err?: Error | null, value?: unknown) => void
      const checkKey = (request: FastifyRequest, _reply: FastifyReply, payload: unknown, done: Done): void => {
        try {
          apiKeys.check(level, request)
        } catch (err) {
          done(err as Error)
          return
        }
        done(null, payload)
      }
      route.preParsing = [checkKey, ...existing] as RouteOptions['preParsing']
    }
  })
}, { name: 'access', dependencies: ['config'] })
