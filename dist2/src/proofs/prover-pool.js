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
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { InputRangeError } from './evaluate.js';
export class PoolQueueFullError extends Error {
    constructor(message) {
        super(message);
        this.name = 'PoolQueueFullError';
    }
}
export class PoolClosedError extends Error {
    constructor() {
        super('the prover pool is closed');
        this.name = 'PoolClosedError';
    }
}
function rebuildError(e) {
    if (e.name === 'InputRangeError')
        return new InputRangeError(e.message, e.column ?? -1);
    const err = new Error(e.message);
    err.name = e.name;
    return err;
}
export class ProverPool {
    size;
    nice;
    cacheSize;
    maxQueue;
    jobTimeoutMs;
    slots = [];
    queue = [];
    nextId = 1;
    closed = false;
    counters = { completed: 0, failed: 0, restarts: 0 };
    constructor(opts = {}) {
        this.size = Math.max(1, opts.size ?? Math.max(1, os.availableParallelism() - 1));
        this.nice = Math.min(19, Math.max(0, Math.round(opts.nice ?? 0)));
        this.maxQueue = opts.maxQueue ?? 256;
        this.cacheSize = opts.cacheSize;
        this.jobTimeoutMs = opts.jobTimeoutMs ?? 120_000;
        for (let i = 0; i < this.size; i++)
            this.slots.push(this.spawn());
    }
    spawn() {
        // mod/type: what ffjavascript's web-worker shim expects to find in a worker (it imports `mod`
        // at load); an empty module keeps it from logging a failed require of `undefined`
        const worker = new Worker(new URL('./prover-worker.js', import.meta.url), {
            workerData: { mod: 'data:text/javascript,', type: 'module', name: 'zkpredict-prover', nice: this.nice, cacheSize: this.cacheSize }
        });
        const slot = { worker, job: null, loaded: new Set(), timer: null, exiting: false };
        worker.on('message', (m) => this.onMessage(slot, m));
        worker.on('error', (err) => this.onCrash(slot, `prover worker crashed: ${err.message}`));
        worker.on('exit', (code) => { if (!slot.exiting)
            this.onCrash(slot, `prover worker exited with code ${code}`); });
        return slot;
    }
    onMessage(slot, m) {
        if (m.type === 'closed')
            return;
        const job = slot.job;
        if (!job || job.id !== m.id)
            return;
        this.finish(slot);
        if (m.type === 'done') {
            slot.loaded.add(job.dir);
            this.counters.completed++;
            job.resolve(m.result);
        }
        else {
            this.counters.failed++;
            job.reject(rebuildError(m.error));
        }
        this.dispatch();
    }
    finish(slot) {
        if (slot.timer)
            clearTimeout(slot.timer);
        slot.timer = null;
        slot.job = null;
    }
    onCrash(slot, reason) {
        if (slot.exiting)
            return;
        slot.exiting = true;
        const job = slot.job;
        this.finish(slot);
        void slot.worker.terminate().catch(() => { });
        if (job) {
            this.counters.failed++;
            job.reject(new Error(reason));
        }
        const i = this.slots.indexOf(slot);
        if (i >= 0 && !this.closed) {
            this.counters.restarts++;
            this.slots[i] = this.spawn();
            this.dispatch();
        }
    }
    dispatch() {
        while (this.queue.length > 0) {
            const idle = this.slots.filter((s) => !s.job && !s.exiting);
            if (idle.length === 0)
                return;
            const job = this.queue[0];
            const slot = idle.find((s) => s.loaded.has(job.dir)) ?? idle[0];
            this.queue.shift();
            slot.job = job;
            slot.timer = setTimeout(() => this.onCrash(slot, `proof timed out after ${this.jobTimeoutMs} ms`), this.jobTimeoutMs);
            slot.worker.postMessage(job.msg);
        }
    }
    submit(dir, msg) {
        if (this.closed)
            return Promise.reject(new PoolClosedError());
        const busy = this.slots.every((s) => s.job);
        if (busy && this.queue.length >= this.maxQueue) {
            return Promise.reject(new PoolQueueFullError(`prover queue is full (${this.maxQueue} jobs waiting)`));
        }
        return new Promise((resolve, reject) => {
            const id = this.nextId++;
            this.queue.push({ id, msg: msg(id), dir, resolve, reject });
            this.dispatch();
        });
    }
    /** Proves `inputs` (raw feature values) with the circuit in artifactsDir on a worker thread. */
    prove(artifactsDir, inputs) {
        const dir = path.resolve(artifactsDir);
        return this.submit(dir, (id) => ({ type: 'prove', id, dir, inputs: [...inputs] }));
    }
    /** Loads a circuit into one worker ahead of its first proof (e.g. when a version is registered). */
    async warm(artifactsDir) {
        const dir = path.resolve(artifactsDir);
        await this.submit(dir, (id) => ({ type: 'warm', id, dir }));
    }
    /** Drops a circuit from every worker's cache (after its directory was rebuilt or deleted). */
    evict(artifactsDir) {
        const dir = path.resolve(artifactsDir);
        for (const s of this.slots) {
            s.loaded.delete(dir);
            s.worker.postMessage({ type: 'evict', dir });
        }
    }
    get stats() {
        return { size: this.size, busy: this.slots.filter((s) => s.job).length, queued: this.queue.length, ...this.counters };
    }
    async close() {
        if (this.closed)
            return;
        this.closed = true;
        for (const job of this.queue.splice(0))
            job.reject(new PoolClosedError());
        // Let running jobs finish
        while (this.slots.some((s) => s.job))
            await new Promise((r) => setTimeout(r, 20));
        await Promise.all(this.slots.map(async (s) => {
            s.exiting = true;
            await new Promise((resolve) => {
                const t = setTimeout(resolve, 2000);
                s.worker.once('message', (m) => { if (m.type === 'closed') {
                    clearTimeout(t);
                    resolve();
                } });
                s.worker.postMessage({ type: 'close' });
            });
            await s.worker.terminate();
        }));
    }
}
//# sourceMappingURL=prover-pool.js.map