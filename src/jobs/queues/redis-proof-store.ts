import type { Redis } from 'ioredis'
import type { ProofRecord } from '../proof-record.js'
import { timeOfId } from './ids.js'
import { isExpired, type ProofStore } from './proof-store.js'

// One hash per proof: status, record (JSON), completions. Each write is one Lua script, so a state
// change can never land over a result written by another worker, and the result is written once.
const CREATE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'record', ARGV[2])
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
return 1`
const SAVE = `
if redis.call('HGET', KEYS[1], 'status') == 'succeeded' then return 0 end
local fresh = redis.call('EXISTS', KEYS[1]) == 0
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'record', ARGV[2])
if fresh then redis.call('PEXPIREAT', KEYS[1], ARGV[3]) end
if ARGV[4] == '1' then redis.call('HINCRBY', KEYS[1], 'completions', 1) end
return 1`

const CANCEL = `
local status = redis.call('HGET', KEYS[1], 'status')
if status and status ~= 'queued' then return 0 end
local fresh = redis.call('EXISTS', KEYS[1]) == 0
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'record', ARGV[2])
if fresh then redis.call('PEXPIREAT', KEYS[1], ARGV[3]) end
return 1`

/**
 * Proof records in Redis, readable by every API replica: `<prefix>:proof:<id>`, expiring with the
 * retention (PEXPIREAT at creation time + PROOF_RETENTION), so Redis' memory stays bounded too.
 */
export class RedisProofStore implements ProofStore {
  constructor (private readonly redis: Redis, private readonly prefix: string, private readonly retentionMs: number) {}

  private key (id: string): string { return `${this.prefix}:proof:${id}` }

  private expiresAt (record: ProofRecord): number {
    return (timeOfId(record.id) ?? Date.parse(record.created)) + this.retentionMs
  }

  async create (record: ProofRecord): Promise<void> {
    await this.redis.eval(CREATE, 1, this.key(record.id), record.status, JSON.stringify(record), this.expiresAt(record))
  }

  async get (id: string): Promise<ProofRecord | 'expired' | undefined> {
    if (isExpired(id, this.retentionMs)) return 'expired'
    const text = await this.redis.hget(this.key(id), 'record')
    return text == null ? undefined : JSON.parse(text) as ProofRecord
  }

  async save (record: ProofRecord): Promise<void> {
    await this.redis.eval(SAVE, 1, this.key(record.id), record.status, JSON.stringify(record), this.expiresAt(record), '0')
  }

  async complete (record: ProofRecord): Promise<boolean> {
    return await this.redis.eval(SAVE, 1, this.key(record.id), record.status, JSON.stringify(record), this.expiresAt(record), '1') === 1
  }

  async cancel (record: ProofRecord): Promise<boolean> {
    return await this.redis.eval(CANCEL, 1, this.key(record.id), record.status, JSON.stringify(record), this.expiresAt(record)) === 1
  }

  async completions (id: string): Promise<number> {
    return Number(await this.redis.hget(this.key(id), 'completions') ?? 0)
  }

  async close (): Promise<void> {}
}
