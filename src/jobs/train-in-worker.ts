import { Worker } from 'node:worker_threads'
import { AppError, DataError } from '../errors.js'
import type { TrainingJobResult, TrainingJobSpec } from './train-pipeline.js'
import type { TrainedModel, TrainingProgress } from '../training/types.js'
import type { SerializedError, WorkerMessage } from './train-worker.js'

export type { TrainingJobResult, TrainingJobSpec } from './train-pipeline.js'

/**
 * Runs a training job in a worker thread (src/jobs/train-worker.ts, resolved next to this file so it
 * works from dist/). Progress messages reach `onProgress`; aborting the signal terminates the worker
 * and rejects with an AbortError. Errors are rebuilt on this side so that a DataError stays a
 * DataError (statusCode and `where` kept) and an AppError keeps its status and code.
 */
export async function runTrainingJob (
  spec: TrainingJobSpec,
  opts: { onProgress?: (p: TrainingProgress) => void, signal?: AbortSignal } = {}
): Promise<TrainingJobResult> {
  if (opts.signal?.aborted === true) throw abortError()
  const worker = new Worker(new URL('./train-worker.js', import.meta.url), { workerData: spec })
  return await new Promise<TrainingJobResult>((resolve, reject) => {
    let settled = false
    const finish = (fn: () => void): void => {
      if (settled) return
      settled = true
      opts.signal?.removeEventListener('abort', onAbort)
      fn()
    }
    const onAbort = (): void => {
      finish(() => reject(abortError()))
      void worker.terminate()
    }
    opts.signal?.addEventListener('abort', onAbort, { once: true })
    worker.on('message', (msg: WorkerMessage) => {
      if (msg.type === 'progress') {
        if (!settled) opts.onProgress?.(msg.progress)
      } else if (msg.type === 'done') {
        finish(() => resolve({ model: msg.model as TrainedModel, onnx: new Uint8Array(msg.onnx) }))
        void worker.terminate()
      } else if (msg.type === 'error') {
        finish(() => reject(reviveError(msg.error)))
        void worker.terminate()
      }
    })
    worker.on('error', (err) => finish(() => reject(err)))
    worker.on('exit', (code) => finish(() => reject(new Error(`training worker exited with code ${code} before it finished`))))
  })
}

export function reviveError (e: SerializedError): Error {
  let err: Error
  if (e.name === 'DataError') {
    err = new DataError(e.message, e.where as { file?: string, column?: string, row?: number } | undefined, e.statusCode ?? 400)
  } else if (typeof e.statusCode === 'number' && typeof e.code === 'string') {
    err = new AppError(e.statusCode, e.code, e.message, e.where)
    err.name = e.name
  } else {
    err = new Error(e.message)
    err.name = e.name
  }
  // keep the worker's stack for the log: where it failed is in the worker thread
  if (e.stack !== undefined) err.stack = `${err.name}: ${e.message}\n    (in training worker)\n${e.stack.split('\n').slice(1).join('\n')}`
  return err
}

function abortError (): Error {
  const err = new Error('training aborted')
  err.name = 'AbortError'
  return err
}
