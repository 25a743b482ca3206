/**
 * The public commitment to a private model: a Poseidon (circomlib's, BN254, t = 17) hash chain over
 * a domain tag, a random salt and the packed parameters, computed here exactly as the circuit does.
 *
 *   s_1 = Poseidon16(tag, salt, e_0 .. e_13)
 *   s_k = Poseidon16(s_(k-1), e_(15k-16) .. e_(15k-2))      (the last block padded with zeros)
 *   commitment = s_last
 *
 * e_j are the packed field elements (format.ts packParams): each slot holds v + 2^(width-1) in
 * [0, 2^width), slots do not overlap and an element holds at most 248 bits < log2(p), so packing is
 * injective on range-checked parameters; the number of elements is fixed by the architecture, so
 * the zero padding is unambiguous. The tag (sha256 of the format and architecture id) keeps two
 * architectures' commitments apart. The salt (31 random bytes) makes the commitment hiding: without
 * it a small model could be found by hashing candidate weights.
 */
import { randomBytes } from 'node:crypto'
// The one-arity module, not the package index: the index parses the round constants of all 16 arities
// (0.25 s CPU at every start of a process that imports the app; this module alone 0.04 s)
import { poseidon16 } from 'poseidon-lite/poseidon16'
import { packParams, type ArchitecturePlan, type PrivateParams } from './format.js'

/** Inputs per Poseidon call (circomlib supports up to 16). */
export const HASH_ARITY = 16

/** The blocks of the chain: the first starts with (tag, salt), the others with the previous state. */
export function commitmentBlocks (nElements: number): { start: number, count: number }[] {
  const blocks: { start: number, count: number }[] = []
  let start = 0
  let first = true
  while (first || start < nElements) {
    const count = Math.min(HASH_ARITY - (first ? 2 : 1), Math.max(0, nElements - start))
    blocks.push({ start, count })
    start += count
    first = false
  }
  return blocks
}

export function commitPacked (plan: ArchitecturePlan, packed: readonly bigint[], salt: bigint): bigint {
  let state = 0n
  commitmentBlocks(packed.length).forEach((b, k) => {
    const head = k === 0 ? [plan.tag, salt] : [state]
    const body = packed.slice(b.start, b.start + b.count)
    const pad = new Array(HASH_ARITY - head.length - body.length).fill(0n)
    state = poseidon16([...head, ...body, ...pad])
  })
  return state
}

export function commitParams (plan: ArchitecturePlan, params: PrivateParams, salt: bigint): bigint {
  return commitPacked(plan, packParams(plan, params), salt)
}

/** 31 random bytes: a field element, 248 bits of entropy. */
export function newSalt (): bigint {
  return BigInt('0x' + randomBytes(31).toString('hex'))
}
