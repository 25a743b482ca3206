import fp from 'fastify-plugin';
import rateLimit from '@fastify/rate-limit';
import { AppError } from '../../errors.js';
import { presentedKey } from '../../access.js';
/**
 * Requests per window per API key (per client IP without a valid one). Public routes (health)
 * are not limited: the access plugin marks them before this plugin's own onRoute hook runs.
 */
export default fp(async (app) => {
    const config = app.config;
    if (config.RATE_LIMIT_MAX <= 0)
        return;
    const apiKeys = app.apiKeys;
    await app.register(rateLimit, {
        max: config.RATE_LIMIT_MAX,
        timeWindow: config.RATE_LIMIT_WINDOW_MS,
        // A valid key has its own bucket; without one (or with a wrong one, so guessing keys does not buy fresh buckets) the client IP does.
        keyGenerator: (request) => {
            const id = apiKeys.enabled ? apiKeys.identify(presentedKey(request)) : null;
            return id != null ? `key:${id}` : `ip:${request.ip}`;
        },
        errorResponseBuilder: (_request, context) => new AppError(429, 'rate_limited', `more than ${context.max} requests in ${context.after}; retry after ${Math.ceil(context.ttl / 1000)} s`),
    });
}, { name: 'rate-limit', dependencies: ['config', 'access'] });
//# sourceMappingURL=rate-limit.js.map