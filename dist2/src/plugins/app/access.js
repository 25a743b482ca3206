import fp from 'fastify-plugin';
import { ApiKeys, documentAccess, parseApiKeys } from '../../access.js';
const READ_METHODS = new Set(['GET', 'HEAD']);
/**
 * API keys: each route declares its access level in its own options (`config: { access: 'write' }`).
 * A route that changes anything and declares none stops the app at start, so a new mutating route
 * is never open by default. A GET without one is a read when documented, public when hidden (/docs).
 * The key check runs in preParsing, so an unauthorised upload is refused before its body is read.
 */
export default fp(async (app) => {
    const config = app.config;
    const apiKeys = new ApiKeys(parseApiKeys(config.API_KEYS), config.API_KEYS_REQUIRED_FOR_READ);
    if (!apiKeys.enabled)
        app.log.warn('API_KEYS is empty: anyone who can reach the service may train, upload, delete and change aliases');
    app.decorate('apiKeys', apiKeys);
    const rateLimited = config.RATE_LIMIT_MAX > 0;
    app.addHook('onRoute', (route) => {
        const methods = Array.isArray(route.method) ? route.method : [route.method];
        let access = route.config?.access;
        if (access == null) {
            if (!methods.every((m) => READ_METHODS.has(m))) {
                throw new Error(`${methods.join(',')} ${route.url} declares no access level: add config: { access: 'write' | 'read' | 'public' ` +
                    '} to its options');
            }
            const documented = route.schema?.operationId != null;
            access = documented ? 'read' : 'public';
        }
        // Health probes are not rate-limited (the rate-limit plugin reads this after this hook).
        route.config = { ...route.config, access, ...(access === 'public' ? { rateLimit: false } : {}) };
        if (route.schema?.operationId != null) {
            documentAccess(route, access, rateLimited && access !== 'public', route.config?.live !== true);
        }
    });
    app.addHook('preParsing', async (request) => {
        apiKeys.check(request.routeOptions.config.access ?? 'public', request);
    });
}, { name: 'access', dependencies: ['config'] });
//# sourceMappingURL=access.js.map