import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { AppError } from '../src/errors.js'
import { ArrowPredictQuery, ErrorResponse, PredictRequest, PredictResponse, ref, serverError, type PredictRequestBody } from '../src/schemas.js'
import { arrowToTensor, instancesToTensor } from '../src/inference/instances.js'
import { checkBatch, predictWithProofs } from '../src/inference/predict-service.js'

const ARROW = 'application/vnd.apache.arrow.stream'

const predictRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { registry, predictor } = app.services
  const maxBatch = app.config.MAX_BATCH
  // Only /predict reads binary bodies: registered in this plugin, other routes answer 415 to them.
  app.addContentTypeParser([ARROW, 'application/octet-stream'], { parseAs: 'buffer' }, (_req, body, done) => { done(null, body) })

  app.post('/predict', {
    schema: {
      operationId: 'predict', tags: ['predict'],
      summary: 'Predict liquidation probabilities; each row gets a proof handle (proofs are made in the background)',
      description: `Send JSON rows, or an Arrow IPC stream (Content-Type: ${ARROW}) with one column per feature and model/version/proof in the query.`,
      querystring: Type.Partial(ArrowPredictQuery),
      body: {
        content: {
          'application/json': { schema: ref(PredictRequest) },
          [ARROW]: { schema: { description: 'Arrow IPC stream, one numeric column per feature' } },
        },
      },
      response: { 200: ref(PredictResponse), 400: ref(ErrorResponse), 404: ref(ErrorResponse), 413: ref(ErrorResponse), 415: ref(ErrorResponse), 422: ref(ErrorResponse), 503: ref(ErrorResponse), ...serverError },
    },
  }, async (request) => {
    const contentType = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase()
    if (contentType === ARROW) {
      const query = request.query
      if (query.model == null) throw new AppError(400, 'validation_error', 'querystring must have required property \'model\' for an Arrow body', { field: 'querystring/model' })
      const meta = registry.resolve(query.model, query.version ?? 'latest')
      const loaded = await predictor.load(meta)
      const input = await arrowToTensor(request.body as Buffer, loaded, maxBatch)
      return await predictWithProofs(app.services, meta, loaded, input, query.proof)
    }
    if (contentType !== 'application/json') throw new AppError(415, 'unsupported_media_type', `content type '${contentType.slice(0, 80)}' is not supported: send application/json or ${ARROW}`)
    const body = request.body as PredictRequestBody
    checkBatch(body.instances.length, maxBatch)
    const meta = registry.resolve(body.model, body.version ?? 'latest')
    const loaded = await predictor.load(meta)
    const input = instancesToTensor(body.instances, loaded)
    return await predictWithProofs(app.services, meta, loaded, input, body.proof)
  })
}

export default predictRoutes
