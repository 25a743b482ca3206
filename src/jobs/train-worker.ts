import { isMainThread, parentPort, workerData } from 'node:worker_threads'
import { runTrainingPipeline, type TrainingJobSpec } from './train-pipeline.js'
import type { TrainingProgress } from '../training/types.js'

/**
 * Worker-thread entry of train-in-worker.ts: runs one training job (tfjs keeps the thread busy for
 * seconds, which must not stall the HTTP event loop) and reports back by messages:
 *   {type: 'progress', progress} | {type: 'done', model, onnx} | {type: 'error', error: {name, message, where, statusCode, code}}
 */
export type WorkerMessage =
  | { type: 'progress', progress: TrainingProgress }
  | { type: 'done', model: unknown, onnx: Uint8Array }
  | { type: 'error', error: SerializedError }

export interface SerializedError {
  name: string
  message: string
  where?: Record<string, string | number>
  statusCode?: number
  code?: string
  stack?: string
}

if (!isMainThread && parentPort !== null) {
  const port = parentPort
  const spec = workerData as TrainingJobSpec
  try {
    const { model, onnx } = await runTrainingPipeline(spec, {
      onProgress: (progress) => port.postMessage({ type: 'progress', progress } satisfies WorkerMessage),
    })
    // A copy with its own ArrayBuffer: the encoder's bytes may share Node's pooled buffer, which Node 22+
    // refuses to transfer ("Cannot transfer object of unsupported type"); Node 20 copied it silently.
    const bytes = new Uint8Array(onnx)
    port.postMessage({ type: 'done', model, onnx: bytes } satisfies WorkerMessage, [bytes.buffer])
  } catch (err) {
    const e = err as Partial<SerializedError> & Error
    const error: SerializedError = {
      name: typeof e?.name === 'string' ? e.name : 'Error',
      message: typeof e?.message === 'string' ? e.message : String(err),
      where: e?.where,
      statusCode: e?.statusCode,
      code: e?.code,
      stack: e?.stack,
    }
    port.postMessage({ type: 'error', error } satisfies WorkerMessage)
  }
}
