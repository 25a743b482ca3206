import type { ProofRecord } from '../proof-record.js'
import { timeOfId } from './ids.js'

/**
 * Where proof records live: one file each under DATA_DIR (embedded), or one Redis hash each
 * (REDIS_URL). Neither keeps a map of all records in memory: a read goes to disk or Redis, so
 * start-up time and RSS do not grow with the number of stored proofs (BENCHMARKS.md, "Bounded state").
 */
export interface ProofStore {
  /** Stores a new record; a record already there (a worker wrote it from the job's data first) is kept. */
  create: (record: ProofRecord) => Promise<void>
  /** The record, 'expired' when its id is older than the retention, undefined when there is none. */
  get: (id: string) => Promise<ProofRecord | 'expired' | undefined>
  /** A state change (proving, failed); never overwrites a succeeded record. */
  save: (record: ProofRecord) => Promise<void>
  /** Writes the result once: false (and nothing written) when the record had already succeeded. */
  complete: (record: ProofRecord) => Promise<boolean>
  /**
   * Fails a queued proof (its version was deleted): writes `record` (status failed) only when the stored one is still
   * queued or not written yet; false when it is proving or finished (a proof being made is left to finish).
   */
  cancel: (record: ProofRecord) => Promise<boolean>
  /** The ids of proofs not finished, when the store knows them without a scan (embedded: the pending names). */
  unfinished?: () => Promise<string[]>
  /** How many times a result was written for `id` (1 for every succeeded proof; the e2e test reads it). */
  completions: (id: string) => Promise<number>
  close: () => Promise<void>
}

/** Whether an id's creation time (UUIDv7) is past the retention: such a record is gone or about to be. */
export function isExpired (id: string, retentionMs: number, now = Date.now()): boolean {
  const created = timeOfId(id)
  return created != null && created + retentionMs <= now
}
