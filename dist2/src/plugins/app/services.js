import fp from 'fastify-plugin';
import { createServices } from '../../services/index.js';
/** The use cases (src/services/) over DATA_DIR, decorated as `app.services`, closed with the app. */
export default fp(async (app, options) => {
    const owned = options.services == null;
    const services = options.services ?? await createServices(app.config, app.log);
    app.decorate('services', services);
    if (owned)
        app.addHook('onClose', async () => { await services.close(); });
    if (options.startBackground !== false)
        app.addHook('onReady', async () => { services.startBackground(); });
}, { name: 'services', dependencies: ['config'] });
//# sourceMappingURL=services.js.map