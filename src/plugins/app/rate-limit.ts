import fp from 'fastify-plugin'
import rateLimit from '@fastify/rate-limit'
import type { RouteOptions } from 'fastify'
import { AppError } from '../../errors.js'
import { presentedKey, type Access } from '../../access.js'
import type { Config } from '../../config.js'

/**
 * Budgets per route group, each its own counter per API key (per client IP without a valid key):
 * - `write`: training, uploads, deletes, alias changes (access 'write'): RATE_LIMIT_WRITE_MAX, on by default;
 * - `predict`: the other POST routes, which compute (POST /predict, v2 infer, proof verification): RATE_LIMIT_PREDICT_MAX;
 * - `read`: GET routes (registry, proofs and their polling, downloads): RATE_LIMIT_READ_MAX.
 * Predictions and reads are unlimited by default: one client on one connection sends /predict as fast as the service
 * answers it, so any fixed count per window either throttles a well-behaved client below what the machine serves or
 * is too high to protect anything; overload is answered by the pressure plugin (503) instead. Separate counters mean
 * polling a proof (a read) never spends the prediction budget, and a burst of predictions never blocks polling.
 * Public routes (health, docs) are never limited. A group whose max is 0 adds no hook to its routes at all.
 */
export type RateGroup = 'write' | 'predict' | 'read'

const READ_METHODS = new Set(['GET', 'HEAD'])

/** The group of a route, from its access class (src/access.ts) and method; null for public routes. */
export function rateGroupOf (access: Access, method: RouteOptions['method']): RateGroup | null {
  if (access === 'public') return null
  if (access === 'write') return 'write'
  const methods = Array.isArray(method) ? method : [method]
  return methods.every((m) => READ_METHODS.has(m)) ? 'read' : 'predict'
}

export const RATE_GROUP_SETTING: Record<RateGroup, keyof Config & `RATE_LIMIT_${string}_MAX`> = {
  write: 'RATE_LIMIT_WRITE_MAX',
  predict: 'RATE_LIMIT_PREDICT_MAX',
  read: 'RATE_LIMIT_READ_MAX',
}

const seconds = (ms: number): string => {
  const s = ms / 1000
  return Number.isInteger(s) ? `${s} s` : `${s.toFixed(1)} s`
}

export default fp(async (app) => {
  const config = app.config
  const apiKeys = app.apiKeys
  const groups = (Object.keys(RATE_GROUP_SETTING) as RateGroup[]).filter((g) => config[RATE_GROUP_SETTING[g]] > 0)
  if (groups.length === 0) return
  // global: false: the plugin adds no hook of its own; each group's handler below has its own store.
  await app.register(rateLimit, { global: false })
  const window = config.RATE_LIMIT_WINDOW_MS
  const handlers = new Map(groups.map((group) => {
    const max = config[RATE_GROUP_SETTING[group]]
    return [group, app.rateLimit({
      max,
      timeWindow: window,
      // A valid key has its own bucket; without one (or with a wrong one, so guessing keys does not buy fresh buckets) the client IP does.
      keyGenerator: (request) => {
        const id = apiKeys.enabled ? apiKeys.identify(presentedKey(request)) : null
        return id != null ? `key:${id}` : `ip:${request.ip}`
      },
      // context.after is the time left, not the window: say both, and which budget and setting it is.
      errorResponseBuilder: (_request, context) => {
        const resetMs = Math.max(0, context.ttl)
        return new AppError(429, 'rate_limited',
          `more than ${context.max} ${group} requests in ${seconds(window)} (${RATE_GROUP_SETTING[group]} per RATE_LIMIT_WINDOW_MS) ` +
          `from this client; the window resets in ${Math.ceil(resetMs / 1000)} s`,
          {
            budget: group,
            setting: RATE_GROUP_SETTING[group],
            max: context.max,
            window_s: window / 1000,
            reset_s: Math.ceil(resetMs / 1000),
          })
      },
    })] as const
  }))
  // Runs after the access plugin's onRoute hook (registered before this plugin), which has set config.access.
  app.addHook('onRoute', (route) => {
    const group = rateGroupOf(route.config?.access ?? 'public', route.method)
    const handler = group != null ? handlers.get(group) : undefined
    if (handler == null) return
    const existing = route.onRequest == null ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest]
    route.onRequest = [...existing, handler] as RouteOptions['onRequest']
  })
}, { name: 'rate-limit', dependencies: ['config', 'access'] })
