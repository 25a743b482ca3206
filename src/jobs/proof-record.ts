import type { Static } from 'typebox'
import type { Proof } from '../schemas/index.js'
import type { StoredJob } from './job-store.js'

// The record type on its own, below both the proof jobs and their stores (which import it): no circle between them.
/** A proof job as stored: the API's Proof plus the row it proves and when it ran. */
export type ProofRecord = StoredJob & Omit<Static<typeof Proof>, 'served' | 'proof'> & {
  /** The row as the client sent it: these become the proof's public inputs (empty for a batch: its rows are in `batch`). */
  inputs: number[]
  /** What /predict answered (absent for a batch: each of its rows has its own). */
  served?: { probability: number, label: number }
  proof?: Record<string, unknown>
  started?: string
  finished?: string
  /** The trace context of the request that asked for the proof (W3C traceparent), when traces are on. */
  trace?: Record<string, string>
  /** Failed attempts so far that will be retried (BullMQ mode: a transient fault, e.g. a dead prover thread). */
  attempts?: number
}
