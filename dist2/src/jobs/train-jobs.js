import { mkdir, readdir, rm } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { AppError } from '../errors.js';
import { runTrainingJob } from '../training/run-in-worker.js';
import { inspectOnnx } from '../onnx/inspect.js';
import { WorkQueue } from './work-queue.js';
import { FileTrainStore } from './queues/train-store.js';
export class LocalTrainDispatch {
    recordFirst = true;
    queue;
    run = async () => { };
    constructor(concurrency, limit) { this.queue = new WorkQueue('training', concurrency, limit); }
    async ensureRoom() { this.queue.ensureRoom(); }
    async enqueue(job) { this.queue.push(async () => await this.run(job.id)); }
    async close() { }
}
const INTERRUPTED = 'interrupted: the service stopped while this job was running; submit it again';
/** Training jobs: queued, run one (or a few) at a time in worker threads, here (embedded) or in worker processes (BullMQ). */
export class TrainJobs {
    registry;
    options;
    log;
    store;
    dispatch;
    aborts = new Map();
    closed = false;
    constructor(registry, options, log, queues) {
        this.registry = registry;
        this.options = options;
        this.log = log;
        this.store = queues?.store ?? new FileTrainStore(options.dir);
        this.dispatch = queues?.dispatch ?? new LocalTrainDispatch(options.concurrency, options.queueLimit);
        if (this.dispatch instanceof LocalTrainDispatch)
            this.dispatch.run = async (id) => await this.run(id);
    }
    /**
     * Embedded mode after a restart: a job that was running is failed (its worker died with the
     * process); queued jobs run again. (BullMQ mode: the queue holds them; a stalled job runs again.)
     */
    async init() {
        if (!(this.store instanceof FileTrainStore))
            return [];
        const resumable = [];
        for (const job of await this.store.jobs.init()) {
            if (job.status === 'running') {
                if (await this.finishIfRegistered(job))
                    continue;
                await this.finish(job, { status: 'failed', error: INTERRUPTED });
            }
            else if (job.status === 'queued') {
                resumable.push(job);
            }
        }
        // Files of an upload cut off by a crash (no job was ever saved for them) are never read: remove them.
        const keep = new Set(resumable.map((job) => job.uploadDir).filter((dir) => dir != null).map((dir) => path.resolve(dir)));
        for (const name of await readdir(this.options.uploadsDir).catch(() => [])) {
            const dir = path.resolve(this.options.uploadsDir, name);
            if (!keep.has(dir))
                await rm(dir, { recursive: true, force: true });
        }
        return resumable;
    }
    resume(jobs) {
        for (const job of jobs)
            void this.dispatch.enqueue(job);
    }
    async get(id) {
        const job = await this.store.get(id);
        if (job == null)
            throw new AppError(404, 'job_not_found', `training job '${id.slice(0, 80)}' does not exist`, { field: 'id' });
        return job;
    }
    /** Newest first, `limit` at a time; `cursor` is the `next` of the previous page. */
    async list(limit = 50, cursor) {
        return await this.store.page(limit, cursor);
    }
    /** Jobs for `model` not yet finished (among the newest 100). */
    async active(model) {
        return (await this.store.page(100)).jobs.filter((j) => j.spec.model === model && (j.status === 'queued' || j.status === 'running'));
    }
    newUploadDir(id) {
        return path.join(this.options.uploadsDir, id);
    }
    async submit(spec, id = randomUUID(), uploadDir) {
        await this.dispatch.ensureRoom();
        const dataKind = 'synthetic' in spec.data ? 'synthetic' : uploadDir != null ? 'upload' : 'urls';
        const job = {
            id,
            status: 'queued',
            href: `/train/${id}`,
            created: new Date().toISOString(),
            spec: {
                model: spec.model,
                recipe: spec.recipe,
                window: spec.window,
                seed: spec.seed,
                epochs: spec.epochs,
                proof_system: spec.proof_system ?? this.options.defaultProofSystem,
                data: dataKind
            },
            request: spec,
            uploadDir,
        };
        if (uploadDir != null)
            await mkdir(uploadDir, { recursive: true });
        if (this.dispatch.recordFirst)
            await this.store.save(job);
        await this.dispatch.enqueue(job);
        if (!this.dispatch.recordFirst)
            await this.store.create(job);
        return job;
    }
    async close() {
        this.closed = true;
        for (const controller of this.aborts.values())
            controller.abort();
        await this.dispatch.close();
    }
    /**
     * The BullMQ 'training' processor. A job found 'running' was held by a worker that died (stalled
     * recovery): finished when its model version exists, else trained again from the start.
     */
    async runFromQueue(id, data) {
        let job = await this.store.get(id);
        if (job == null) {
            if (data == null)
                return;
            await this.store.create(data);
            job = data;
        }
        if (job.status === 'running') {
            await this.registry.reloadModel(job.spec.model);
            if (await this.finishIfRegistered(job))
                return;
            await this.store.save({ ...job, status: 'queued' });
        }
        await this.run(id);
        if (this.closed && (await this.store.get(id))?.status !== 'succeeded')
            throw new Error(INTERRUPTED);
    }
    async finishIfRegistered(job) {
        // The process may have died between registering the model and recording it: the version says so.
        const made = this.registry.allVersions().find((meta) => meta.job === job.id);
        if (made == null)
            return false;
        await this.finish(job, {
            status: 'succeeded',
            model: { name: made.name, version: made.version },
            ...(made.dataset != null ? { dataset: made.dataset } : {}),
            ...(made.metrics != null ? { metrics: made.metrics } : {}),
            ...(made.backend != null ? { backend: made.backend } : {}),
        });
        return true;
    }
    async run(id) {
        if (this.closed)
            return;
        let job = await this.get(id);
        if (job.status !== 'queued')
            return;
        const started = Date.now();
        job = { ...job, status: 'running', started: new Date().toISOString() };
        await this.store.save(job);
        const controller = new AbortController();
        this.aborts.set(id, controller);
        let lastSaved = 0;
        try {
            const spec = job.request;
            const workerSpec = {
                recipe: spec.recipe,
                window: spec.window,
                seed: spec.seed,
                epochs: spec.epochs,
                data: spec.data,
                limits: this.options.limits,
                ...(this.options.backend != null ? { backend: this.options.backend } : {}),
            };
            const result = await runTrainingJob(workerSpec, {
                signal: controller.signal,
                onProgress: (progress) => {
                    job = { ...job, progress };
                    void this.store.progress(job).catch(() => undefined);
                    // Embedded: progress is read from memory; the file is refreshed now and then so a restart shows where it was.
                    if (this.store instanceof FileTrainStore && Date.now() - lastSaved > 2000) {
                        lastSaved = Date.now();
                        void this.store.save(job).catch(() => undefined);
                    }
                },
            });
            const summary = inspectOnnx(result.onnx);
            const meta = await this.options.register({
                name: spec.model,
                source: 'trained',
                onnx: result.onnx,
                inputs: summary.inputs,
                outputs: summary.outputs,
                features: result.model.featureNames,
                threshold: result.model.threshold,
                proof_system: spec.proof_system ?? this.options.defaultProofSystem,
                recipe: result.model.recipe,
                window: result.model.window,
                seed: result.model.seed,
                metrics: result.model.metrics,
                dataset: result.model.dataset,
                backend: result.model.backend,
                history: result.model.history,
                job: id,
            });
            await this.finish(await this.get(id), {
                status: 'succeeded',
                dataset: result.model.dataset,
                metrics: result.model.metrics,
                model: { name: meta.name, version: meta.version },
                backend: result.model.backend,
                train_ms: Date.now() - started,
            });
            this.log.info({
                job: id,
                model: meta.name,
                version: meta.version,
                f1: result.model.metrics.f1,
                roc_auc: result.model.metrics.roc_auc
            }, 'training job succeeded');
        }
        catch (err) {
            const message = this.closed ? INTERRUPTED : describeError(err);
            // BullMQ mode: a job stopped by a worker's shutdown stays 'running' for the next worker (runFromQueue).
            if (this.closed && !(this.store instanceof FileTrainStore))
                return;
            await this.finish(await this.get(id), { status: 'failed', error: message });
            this.log.warn({ job: id, error: message }, 'training job failed');
        }
        finally {
            this.aborts.delete(id);
        }
    }
    async finish(job, update) {
        const done = { ...job, ...update, finished: new Date().toISOString() };
        await this.store.save(done);
        if (done.uploadDir != null)
            await rm(done.uploadDir, { recursive: true, force: true }).catch(() => undefined);
    }
}
function describeError(err) {
    const e = err;
    const where = e.where != null ? Object.entries(e.where).map(([k, v]) => `${k} ${String(v)}`).join(', ') : '';
    const message = e.message ?? String(err);
    return where !== '' && !message.includes(String(Object.values(e.where ?? {})[0])) ? `${message} (${where})` : message;
}
//# sourceMappingURL=train-jobs.js.map