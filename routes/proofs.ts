import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ErrorResponse, Proof, ProofBundle, VerifyResult, bodyErrors, errorResponses, ref } from '../src/schemas/index.js'

const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) })

const proofRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { proofs } = app.services

  app.get('/proofs/:id', {
    schema: {
      operationId: 'getProof',
      tags: ['proofs'],
      summary: 'A proof: status, public signals, proof, proven output',
      params: IdParams,
      response: { 200: ref(Proof), ...errorResponses },
    },
    config: { access: 'read' },
  }, async (request) => await proofs.get(request.params.id))

  app.get('/proofs/:id/download', {
    schema: {
      operationId: 'downloadProof',
      tags: ['proofs'],
      summary: 'A self-contained bundle (proof, public signals, verification key, model) that stock snarkjs verifies',
      params: IdParams,
      response: { 200: ref(ProofBundle), 409: ref(ErrorResponse), 422: ref(ErrorResponse), ...errorResponses },
    },
    config: { access: 'read' },
  }, async (request, reply) => {
    const bundle = await proofs.bundle(request.params.id)
    return await reply.header('content-disposition', `attachment; filename="proof-${request.params.id}.json"`).send(bundle)
  })

  app.post('/proofs/:id/verify', {
    schema: {
      operationId: 'verifyProof',
      tags: ['proofs'],
      summary: "Verify a stored proof against its model version's key",
      params: IdParams,
      response: { 200: ref(VerifyResult), 409: ref(ErrorResponse), 422: ref(ErrorResponse), ...errorResponses },
    },
    config: { access: 'read' },
  }, async (request) => await proofs.verifyStored(request.params.id))

  app.post('/proofs/verify', {
    schema: {
      operationId: 'verifyProofBundle',
      tags: ['proofs'],
      summary: "Verify a bundle against the registry's key for its model version (not the key inside the bundle)",
      body: ref(ProofBundle),
      response: { 200: ref(VerifyResult), 409: ref(ErrorResponse), 422: ref(ErrorResponse), ...bodyErrors, ...errorResponses },
    },
    config: { access: 'read' },
  }, async (request) => await proofs.verifyBundle(request.body))
}

export default proofRoutes
