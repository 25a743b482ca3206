import fp from 'fastify-plugin';
import multipart from '@fastify/multipart';
/** Multipart bodies (model uploads, training files), bounded: parts are read one by one by the routes. */
export default fp(async (app) => {
    await app.register(multipart, { limits: { fileSize: app.config.UPLOAD_LIMIT, files: 8, fields: 8, parts: 16, fieldSize: 1024 * 1024 } });
}, { name: 'multipart', dependencies: ['config'] });
//# sourceMappingURL=multipart.js.map