import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { AppError } from '../src/errors.js'
import {
  ArrowPredictQuery, ErrorResponse, PredictRequest, PredictResponse, ref, serverError,
  type PredictRequestBody
} from '../src/schemas/index.js'

const ARROW = 'application/vnd.apache.arrow.stream'

const predictRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { predictions } = app.services
  // Only /predict reads binary bodies: registered in this plugin, other routes answer 415 to them.
  app.addContentTypeParser([ARROW, 'application/octet-stream'], { parseAs: 'buffer' }, (_req, body, done) => { done(null, body) })

  app.post('/predict', {
    schema: {
      operationId: 'predict',
      tags: ['predict'],
      summary: 'Predict liquidation probabilities; each row gets a proof handle (proofs are made in the background)',
      description: `Send JSON rows, or an Arrow IPC stream (Content-Type: ${ARROW}) with one column per feature and model/version/proof ` +
        'in the query.',
      querystring: Type.Partial(ArrowPredictQuery),
      body: {
        content: {
          'application/json': { schema: ref(PredictRequest) },
          [ARROW]: { schema: { description: 'Arrow IPC stream, one numeric column per feature' } },
        },
      },
      response: {
        200: ref(PredictResponse),
        400: ref(ErrorResponse),
        404: ref(ErrorResponse),
        413: ref(ErrorResponse),
        415: ref(ErrorResponse),
        422: ref(ErrorResponse),
        503: ref(ErrorResponse),
        ...serverError,
      },
    },
    // Rows are data: this route keeps BODY_LIMIT (the control routes get JSON_BODY_LIMIT).
    bodyLimit: app.config.BODY_LIMIT,
    config: { access: 'read' },
  }, (request) => {
    // Not an async function: the use case's promise is the handler's (one promise fewer per request on the hot path); a throw
    // here is answered like a rejection.
    const header = request.headers['content-type']
    // The usual header as it comes, without the parsing a parameter or another spelling needs.
    const contentType = header === 'application/json' ? header : (header ?? '').split(';')[0].trim().toLowerCase()
    if (contentType === ARROW) return predictions.predictArrow(request.query, request.body as Buffer)
    if (contentType !== 'application/json') {
      throw new AppError(415, 'unsupported_media_type',
        `content type '${contentType.slice(0, 80)}' is not supported: send application/json or ${ARROW}`, { header: 'content-type' })
    }
    return predictions.predictRows(request.body as PredictRequestBody)
  })
}

export default predictRoutes
