import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../errors.js';
import { WorkQueue } from './work-queue.js';
import { newTimeId } from './queues/ids.js';
/** A failure that no retry can fix (a deleted model, an input outside the circuit's range): BullMQ's UnrecoverableError. */
export class PermanentProofError extends Error {
    constructor(message) {
        super(message);
        this.name = 'PermanentProofError';
    }
}
/** In-process dispatch (the embedded default): a bounded WorkQueue feeding the prover pool. */
export class LocalProofDispatch {
    recordFirst = true;
    queue;
    run = async () => { };
    constructor(concurrency, limit) {
        this.queue = new WorkQueue('proof', concurrency, limit);
    }
    async ensureRoom(count) { this.queue.ensureRoom(count); }
    async enqueue(record) {
        this.queue.push(async () => await this.run(record.id));
    }
    async close() { }
}
/**
 * Proofs of predictions: created queued by /predict and proven off the event loop (the prover
 * pool's threads), in this process (embedded) or in worker processes (BullMQ). Records live in a
 * ProofStore (files or Redis), read on demand: nothing is held per stored proof.
 */
export class ProofJobs {
    registry;
    engine;
    circuits;
    store;
    dispatch;
    log;
    vkCache = new Map();
    closing = false;
    constructor(registry, engine, circuits, store, dispatch, log) {
        this.registry = registry;
        this.engine = engine;
        this.circuits = circuits;
        this.store = store;
        this.dispatch = dispatch;
        this.log = log;
        if (dispatch instanceof LocalProofDispatch)
            dispatch.run = async (id) => await this.runLocal(id);
        registry.onDelete((name, version) => this.vkCache.delete(`${name}@${version}`));
    }
    /** Embedded mode after a restart: the proofs that were queued or proving run again, oldest first. */
    resume(ids) {
        for (const id of ids)
            void this.dispatch.enqueue({ id });
    }
    async get(id) {
        const job = await this.store.get(id);
        if (job === 'expired') {
            throw new AppError(404, 'proof_expired', `proof '${id.slice(0, 80)}' has expired: records are kept for PROOF_RETENTION ` +
                'after they were asked for (a downloaded bundle stays verifiable offline)', { field: 'id' });
        }
        if (job == null)
            throw new AppError(404, 'proof_not_found', `proof '${id.slice(0, 80)}' does not exist`, { field: 'id' });
        return job;
    }
    async ensureRoom(count) {
        await this.dispatch.ensureRoom(count);
    }
    async create(meta, inputs, served) {
        const job = {
            id: newTimeId(),
            status: 'queued',
            created: new Date().toISOString(),
            model: meta.name,
            version: meta.version,
            proof_system: meta.proof_system,
            inputs,
            served,
        };
        if (this.dispatch.recordFirst)
            await this.store.create(job);
        await this.dispatch.enqueue(job);
        if (!this.dispatch.recordFirst)
            await this.store.create(job);
        return job;
    }
    async verificationKey(meta) {
        const key = `${meta.name}@${meta.version}`;
        const cached = this.vkCache.get(key);
        if (cached != null)
            return cached;
        const state = this.registry.circuit(meta);
        if (state.status !== 'ready') {
            throw new AppError(state.status === 'failed' || state.status === 'unsupported' ? 422 : 409, 'circuit_not_ready', `model '${meta.name}' version ${meta.version} has no verification key: its circuit is ` +
                `${state.status}${state.error != null ? ` (${state.error})` : ''}`);
        }
        const vk = JSON.parse(await readFile(path.join(this.registry.circuitDir(meta), 'verification_key.json'), 'utf8'));
        this.vkCache.set(key, vk);
        return vk;
    }
    async verify(meta, publicSignals, proof) {
        const vk = await this.verificationKey(meta);
        const started = performance.now();
        const verified = await this.engine.verify(meta.proof_system, vk, publicSignals, proof).catch(() => false);
        return { verified, verification_ms: performance.now() - started };
    }
    /** From now on, unfinished proofs stay queued for the next start (or another worker) instead of failing. */
    async close() {
        this.closing = true;
        await this.dispatch.close();
    }
    /**
     * Proves one record; the one path for both modes. `data` recreates a record its creator did not
     * live to write (BullMQ). 'circuit_pending' when the version's circuit is still being built elsewhere
     * (the BullMQ processor delays the job); throws PermanentProofError for a failure no retry fixes,
     * any other error for a transient one (retried while `finalAttempt` is false, else recorded as failed).
     */
    async prove(id, options) {
        const stored = await this.store.get(id);
        if (stored === 'expired')
            return 'done';
        let job = stored;
        if (job == null) {
            if (options.data == null)
                return 'done';
            job = options.data;
            await this.store.create(job);
        }
        if (job.status === 'succeeded' || job.status === 'failed')
            return 'done';
        const record = job;
        const fail = async (message) => {
            await this.store.save({ ...record, status: 'failed', finished: new Date().toISOString(), error: message });
            this.log.warn({ proof: id, error: message }, 'proof failed');
        };
        let meta;
        try {
            meta = this.registry.resolve(job.model, job.version);
        }
        catch (err) {
            await fail(err.message);
            throw new PermanentProofError(err.message);
        }
        try {
            if (options.waitForCircuit) {
                await this.circuits.whenReady(meta);
            }
            else if (this.registry.circuit(meta).status !== 'ready') {
                // Another process builds it and says so over pub/sub; read the file in case that message was missed.
                await this.registry.reloadModel(meta.name);
                const status = this.registry.circuit(meta).status;
                if (status === 'pending' || status === 'building') {
                    await this.circuits.enqueue(meta);
                    return 'circuit_pending';
                }
                if (status !== 'ready')
                    await this.circuits.whenReady(meta); // throws the not-provable reason
            }
        }
        catch (err) {
            await fail(err.message);
            throw new PermanentProofError(err.message);
        }
        job = { ...job, status: 'proving', started: new Date().toISOString() };
        await this.store.save(job);
        try {
            const result = await this.engine.prove(this.registry.circuitDir(meta), meta.proof_system, job.inputs);
            const written = await this.store.complete({
                ...job,
                status: 'succeeded',
                finished: new Date().toISOString(),
                public_signals: result.publicSignals,
                proof: result.proof,
                output: result.output,
                prove_ms: result.prove_ms,
            });
            if (!written)
                this.log.warn({ proof: id }, 'proof already had a result (a stalled job proved twice); the first result is kept');
            return 'done';
        }
        catch (err) {
            const message = err.message;
            const permanent = err.name === 'InputRangeError' || (err instanceof AppError && err.statusCode < 500);
            if (this.closing && !permanent)
                throw err; // interrupted by shutdown: queued again
            if (permanent || options.finalAttempt) {
                await fail(message);
                if (permanent)
                    throw new PermanentProofError(message);
                throw err;
            }
            await this.store.save({ ...job, status: 'queued', error: message, attempts: (job.attempts ?? 0) + 1 });
            throw err;
        }
    }
    async runLocal(id) {
        if (this.closing)
            return;
        await this.prove(id, { finalAttempt: true, waitForCircuit: true }).catch(() => undefined);
    }
}
//# sourceMappingURL=proof-jobs.js.map