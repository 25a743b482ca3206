import { randomBytes } from 'node:crypto'

/**
 * Proof ids are UUIDv7 (RFC 9562): the first 48 bits are the creation time in milliseconds. The
 * time inside the id is what makes the stored state bounded without an index: the embedded store
 * finds a record's hour directory from its id alone, and an id older than PROOF_RETENTION answers
 * `proof_expired` without a lookup, in both modes (Redis has dropped the key by then).
 */
export function newTimeId (now = Date.now()): string {
  const bytes = randomBytes(16)
  bytes.writeUIntBE(now, 0, 6)
  bytes[6] = (bytes[6] & 0x0f) | 0x70 // version 7
  bytes[8] = (bytes[8] & 0x3f) | 0x80 // RFC 9562 variant
  const hex = bytes.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

/** The creation time (ms) inside a UUIDv7 id, or null for any other string (ids of older releases are v4). */
export function timeOfId (id: string): number | null {
  if (!V7.test(id)) return null
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16)
}

/** PROOF_RETENTION: a whole number with a unit, s, m, h or d ('30d', '12h'); milliseconds. */
export function parseRetention (text: string): number {
  const m = /^([1-9][0-9]*)([smhd])$/.exec(text.trim())
  if (m == null) {
    throw new Error(`invalid configuration: PROOF_RETENTION '${text}' must be a whole number and a unit, s, m, h or d (e.g. 30d)`)
  }
  return Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd']
}
