import { mkdir, opendir, readdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { FastifyBaseLogger } from 'fastify'
import { writeJsonAtomic } from '../../fs-atomic.js'
import { StorageDamagedError } from '../../errors.js'
import type { ProofRecord } from '../proof-record.js'
import { timeOfId } from './ids.js'
import { isExpired, type ProofStore } from './proof-store.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR

/**
 * The embedded proof store: `<dir>/<YYYY-MM-DD>/<HH>/<id>.json`, the hour taken from the UUIDv7 id,
 * written atomically (fs-atomic). Why this layout:
 * - a read is one open of a path computed from the id: no index, nothing loaded at start;
 * - a directory holds one hour of proofs (15,500 at the 4.3 proofs/s this machine saturates at),
 *   not millions: readdir, backups and `rm` of a flat 1M-entry directory take minutes;
 * - retention removes whole hour directories, without reading a record, one file at a time (see sweep).
 * Proofs not finished are also named in `<dir>/pending/<id>` (an empty file, made before the record and
 * removed after it is final), so a restart finds the few to resume without scanning the records.
 * Records of releases before UUIDv7 ids (`<dir>/<uuid-v4>.json`) are still read.
 */
export class FileProofStore implements ProofStore {
  private readonly pendingDir: string
  private sweeper: NodeJS.Timeout | undefined
  private sweeping: Promise<number> | undefined
  /** Writes of one id are chained so that a late 'proving' write never lands over the result. */
  private readonly writes = new Map<string, Promise<unknown>>()
  /** Damaged records already logged (each is said once). */
  private readonly reported = new Set<string>()

  constructor (readonly dir: string, private readonly retentionMs: number, private readonly log?: FastifyBaseLogger) {
    this.pendingDir = path.join(dir, 'pending')
  }

  /**
   * Ids of proofs not finished (queued or proving at the last stop), oldest first; starts the retention sweep. Their
   * records are read here: a damaged one is logged and never proven (GET /proofs/{id} answers storage_damaged).
   * Finished records are not read at start (there may be millions): a damaged one is found, and logged, when read.
   */
  async init (): Promise<string[]> {
    await mkdir(this.pendingDir, { recursive: true })
    const ids: string[] = []
    for (const id of (await readdir(this.pendingDir)).filter((name) => !name.startsWith('.')).sort()) {
      const readable = await this.get(id).then(() => true, (err: unknown) => {
        if (err instanceof StorageDamagedError) return false
        throw err
      })
      if (readable) ids.push(id)
    }
    void this.sweep()
    this.sweeper = setInterval(() => { void this.sweep() }, HOUR).unref()
    return ids
  }

  async unfinished (): Promise<string[]> {
    return (await readdir(this.pendingDir).catch(() => [] as string[])).filter((name) => !name.startsWith('.')).sort()
  }

  pathOf (id: string): string {
    const created = timeOfId(id)
    if (created == null) return path.join(this.dir, `${path.basename(id)}.json`)
    const iso = new Date(created).toISOString()
    return path.join(this.dir, iso.slice(0, 10), iso.slice(11, 13), `${id}.json`)
  }

  async create (record: ProofRecord): Promise<void> {
    await writeFile(path.join(this.pendingDir, record.id), '')
    await this.write(record)
  }

  async get (id: string): Promise<ProofRecord | 'expired' | undefined> {
    if (!/^[0-9a-f-]{1,64}$/.test(id)) return undefined
    if (isExpired(id, this.retentionMs)) return 'expired'
    const file = this.pathOf(id)
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw err
    }
    let record: ProofRecord | undefined
    let reason: string
    try {
      record = JSON.parse(text) as ProofRecord
      reason = 'not a proof record (id, status, model, version)'
    } catch (err) {
      reason = `not valid JSON (${(err as Error).message}; ${text.length} bytes)`
    }
    if (record?.id === id && typeof record.status === 'string' && typeof record.model === 'string' && typeof record.version === 'number') {
      return record
    }
    // Records are written atomically: a record that does not parse was damaged from outside, never a 404 or a client's 400.
    const damage = { file: path.relative(path.dirname(this.dir), file), reason }
    if (!this.reported.has(file)) {
      this.reported.add(file)
      this.log?.error({ item: `proof '${id}'`, ...damage }, `stored file is damaged: proof '${id}' is not served or proven`)
    }
    throw new StorageDamagedError(`proof '${id}'`, damage)
  }

  async cancel (record: ProofRecord): Promise<boolean> {
    return await this.chain(record.id, async () => {
      const stored = await this.get(record.id)
      if (typeof stored === 'object' && stored.status !== 'queued') return false
      await writeJsonAtomic(this.pathOf(record.id), record)
      await rm(path.join(this.pendingDir, record.id), { force: true })
      return true
    })
  }

  async save (record: ProofRecord): Promise<void> {
    await this.chain(record.id, async () => {
      const stored = await this.get(record.id)
      if (typeof stored === 'object' && stored.status === 'succeeded') return
      await writeJsonAtomic(this.pathOf(record.id), record)
      if (record.status === 'failed') await rm(path.join(this.pendingDir, record.id), { force: true })
    })
  }

  async complete (record: ProofRecord): Promise<boolean> {
    return await this.chain(record.id, async () => {
      const stored = await this.get(record.id)
      if (typeof stored === 'object' && stored.status === 'succeeded') return false
      await writeJsonAtomic(this.pathOf(record.id), { ...record, completions: 1 })
      await rm(path.join(this.pendingDir, record.id), { force: true })
      return true
    })
  }

  async completions (id: string): Promise<number> {
    const stored = await this.get(id)
    return typeof stored === 'object' ? (stored as ProofRecord & { completions?: number }).completions ?? 0 : 0
  }

  async close (): Promise<void> {
    if (this.sweeper != null) clearInterval(this.sweeper)
    await Promise.allSettled([...this.writes.values()])
  }

  /**
   * Removes the hour directories whose every record is past the retention, oldest first, and the pending
   * names whose record is gone; returns how many hour directories went. Incremental: it lists the days
   * (PROOF_RETENTION's worth, ~30 names), then one hour at a time, and unlinks its files one by one from
   * a directory stream: a whole day in one recursive rm (370,000 files at 4.3 proofs/s) would fill libuv's
   * 4 threads, which the requests' record reads share, for seconds. One sweep at a time.
   */
  async sweep (now = Date.now()): Promise<number> {
    if (this.sweeping != null) return await this.sweeping
    this.sweeping = this.sweepOnce(now).finally(() => { this.sweeping = undefined })
    return await this.sweeping
  }

  private async sweepOnce (now: number): Promise<number> {
    let hours = 0
    let records = 0
    const days = (await readdir(this.dir).catch(() => [] as string[])).filter((name) => /^\d{4}-\d{2}-\d{2}$/.test(name)).sort()
    for (const day of days) {
      const dayStart = Date.parse(`${day}T00:00:00Z`)
      if (dayStart + HOUR + this.retentionMs > now) break // its first hour is still kept, and every later day too
      const dayDir = path.join(this.dir, day)
      const hourNames = (await readdir(dayDir).catch(() => [] as string[])).filter((name) => /^\d{2}$/.test(name)).sort()
      for (const hour of hourNames) {
        if (dayStart + (Number(hour) + 1) * HOUR + this.retentionMs > now) break
        records += await removeFiles(path.join(dayDir, hour))
        hours++
      }
      if (dayStart + DAY + this.retentionMs <= now) await rmdir(dayDir).catch(() => undefined) // empty by now, unless written meanwhile
    }
    for (const id of await readdir(this.pendingDir).catch(() => [] as string[])) {
      if (isExpired(id, this.retentionMs, now)) await rm(path.join(this.pendingDir, id), { force: true })
    }
    if (hours > 0) this.log?.info({ hours, records }, 'removed proof records past PROOF_RETENTION')
    return hours
  }

  private async write (record: ProofRecord): Promise<void> {
    await this.chain(record.id, async () => { await writeJsonAtomic(this.pathOf(record.id), record) })
  }

  private async chain<T> (id: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.writes.get(id) ?? Promise.resolve()
    const run = previous.then(fn, fn)
    const settled = run.catch(() => undefined)
    this.writes.set(id, settled)
    try {
      return await run
    } finally {
      if (this.writes.get(id) === settled) this.writes.delete(id)
    }
  }
}

/** Unlinks a directory's files one at a time from a directory stream (never the whole listing in memory), then the directory. */
async function removeFiles (dir: string): Promise<number> {
  let removed = 0
  // Linux may skip entries of a directory changed while it is read: go again until it is empty.
  for (let pass = 0; pass < 3; pass++) {
    const handle = await opendir(dir).catch(() => null)
    if (handle == null) return removed
    for await (const entry of handle) {
      await rm(path.join(dir, entry.name), { force: true, recursive: entry.isDirectory() })
      removed++
    }
    if (await rmdir(dir).then(() => true, () => false)) return removed
  }
  return removed
}
