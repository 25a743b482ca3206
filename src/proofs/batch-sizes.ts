/**
 * Which batch circuits exist, and whether the powers of tau at hand can set one up.
 *
 * Sizes: the powers of two below MAX_BATCH_PROOF, and MAX_BATCH_PROOF itself (1, 2, 4, ..., 32, 64 by
 * default). A request of n rows is padded to the smallest size >= n, so at most ~half of a proof is
 * padding and at most log2(max) + 1 circuits per model version are ever built.
 *
 * Powers of tau: a batch of N rows has N x (row + 1) + words constraints (batch-setup.ts'
 * batchConstraints, exact), so its Groth16 power is known before compiling. Batches never make a
 * development ptau: a local 2^15 took more than 50 min on this machine (BENCHMARKS.md, "Batch proofs"),
 * and batches of the default model need 2^13 to 2^18. They use PTAU_FILE, or the largest development
 * file already there (the shipped 2^12, or one made earlier in DATA_DIR/ptau), and say which file to set
 * when neither is big enough (PtauTooSmallError).
 */
import { readdir } from 'node:fs/promises'
import path from 'node:path'
import { batchLayout } from './batch-layout.js'
import { batchConstraints } from './batch-setup.js'
import { readPtauHeader } from './ptau.js'
import type { CircuitPlan } from './quantize.js'

/** The batch circuit sizes for a MAX_BATCH_PROOF of `max`, ascending. */
export function batchSizes (max: number): number[] {
  const sizes: number[] = []
  for (let s = 1; s < max; s *= 2) sizes.push(s)
  sizes.push(max)
  return sizes
}

/** The batch size a request of `rows` rows is padded to; null when it exceeds `max`. */
export function batchSizeFor (rows: number, max: number): number | null {
  if (rows < 1 || rows > max) return null
  return batchSizes(max).find((s) => s >= rows) ?? null
}

/** The Groth16 power of tau a batch of `size` rows needs, from the row circuit's constraint count. */
export function batchPower (plan: CircuitPlan, size: number, rowConstraints: number):
{ power: number, constraints: number, words: number } {
  const layout = batchLayout(plan, size)
  const constraints = batchConstraints(rowConstraints, layout)
  // r1cs.ts groth16Power: 2^k > constraints + public signals
  return { power: Math.floor(Math.log2(constraints + layout.words)) + 1, constraints, words: layout.words }
}

export class PtauTooSmallError extends Error {
  constructor (message: string, readonly needed: number, readonly available: number | null) {
    super(message)
    this.name = 'PtauTooSmallError'
  }
}

export interface BatchPtauOptions {
  /** The operator's ceremony file (PTAU_FILE), if any: the only file considered then. */
  ptauFile?: string
  /** Development files shipped with the project. */
  devCandidates?: string[]
  /** DATA_DIR/ptau: development files made earlier. */
  cacheDir: string
}

export interface BatchPtau { path: string, power: number, insecure: boolean }

/** The largest usable powers of tau: PTAU_FILE when set, else the largest prepared development file present. */
export async function largestPtau (o: BatchPtauOptions): Promise<BatchPtau | null> {
  if (o.ptauFile != null && o.ptauFile !== '') {
    const h = await readPtauHeader(o.ptauFile)
    if (!h.prepared) return null
    return { path: o.ptauFile, power: h.power, insecure: path.basename(o.ptauFile).startsWith('INSECURE-') }
  }
  const candidates = [...(o.devCandidates ?? [])]
  for (const f of await readdir(o.cacheDir).catch(() => [] as string[])) {
    if (/^INSECURE-dev-pot\d+\.ptau$/.test(f)) candidates.push(path.join(o.cacheDir, f))
  }
  let best: BatchPtau | null = null
  for (const f of candidates) {
    try {
      const h = await readPtauHeader(f)
      if (h.prepared && (best == null || h.power > best.power)) best = { path: f, power: h.power, insecure: true }
    } catch { /* missing or half-written: skip */ }
  }
  return best
}

/**
 * The powers of tau for a batch that needs 2^`power`, or a PtauTooSmallError naming PTAU_FILE and the
 * largest batch that fits (`fits(power)` gives it for the message).
 */
export async function batchPtau (o: BatchPtauOptions, power: number, what: string, largestFitting?: (power: number) => number):
Promise<BatchPtau> {
  const ptau = await largestPtau(o)
  if (ptau != null && ptau.power >= power) return ptau
  const have = ptau == null
    ? 'no prepared powers of tau is available'
    : `the powers of tau in use (${path.basename(ptau.path)}${o.ptauFile ? ', PTAU_FILE' : ''}) holds 2^${ptau.power}`
  const fit = ptau != null && largestFitting != null ? largestFitting(ptau.power) : 0
  const instead = fit > 0 ? `, or send at most ${fit} row${fit === 1 ? '' : 's'} per batch` : ''
  throw new PtauTooSmallError(`${what} needs a powers of tau of 2^${power}; ${have}: set PTAU_FILE to a prepared ceremony file of ` +
    `2^${power} or more (e.g. powersOfTau28_hez_final_${power}.ptau)${instead}`, power, ptau?.power ?? null)
}
