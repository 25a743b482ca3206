import { readdir } from 'node:fs/promises'
import path from 'node:path'
import { randomUUID } from 'node:crypto'
import { cleanStaging, writeJsonAtomic } from '../fs-atomic.js'
import { DamagedFileError, readStoredJson, type Damage } from '../registry/storage-check.js'

export interface StoredJob { id: string, status: string, created: string }

/**
 * Jobs kept as one JSON file each under a directory, written atomically, so that the list of
 * jobs and their states survive a restart; the in-memory map serves reads.
 */
export class JobStore<J extends StoredJob> {
  private readonly jobs = new Map<string, J>()
  private readonly writes = new Map<string, Promise<void>>()
  /** Records that cannot be read (by id, the file name): never run, listed apart, and answered as storage_damaged. */
  readonly damaged = new Map<string, Damage>()
  constructor (readonly dir: string) {}

  static newId (): string {
    return randomUUID()
  }

  /**
   * Loads every stored job. A file that cannot be read is damage from outside (writes are atomic, so a crash
   * leaves none): it is kept in `damaged` with the reason, its path shown under DATA_DIR (`jobs/<kind>/<id>.json`).
   */
  async init (): Promise<J[]> {
    this.jobs.clear()
    this.damaged.clear()
    await cleanStaging(this.dir)
    const files = await readdir(this.dir).catch(() => [] as string[])
    for (const file of files) {
      if (!file.endsWith('.json')) continue
      const id = file.slice(0, -'.json'.length)
      const shown = path.join(path.basename(path.dirname(this.dir)), path.basename(this.dir), file)
      try {
        const job = await readStoredJson<J>(path.join(this.dir, file))
        if (typeof job?.id !== 'string' || typeof job.status !== 'string' || typeof job.created !== 'string') {
          throw new DamagedFileError(file, 'not a job record (id, status, created)')
        }
        this.jobs.set(job.id, job)
      } catch (err) {
        const reason = err instanceof DamagedFileError ? err.reason : `unreadable (${(err as NodeJS.ErrnoException).code ?? String(err)})`
        this.damaged.set(id, { file: shown, reason })
      }
    }
    return this.list()
  }

  get (id: string): J | undefined {
    return this.jobs.get(id)
  }

  /** Newest first. */
  list (): J[] {
    return [...this.jobs.values()].sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0))
  }

  /**
   * Updates memory at once (readers see progress immediately) and the file atomically. Writes of
   * one job are chained and each writes the newest state, so a slow progress write can never land
   * after (and undo) the final one: what a restart reads is the last state saved.
   */
  async save (job: J): Promise<void> {
    this.jobs.set(job.id, job)
    const previous = this.writes.get(job.id) ?? Promise.resolve()
    const write = previous.catch(() => undefined).then(async () => {
      const latest = this.jobs.get(job.id)
      if (latest != null) await writeJsonAtomic(path.join(this.dir, `${job.id}.json`), latest)
    })
    this.writes.set(job.id, write)
    try {
      await write
    } finally {
      if (this.writes.get(job.id) === write) this.writes.delete(job.id)
    }
  }

  /** Updates memory only: for frequent progress updates, written out by the next save(). */
  touch (job: J): void {
    this.jobs.set(job.id, job)
  }
}
