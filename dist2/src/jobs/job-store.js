import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { cleanStaging, readJson, writeJsonAtomic } from '../fs-atomic.js';
/**
 * Jobs kept as one JSON file each under a directory, written atomically, so that the list of
 * jobs and their states survive a restart; the in-memory map serves reads.
 */
export class JobStore {
    dir;
    jobs = new Map();
    writes = new Map();
    constructor(dir) {
        this.dir = dir;
    }
    static newId() {
        return randomUUID();
    }
    /** Loads every stored job; unreadable files (a crash mid-write leaves none, but be safe) are skipped. */
    async init() {
        this.jobs.clear();
        await cleanStaging(this.dir);
        const files = await readdir(this.dir).catch(() => []);
        for (const file of files) {
            if (!file.endsWith('.json'))
                continue;
            const job = await readJson(path.join(this.dir, file)).catch(() => null);
            if (job?.id != null)
                this.jobs.set(job.id, job);
        }
        return this.list();
    }
    get(id) {
        return this.jobs.get(id);
    }
    /** Newest first. */
    list() {
        return [...this.jobs.values()].sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0));
    }
    /**
     * Updates memory at once (readers see progress immediately) and the file atomically. Writes of
     * one job are chained and each writes the newest state, so a slow progress write can never land
     * after (and undo) the final one: what a restart reads is the last state saved.
     */
    async save(job) {
        this.jobs.set(job.id, job);
        const previous = this.writes.get(job.id) ?? Promise.resolve();
        const write = previous.catch(() => undefined).then(async () => {
            const latest = this.jobs.get(job.id);
            if (latest != null)
                await writeJsonAtomic(path.join(this.dir, `${job.id}.json`), latest);
        });
        this.writes.set(job.id, write);
        try {
            await write;
        }
        finally {
            if (this.writes.get(job.id) === write)
                this.writes.delete(job.id);
        }
    }
    /** Updates memory only: for frequent progress updates, written out by the next save(). */
    touch(job) {
        this.jobs.set(job.id, job);
    }
}
//# sourceMappingURL=job-store.js.map