import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ErrorResponse, ref, serverError } from '../src/schemas/index.js'

const Live = Type.Object({ status: Type.Literal('ok') }, { $id: 'Live', description: 'The process is running' })
const Ready = Type.Object({
  status: Type.Literal('ready'),
  provable: Type.Boolean({
    description: "the default model's circuit is built, so its proofs start at once (a proof asked for before waits for it); " +
      'false without a default model (DEFAULT_MODELS off)',
  }),
}, { $id: 'Ready', description: 'The default model can serve predictions' })
const Health = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('starting')]),
  missing: Type.Array(Type.String()),
  training_backend: Type.Union([Type.String(), Type.Null()], { description: 'tfjs backend of the last training, null before any' }),
  ptau: Type.Union([Type.Object({ file: Type.String(), secure: Type.Boolean() }), Type.Null()],
    { description: 'powers of tau in use; secure=false is a local development file' }),
  models: Type.Integer(),
  private_circuits: Type.Optional(Type.Array(Type.Object({
    circuit_id: Type.String(),
    sizes: Type.Array(Type.Integer()),
    constraints: Type.Integer(),
    vk_sha256: Type.String(),
    zkey_sha256: Type.String(),
    setup_trust: Type.Union([Type.Literal('local-insecure'), Type.Literal('ceremony')]),
    ptau: Type.Object({ file: Type.String(), secure: Type.Boolean(), power: Type.Integer() }),
    contributions: Type.Array(Type.Object({
      index: Type.Integer(),
      name: Type.String(),
      type: Type.Union([Type.Literal('contribution'), Type.Literal('beacon')]),
      transcript: Type.String(),
      beacon_hash: Type.Optional(Type.String()),
    })),
    verified_at: Type.Optional(Type.String()),
    ceremony_error: Type.Optional(Type.String({
      description: 'PRIVATE_ZKEY_DIR has a key for this architecture that was refused, and why',
    })),
  }), {
    description: "private architectures' circuits and who made their keys: local-insecure = one operator contribution; ceremony = " +
      'a verified multi-party phase 2 (PRIVATE_ZKEY_DIR)',
  })),
}, { $id: 'Health', description: 'Readiness with details' })

const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addSchema(Live)
  app.addSchema(Ready)
  app.addSchema(Health)
  const { training, models, engine, privateModels } = app.services

  app.get('/health/live', {
    schema: { operationId: 'getLive', tags: ['service'], summary: 'The process is running', response: { 200: ref(Live), ...serverError } },
    config: { access: 'public', live: true },
  }, async () => ({ status: 'ok' as const }))

  app.get('/health/ready', {
    schema: {
      operationId: 'getReady',
      tags: ['service'],
      summary: 'The default model can serve predictions',
      response: { 200: ref(Ready), 503: ref(ErrorResponse), ...serverError },
    },
    config: { access: 'public' },
  }, async (_request, reply) => {
    const { ready, missing } = await training.readiness()
    if (!ready) {
      return await reply.code(503).header('retry-after', '5').send({
        error: 'not_ready',
        message: `still missing: ${missing.join('; ')}`
      })
    }
    return { status: 'ready' as const, provable: training.defaultProvable() }
  })

  app.get('/health', {
    schema: {
      operationId: 'getHealth',
      tags: ['service'],
      summary: 'Readiness with details: training backend, powers of tau, models',
      response: { 200: ref(Health), ...serverError },
    },
    config: { access: 'public' },
  }, async () => {
    const { ready, missing } = await training.readiness()
    return {
      status: ready ? 'ready' as const : 'starting' as const,
      missing,
      training_backend: await training.backend(),
      ptau: engine.ptauInfo(),
      models: models.list().length,
      private_circuits: privateModels.list(),
    }
  })
}

export default healthRoutes
