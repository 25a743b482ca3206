import * as ort from 'onnxruntime-node'

/**
 * Options for models of a few hundred parameters: a thread pool or spinning threads cost more
 * than the work itself, so every session runs sequentially on the calling thread.
 */
export const SMALL_MODEL_SESSION_OPTIONS: ort.InferenceSession.SessionOptions = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
  extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
}

/** An onnxruntime session for ONNX bytes (registry uploads check a model loads with it too). */
export async function createSession (bytes: Uint8Array): Promise<ort.InferenceSession> {
  return await ort.InferenceSession.create(bytes, SMALL_MODEL_SESSION_OPTIONS)
}
