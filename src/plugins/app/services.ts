import fp from 'fastify-plugin'
import { createServices, type Services } from '../../services/index.js'

declare module 'fastify' {
  interface FastifyInstance {
    services: Services
  }
}

export interface ServicesPluginOptions {
  /** Services built by the caller (a test that shares them across apps); the app then does not close them. */
  services?: Services
  /** Start background work (default models, resumed jobs) once ready. */
  startBackground?: boolean
}

/** The use cases (src/services/) over DATA_DIR, decorated as `app.services`, closed with the app. */
export default fp<ServicesPluginOptions>(async (app, options) => {
  const owned = options.services == null
  const services = options.services ?? await createServices(app.config, app.log)
  app.decorate('services', services)
  if (owned) app.addHook('onClose', async () => { await services.close() })
  if (options.startBackground !== false) app.addHook('onReady', async () => { services.startBackground() })
}, { name: 'services', dependencies: ['config'] })
