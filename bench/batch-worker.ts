/**
 * One saturating prover for bench/batch.ts: a worker thread with a single-threaded curve (as the
 * prover pool's workers) proving full batches (or single rows) back to back for `seconds`.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { proveBatch } from '../src/proofs/batch-prove.js'
import { prove } from '../src/proofs/prove.js'
import { loadProver } from '../src/proofs/prover-cache.js'

const { dir, single, rows, seconds } = workerData as { dir: string, single: boolean, rows: number[][], seconds: number }
await loadProver(dir, { singleThread: true })
// one warm-up proof so key parsing and wasm instantiation are not counted
if (single) await prove(dir, rows[0], { singleThread: true })
else await proveBatch(dir, rows, { singleThread: true })
parentPort?.postMessage({ ready: true })
await new Promise<void>((resolve) => parentPort?.once('message', () => resolve()))
const times: number[] = []
let proven = 0
const end = performance.now() + seconds * 1000
let i = 0
while (performance.now() < end) {
  const t0 = performance.now()
  if (single) await prove(dir, rows[i++ % rows.length], { singleThread: true })
  else await proveBatch(dir, rows, { singleThread: true })
  times.push(performance.now() - t0)
  proven += single ? 1 : rows.length
}
parentPort?.postMessage({ proven, times, finishedAt: performance.now() + performance.timeOrigin })
