import type { Redis } from 'ioredis'
import type { TrainJobRecord } from '../train-record.js'
import { JobStore } from '../job-store.js'
import { StorageDamagedError } from '../../errors.js'

/** A page of training jobs, newest first; `next` is the cursor of the following page; `damaged`: records that cannot be read. */
export interface TrainPage { jobs: TrainJobRecord[], next: string | null, damaged?: Array<{ id: string, file: string, reason: string }> }

/**
 * Where training job records live: files in DATA_DIR (embedded) or Redis (every replica reads
 * them). Training jobs are made by operators, not by traffic (a handful a day), so the embedded store
 * keeps its small map; both list with a cursor so that an answer never grows with the history.
 */
export interface TrainStore {
  get: (id: string) => Promise<TrainJobRecord | undefined>
  /** Stores a new job unless one with its id exists (a worker wrote it from the queue's job data first). */
  create: (job: TrainJobRecord) => Promise<void>
  save: (job: TrainJobRecord) => Promise<void>
  /** Progress: written now and then (embedded: memory first, the file on the next save). */
  progress: (job: TrainJobRecord) => Promise<void>
  page: (limit: number, cursor?: string) => Promise<TrainPage>
}

/** Cursor: `<created>|<id>` of the last job of the previous page (created ISO strings sort as text). */
function after (job: TrainJobRecord, cursor?: string): boolean {
  if (cursor == null) return true
  const key = `${job.created}|${job.id}`
  return key < cursor
}

export class FileTrainStore implements TrainStore {
  readonly jobs: JobStore<TrainJobRecord>
  constructor (dir: string) { this.jobs = new JobStore(dir) }
  async get (id: string): Promise<TrainJobRecord | undefined> {
    const damage = this.jobs.damaged.get(id)
    if (damage != null) throw new StorageDamagedError(`training job '${id}'`, damage)
    return this.jobs.get(id)
  }

  async create (job: TrainJobRecord): Promise<void> { if (this.jobs.get(job.id) == null) await this.jobs.save(job) }
  async save (job: TrainJobRecord): Promise<void> { await this.jobs.save(job) }
  async progress (job: TrainJobRecord): Promise<void> { this.jobs.touch(job) }
  async page (limit: number, cursor?: string): Promise<TrainPage> {
    const all = this.jobs.list().filter((job) => after(job, cursor))
    const jobs = all.slice(0, limit)
    const damaged = cursor == null ? [...this.jobs.damaged].map(([id, damage]) => ({ id, ...damage })) : []
    return {
      jobs,
      next: all.length > limit ? `${jobs[jobs.length - 1].created}|${jobs[jobs.length - 1].id}` : null,
      ...(damaged.length > 0 ? { damaged } : {}),
    }
  }
}

/** `<prefix>:train:<id>` (the record, JSON) and `<prefix>:train:index`, a sorted set ordered by creation time, for pages. */
export class RedisTrainStore implements TrainStore {
  constructor (private readonly redis: Redis, private readonly prefix: string) {}
  private key (id: string): string { return `${this.prefix}:train:${id}` }
  private get index (): string { return `${this.prefix}:train:index` }

  async get (id: string): Promise<TrainJobRecord | undefined> {
    const text = await this.redis.get(this.key(id))
    return text == null ? undefined : JSON.parse(text) as TrainJobRecord
  }

  async create (job: TrainJobRecord): Promise<void> {
    if (await this.redis.set(this.key(job.id), JSON.stringify(job), 'NX') === 'OK') {
      await this.redis.zadd(this.index, 0, `${job.created}|${job.id}`)
    }
  }

  async save (job: TrainJobRecord): Promise<void> {
    await this.redis.multi().set(this.key(job.id), JSON.stringify(job)).zadd(this.index, 0, `${job.created}|${job.id}`).exec()
  }

  async progress (job: TrainJobRecord): Promise<void> { await this.save(job) }

  async page (limit: number, cursor?: string): Promise<TrainPage> {
    // Members `<created>|<id>`, all with score 0: the set is ordered by member (ISO times sort as text),
    // so a page is one ZREVRANGEBYLEX from the exclusive cursor.
    const members = await this.redis.zrevrangebylex(this.index, cursor == null ? '+' : `(${cursor}`, '-', 'LIMIT', 0, limit + 1)
    const ids = members.slice(0, limit).map((m) => m.slice(m.indexOf('|') + 1))
    const texts = ids.length === 0 ? [] : await this.redis.mget(ids.map((id) => this.key(id)))
    const jobs = texts.filter((t): t is string => t != null).map((t) => JSON.parse(t) as TrainJobRecord)
    return { jobs, next: members.length > limit ? members[limit - 1] : null }
  }
}
