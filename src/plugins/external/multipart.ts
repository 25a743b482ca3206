import fp from 'fastify-plugin'
import multipart from '@fastify/multipart'

/** Most parts, files and plain fields of one multipart body (the error handler names them in its 413). */
export const MULTIPART_LIMITS = { files: 8, fields: 8, parts: 16, fieldSize: 1024 * 1024 }

/** Multipart bodies (model uploads, training files), bounded: parts are read one by one by the routes. */
export default fp(async (app) => {
  await app.register(multipart, { limits: { fileSize: app.config.UPLOAD_LIMIT, ...MULTIPART_LIMITS } })
}, { name: 'multipart', dependencies: ['config'] })
