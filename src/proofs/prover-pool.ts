/**
 * A pool of worker threads that prove in the background, each keeping per-circuit caches warm.
 *
 * - `prove(dir, inputs)` queues a job; the queue is bounded (`maxQueue`, jobs waiting for a worker):
 *   beyond it the call rejects at once with PoolQueueFullError, so a burst cannot grow memory.
 * - A job goes to an idle worker that already has its circuit loaded when there is one.
 * - A worker that crashes (or exceeds `jobTimeoutMs`) fails the job it was running, not the process:
 *   it is replaced by a fresh worker and the queue goes on.
 * - `close()` rejects queued jobs, lets running ones finish, then stops the workers.
 *
 * Threads: each worker's curve is single-threaded (one core per proof, `size` proofs in parallel).
 * ffjavascript cannot start its own helper threads from inside a worker thread (its web-worker shim
 * treats every non-main thread as one of its children), so the multi-threaded curve that prove()
 * uses on the main thread is not available here; on 2 cores a single in-process proof is therefore
 * faster, while the pool keeps the event loop free and proves `size` jobs at once.
 */
import os from 'node:os'
import path from 'node:path'
import { Worker } from 'node:worker_threads'
import { InputRangeError } from './evaluate.js'
import { BatchInputRangeError, type BatchProveResult } from './batch-prove.js'
import type { ProveResult } from './prove.js'
import type { WorkerReply, WorkerRequest } from './prover-worker.js'

export interface ProverPoolOptions {
  /** Worker threads; default max(1, cores - 1). */
  size?: number
  /** Jobs that may wait for a worker; default 256. */
  maxQueue?: number
  /** Kill and replace a worker whose job runs longer; default 120 s. */
  jobTimeoutMs?: number
  /**
   * Scheduling priority (Linux nice, 0-19) of each worker thread; default 0. A higher value lets
   * the threads that serve requests run first when the cores are busy: proofs are background work.
   */
  nice?: number
  /** Circuits each worker keeps loaded (config PROVER_CACHE_SIZE); default 16. */
  cacheSize?: number
}

export class PoolQueueFullError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'PoolQueueFullError'
  }
}

export class PoolClosedError extends Error {
  constructor () {
    super('the prover pool is closed')
    this.name = 'PoolClosedError'
  }
}

interface Job {
  id: number
  msg: WorkerRequest & { id: number }
  dir: string
  timeoutMs: number
  resolve: (v: unknown) => void
  reject: (e: Error) => void
}

interface Slot {
  worker: Worker
  job: Job | null
  loaded: Set<string>
  timer: NodeJS.Timeout | null
  exiting: boolean
}

export interface PoolStats {
  size: number
  busy: number
  queued: number
  completed: number
  failed: number
  restarts: number
}

function rebuildError (e: { name: string, message: string, column?: number, row?: number }): Error {
  if (e.name === 'InputRangeError') return new InputRangeError(e.message, e.column ?? -1)
  if (e.name === 'BatchInputRangeError') return new BatchInputRangeError(e.message, e.row ?? -1, e.column ?? -1)
  const err = new Error(e.message)
  err.name = e.name
  return err
}

export class ProverPool {
  readonly size: number
  private readonly nice: number
  private readonly cacheSize: number | undefined
  private readonly maxQueue: number
  private readonly jobTimeoutMs: number
  private readonly slots: Slot[] = []
  private readonly queue: Job[] = []
  private nextId = 1
  private closed = false
  private counters = { completed: 0, failed: 0, restarts: 0 }

  constructor (opts: ProverPoolOptions = {}) {
    this.size = Math.max(1, opts.size ?? Math.max(1, os.availableParallelism() - 1))
    this.nice = Math.min(19, Math.max(0, Math.round(opts.nice ?? 0)))
    this.maxQueue = opts.maxQueue ?? 256
    this.cacheSize = opts.cacheSize
    this.jobTimeoutMs = opts.jobTimeoutMs ?? 120_000
    for (let i = 0; i < this.size; i++) this.slots.push(this.spawn())
  }

  private spawn (): Slot {
    // mod/type: what ffjavascript's web-worker shim expects to find in a worker (it imports `mod`
    // at load); an empty module keeps it from logging a failed require of `undefined`
    const worker = new Worker(new URL('./prover-worker.js', import.meta.url), {
      workerData: { mod: 'data:text/javascript,', type: 'module', name: 'zkpredict-prover', nice: this.nice, cacheSize: this.cacheSize }
    })
    const slot: Slot = { worker, job: null, loaded: new Set(), timer: null, exiting: false }
    worker.on('message', (m: WorkerReply) => this.onMessage(slot, m))
    worker.on('error', (err) => this.onCrash(slot, `prover worker crashed: ${err.message}`))
    worker.on('exit', (code) => { if (!slot.exiting) this.onCrash(slot, `prover worker exited with code ${code}`) })
    return slot
  }

  private onMessage (slot: Slot, m: WorkerReply): void {
    if (m.type === 'closed') return
    const job = slot.job
    if (!job || job.id !== m.id) return
    this.finish(slot)
    if (m.type === 'done') {
      slot.loaded.add(job.dir)
      this.counters.completed++
      job.resolve(m.result)
    } else {
      this.counters.failed++
      job.reject(rebuildError(m.error))
    }
    this.dispatch()
  }

  private finish (slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer)
    slot.timer = null
    slot.job = null
  }

  private onCrash (slot: Slot, reason: string): void {
    if (slot.exiting) return
    slot.exiting = true
    const job = slot.job
    this.finish(slot)
    void slot.worker.terminate().catch(() => {})
    if (job) {
      this.counters.failed++
      job.reject(new Error(reason))
    }
    const i = this.slots.indexOf(slot)
    if (i >= 0 && !this.closed) {
      this.counters.restarts++
      this.slots[i] = this.spawn()
      this.dispatch()
    }
  }

  private dispatch (): void {
    while (this.queue.length > 0) {
      const idle = this.slots.filter((s) => !s.job && !s.exiting)
      if (idle.length === 0) return
      const job = this.queue[0]
      // A proof goes where its circuit is loaded; a warm-up where it is not yet (warmAll spreads over the threads)
      const slot = job.msg.type === 'warm'
        ? idle.find((s) => !s.loaded.has(job.dir)) ?? idle[0]
        : idle.find((s) => s.loaded.has(job.dir)) ?? idle[0]
      this.queue.shift()
      slot.job = job
      slot.timer = setTimeout(() => this.onCrash(slot, `proof timed out after ${job.timeoutMs} ms`), job.timeoutMs)
      slot.worker.postMessage(job.msg)
    }
  }

  private submit (dir: string, msg: (id: number) => WorkerRequest & { id: number }, timeoutMs = this.jobTimeoutMs): Promise<unknown> {
    if (this.closed) return Promise.reject(new PoolClosedError())
    const busy = this.slots.every((s) => s.job)
    if (busy && this.queue.length >= this.maxQueue) {
      return Promise.reject(new PoolQueueFullError(`prover queue is full (${this.maxQueue} jobs waiting)`))
    }
    return new Promise((resolve, reject) => {
      const id = this.nextId++
      this.queue.push({ id, msg: msg(id), dir, timeoutMs, resolve, reject })
      this.dispatch()
    })
  }

  /** Proves `inputs` (raw feature values) with the circuit in artifactsDir on a worker thread. */
  prove (artifactsDir: string, inputs: readonly number[]): Promise<ProveResult> {
    const dir = path.resolve(artifactsDir)
    return this.submit(dir, (id) => ({ type: 'prove', id, dir, inputs: [...inputs] })) as Promise<ProveResult>
  }

  /** Proves the rows of a batch (raw feature values, at most the circuit's size) with the batch circuit in `artifactsDir`. */
  proveBatch (artifactsDir: string, rows: readonly (readonly number[])[]): Promise<BatchProveResult> {
    const dir = path.resolve(artifactsDir)
    // Proving time grows with the rows (BENCHMARKS.md, "Batch proofs"): the time limit too.
    const timeoutMs = this.jobTimeoutMs * Math.max(1, rows.length)
    const message = (id: number): WorkerRequest & { id: number } => ({ type: 'prove-batch', id, dir, rows: rows.map((r) => [...r]) })
    return this.submit(dir, message, timeoutMs) as Promise<BatchProveResult>
  }

  /** Loads a circuit into one worker ahead of its first proof (e.g. when a version is registered). */
  async warm (artifactsDir: string): Promise<void> {
    const dir = path.resolve(artifactsDir)
    await this.submit(dir, (id) => ({ type: 'warm', id, dir }))
  }

  /**
   * Loads a circuit into every worker thread (a worker process does this for the served versions before it takes
   * jobs): without it each thread's first proof of a circuit also parses its proving key and compiles its witness
   * calculator, inside the time a user waits. Warm-ups submitted together land on distinct idle threads, whose
   * thread ids it returns.
   */
  async warmAll (artifactsDir: string): Promise<number[]> {
    const dir = path.resolve(artifactsDir)
    const loaded = await Promise.all(this.slots.map(async () => await this.submit(dir, (id) => ({ type: 'warm', id, dir }))))
    return loaded.map((r) => (r as { thread: number }).thread)
  }

  /** Drops a circuit from every worker's cache (after its directory was rebuilt or deleted). */
  evict (artifactsDir: string): void {
    const dir = path.resolve(artifactsDir)
    for (const s of this.slots) { s.loaded.delete(dir); s.worker.postMessage({ type: 'evict', dir } satisfies WorkerRequest) }
  }

  get stats (): PoolStats {
    return { size: this.size, busy: this.slots.filter((s) => s.job).length, queued: this.queue.length, ...this.counters }
  }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const job of this.queue.splice(0)) job.reject(new PoolClosedError())
    // Let running jobs finish
    while (this.slots.some((s) => s.job)) await new Promise((resolve) => setTimeout(resolve, 20))
    await Promise.all(this.slots.map(async (s) => {
      s.exiting = true
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 2000)
        s.worker.once('message', (m: WorkerReply) => { if (m.type === 'closed') { clearTimeout(t); resolve() } })
        s.worker.postMessage({ type: 'close' } satisfies WorkerRequest)
      })
      await s.worker.terminate()
    }))
  }
}
