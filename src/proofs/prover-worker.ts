/**
 * One prover-pool worker thread: proves jobs one at a time with prove.ts, keeping its per-circuit
 * caches (witness calculator, parsed proving key, curve) warm between jobs.
 */
import os from 'node:os'
import { parentPort, threadId, workerData } from 'node:worker_threads'
import { prove } from './prove.js'
import { proveBatch } from './batch-prove.js'
import { evictProver, loadProver, releaseProvers, setProverCacheSize } from './prover-cache.js'

export type WorkerRequest =
  | { type: 'prove', id: number, dir: string, inputs: number[] }
  | { type: 'prove-batch', id: number, dir: string, rows: number[][] }
  | { type: 'warm', id: number, dir: string }
  | { type: 'evict', dir: string }
  | { type: 'close' }

export type WorkerReply =
  | { type: 'done', id: number, result: unknown }
  | { type: 'failed', id: number, error: { name: string, message: string, column?: number, row?: number } }
  | { type: 'closed' }

// ffjavascript cannot spawn its helper threads from a worker thread: single-threaded curves only
const singleThread = true
// On Linux the nice value belongs to the thread: pid 0 here lowers this worker thread only (and the
// threads it starts), not the event loop that serves requests. Elsewhere it may apply to the process,
// so it is only set on Linux.
const nice = (workerData as { nice?: number } | null)?.nice ?? 0
const cacheSize = (workerData as { cacheSize?: number } | null)?.cacheSize
if (cacheSize != null) setProverCacheSize(cacheSize)
if (nice > 0 && process.platform === 'linux') {
  try {
    os.setPriority(0, nice)
  } catch {} // a sandbox may forbid it: proving still works at normal priority
}
const port = parentPort
if (!port) throw new Error('prover-worker must run in a worker thread')

port.on('message', (msg: WorkerRequest) => {
  void handle(msg)
})

async function handle (msg: WorkerRequest): Promise<void> {
  if (msg.type === 'evict') { evictProver(msg.dir); return }
  if (msg.type === 'close') {
    await releaseProvers()
    port?.postMessage({ type: 'closed' } satisfies WorkerReply)
    return
  }
  try {
    const result = msg.type === 'prove'
      ? await prove(msg.dir, msg.inputs, { singleThread })
      : msg.type === 'prove-batch'
        ? await proveBatch(msg.dir, msg.rows, { singleThread })
        : (await loadProver(msg.dir, { singleThread }), { thread: threadId })
    port?.postMessage({ type: 'done', id: msg.id, result } satisfies WorkerReply)
  } catch (err) {
    const e = err as Error & { column?: number, row?: number }
    port?.postMessage({
      type: 'failed',
      id: msg.id,
      error: { name: e?.name ?? 'Error', message: e?.message ?? String(err), column: e?.column, row: e?.row }
    } satisfies WorkerReply)
  }
}
