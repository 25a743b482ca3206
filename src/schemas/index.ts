import type { TSchema } from 'typebox'
import { ErrorResponse, JobStatus, ProofStatus, ProofSystem } from './common.js'
import { DataSources, Metrics, ModelRef, SyntheticOptions, TrainJob, TrainJobList, TrainProgress, TrainRequest } from './training.js'
import {
  AliasRequest, CircuitInfo, ModelList, ModelSummary, ModelVersion, Registered, StorageDamage, TensorInfo, UploadSpec, VersionStatus,
} from './models.js'
import { PredictRequest, PredictResponse, Prediction, ProofHandle, UnprovableProof } from './predictions.js'
import { BatchProofInfo, BatchProofRow, Proof, ProofBundle, ProofOutput, VerificationKey, VerifyResult } from './proofs.js'
import { Evaluation } from './evaluation.js'

/**
 * The API's schemas, split by area (common, training, models, predictions, proofs). Each has an
 * `$id`: the app registers them with `addSchema`, routes point at them with `ref()`, and
 * @fastify/swagger turns every `$id` into a named component of the OpenAPI document.
 */
export * from './common.js'
export * from './training.js'
export * from './models.js'
export * from './predictions.js'
export * from './proofs.js'
export * from './evaluation.js'

export const sharedSchemas: TSchema[] = [
  ErrorResponse, ProofSystem, JobStatus, ProofStatus, DataSources, SyntheticOptions, TrainRequest, TrainProgress, Metrics,
  ModelRef, TrainJob, TrainJobList, TensorInfo, CircuitInfo, StorageDamage, VersionStatus, ModelVersion, ModelSummary, ModelList,
  UploadSpec, Registered,
  AliasRequest, ProofHandle, UnprovableProof, PredictRequest, Prediction, PredictResponse, ProofOutput, Proof, ProofBundle, VerificationKey,
  VerifyResult, Evaluation, BatchProofRow, BatchProofInfo,
]
