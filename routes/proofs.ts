import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { AppError } from '../src/errors.js'
import { ErrorResponse, Proof, ProofBundle, VerifyResult, bodyErrors, errorResponses, ref } from '../src/schemas.js'
import type { ProofRecord } from '../src/jobs/proof-jobs.js'

const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) })

function requireSucceeded (job: ProofRecord): Required<Pick<ProofRecord, 'proof' | 'public_signals'>> & ProofRecord {
  if (job.status !== 'succeeded' || job.proof == null || job.public_signals == null) {
    throw new AppError(409, 'proof_not_ready', `proof '${job.id}' is ${job.status}${job.error != null ? `: ${job.error}` : ''}; poll GET /proofs/${job.id} until it has succeeded`)
  }
  return job as Required<Pick<ProofRecord, 'proof' | 'public_signals'>> & ProofRecord
}

const proofRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { proofs, registry } = app.services

  app.get('/proofs/:id', {
    schema: { operationId: 'getProof', tags: ['proofs'], summary: 'A proof: status, public signals, proof, proven output', params: IdParams, response: { 200: ref(Proof), ...errorResponses } },
  }, async (request) => await proofs.get(request.params.id))

  app.get('/proofs/:id/download', {
    schema: {
      operationId: 'downloadProof', tags: ['proofs'],
      summary: 'A self-contained bundle (proof, public signals, verification key, model) that stock snarkjs verifies',
      params: IdParams, response: { 200: ref(ProofBundle), 409: ref(ErrorResponse), 422: ref(ErrorResponse), ...errorResponses },
    },
  }, async (request, reply) => {
    const job = requireSucceeded(await proofs.get(request.params.id))
    const meta = registry.resolve(job.model, job.version)
    const bundle = {
      proof_system: job.proof_system,
      proof: job.proof,
      public_signals: job.public_signals,
      verification_key: await proofs.verificationKey(meta) as Record<string, unknown>,
      model: { name: meta.name, version: meta.version, onnx_sha256: meta.onnx_sha256 },
    }
    return await reply.header('content-disposition', `attachment; filename="proof-${job.id}.json"`).send(bundle)
  })

  app.post('/proofs/:id/verify', {
    schema: { operationId: 'verifyProof', tags: ['proofs'], summary: "Verify a stored proof against its model version's key", params: IdParams, response: { 200: ref(VerifyResult), 409: ref(ErrorResponse), 422: ref(ErrorResponse), ...errorResponses } },
  }, async (request) => {
    const job = requireSucceeded(await proofs.get(request.params.id))
    return await proofs.verify(registry.resolve(job.model, job.version), job.public_signals, job.proof)
  })

  app.post('/proofs/verify', {
    schema: {
      operationId: 'verifyProofBundle', tags: ['proofs'],
      summary: "Verify a bundle against the registry's key for its model version (not the key inside the bundle)",
      body: ref(ProofBundle), response: { 200: ref(VerifyResult), 409: ref(ErrorResponse), 422: ref(ErrorResponse), ...bodyErrors, ...errorResponses },
    },
  }, async (request) => {
    const bundle = request.body
    const meta = registry.resolve(bundle.model.name, bundle.model.version)
    if (bundle.proof_system !== meta.proof_system) {
      return { verified: false, verification_ms: 0, reason: `the bundle says ${bundle.proof_system}, but model '${meta.name}' version ${meta.version} proves with ${meta.proof_system}` }
    }
    if (bundle.model.onnx_sha256 !== meta.onnx_sha256) {
      return { verified: false, verification_ms: 0, reason: `the bundle's onnx_sha256 does not match model '${meta.name}' version ${meta.version}` }
    }
    const result = await proofs.verify(meta, bundle.public_signals, bundle.proof)
    return result.verified ? result : { ...result, reason: 'the proof does not verify against this version\'s verification key' }
  })
}

export default proofRoutes
