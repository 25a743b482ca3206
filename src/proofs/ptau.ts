/**
 * Powers of tau (the universal phase-1 parameters every Groth16 and PLONK setup starts from).
 *
 * ## Production: an operator-supplied ceremony file
 * Set `PTAU_FILE` to a prepared ("final") file of a public multi-party ceremony, e.g. the Hermez /
 * Polygon ceremony `powersOfTau28_hez_final_<k>.ptau` (54 contributions plus a random beacon): its
 * security only needs one honest contributor. Get it from the snarkjs README's table, check it with
 * the blake2b-512 hash published beside it (`b2sum powersOfTau28_hez_final_14.ptau`) and/or recompute
 * every contribution with `npx snarkjs powersoftau verify powersOfTau28_hez_final_14.ptau` (slow,
 * thorough). The file must be *prepared for phase 2* (the `_final_` files are) and large enough:
 * 2^k > constraints + public signals for Groth16, 2^k >= PLONK gates for PLONK (this module checks;
 * k = 14 covers the service's models under both systems).
 *
 * ## Development: a locally made file, INSECURE
 * Without PTAU_FILE, a file is made once into a cache directory with snarkjs powersoftau new,
 * one contribute from crypto.randomBytes entropy, and preparePhase2. It is a single-party ceremony:
 * whoever ran it could have kept tau (the "toxic waste") and could then forge proofs for any circuit
 * set up from it. Fine for development and tests, never for production. Making 2^12 takes ~85 s on
 * 2 cores, 2^13 ~3 min, 2^14 ~6 min; the smallest power that fits is made, and a larger cached file
 * is reused when one exists.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises'
import path from 'node:path'
import * as snarkjs from 'snarkjs'
import { stagingPath } from '../fs-atomic.js'
import { snarkLogger, type ProofLogger } from './logger.js'

export interface PtauHeader {
  power: number
  ceremonyPower: number
  /** Has the phase-2 (Lagrange basis) sections that setups need. */
  prepared: boolean
}

export interface PtauInfo extends PtauHeader {
  path: string
  /** True for a locally made development file. */
  insecure: boolean
  source: 'PTAU_FILE' | 'explicit' | 'dev-cache'
}

/** Reads the header of a .ptau file without loading the rest. */
export async function readPtauHeader (file: string): Promise<PtauHeader> {
  const fh = await open(file, 'r')
  try {
    const head = Buffer.alloc(12)
    await fh.read(head, 0, 12, 0)
    if (head.toString('latin1', 0, 4) !== 'ptau') throw new Error(`${file} is not a .ptau file`)
    const nSections = head.readUInt32LE(8)
    let pos = 12
    const seen = new Set<number>()
    let header: { power: number, ceremonyPower: number } | null = null
    const sec = Buffer.alloc(12)
    for (let i = 0; i < nSections; i++) {
      await fh.read(sec, 0, 12, pos)
      const type = sec.readUInt32LE(0)
      const size = Number(sec.readBigUInt64LE(4))
      seen.add(type)
      if (type === 1) {
        const h = Buffer.alloc(size)
        await fh.read(h, 0, size, pos + 12)
        const n8 = h.readUInt32LE(0)
        header = { power: h.readUInt32LE(4 + n8), ceremonyPower: h.readUInt32LE(8 + n8) }
      }
      pos += 12 + size
    }
    if (!header) throw new Error(`${file} has no ptau header`)
    return { ...header, prepared: seen.has(12) }
  } finally {
    await fh.close()
  }
}

function checkFits (info: PtauHeader, power: number, file: string): void {
  if (!info.prepared) {
    throw new Error(`${file} is not prepared for phase 2: run \`snarkjs powersoftau prepare phase2\` on it or use a *_final_* file`)
  }
  if (info.power < power) {
    throw new Error(`${file} holds 2^${info.power} powers; this circuit needs 2^${power} (e.g. powersOfTau28_hez_final_${power}.ptau)`)
  }
}

export function devPtauName (power: number): string {
  return `INSECURE-dev-pot${power}.ptau`
}

const making = new Map<string, Promise<string>>()

/**
 * Makes (once) the INSECURE development ptau of 2^power in cacheDir and returns its path. Concurrent
 * calls share one run; the file appears atomically (temp file, then rename).
 */
export function makeDevPtau (power: number, cacheDir: string, logger?: ProofLogger, verbose = false): Promise<string> {
  const file = path.join(path.resolve(cacheDir), devPtauName(power))
  let p = making.get(file)
  if (!p) {
    p = (async () => {
      await mkdir(path.dirname(file), { recursive: true })
      const t0 = stagingPath(file)
      const t1 = stagingPath(file)
      const t2 = stagingPath(file)
      const log = snarkLogger(logger, verbose)
      const started = performance.now()
      logger?.warn(`making an INSECURE development powers of tau (2^${power}) in ${path.dirname(file)}: a single local contribution, whoever ran it could forge proofs; set PTAU_FILE to a public ceremony file for production`)
      try {
        const curve = await snarkjs.curves.getCurveFromName('bn128')
        logger?.info(`ptau 2^${power}: new accumulator`)
        await snarkjs.powersOfTau.newAccumulator(curve, power, t0, log)
        logger?.info(`ptau 2^${power}: contribution (${((performance.now() - started) / 1000).toFixed(1)} s)`)
        await snarkjs.powersOfTau.contribute(t0, t1, 'zkpredict INSECURE dev', randomBytes(64).toString('hex'), log)
        logger?.info(`ptau 2^${power}: prepare phase 2 (${((performance.now() - started) / 1000).toFixed(1)} s)`)
        await snarkjs.powersOfTau.preparePhase2(t1, t2, log)
        await rename(t2, file)
        logger?.info(`ptau 2^${power}: done in ${((performance.now() - started) / 1000).toFixed(1)} s -> ${file}`)
        return file
      } finally {
        await Promise.all([t0, t1, t2].map((f) => rm(f, { force: true })))
        making.delete(file)
      }
    })()
    making.set(file, p)
  }
  return p
}

export interface ResolvePtauOptions {
  /** Needed power (from r1cs.ts groth16Power / plonkPower). */
  power: number
  /** An explicit file (wins over PTAU_FILE). */
  ptauPath?: string
  /** Operator ceremony file (config PTAU_FILE). */
  ptauFile?: string
  /** Where development files are cached (and made when missing). */
  cacheDir: string
  /** Extra ready-made development files to consider (e.g. a committed test fixture). */
  devCandidates?: string[]
  /** Refuse to make or use a development file (production deployments). Default false. */
  requireCeremony?: boolean
  logger?: ProofLogger
  /** Pass snarkjs's progress lines to the logger. Default false. */
  verbose?: boolean
}

/** Finds or makes a powers-of-tau file big enough for `power`, preferring an operator ceremony file. */
export async function resolvePtau (o: ResolvePtauOptions): Promise<PtauInfo> {
  const explicit = o.ptauPath ?? o.ptauFile
  if (explicit) {
    const info = await readPtauHeader(explicit)
    checkFits(info, o.power, explicit)
    const insecure = path.basename(explicit).startsWith('INSECURE-')
    return { ...info, path: explicit, insecure, source: o.ptauPath ? 'explicit' : 'PTAU_FILE' }
  }
  if (o.requireCeremony) throw new Error('no powers of tau: set PTAU_FILE to a prepared ceremony file')
  // Smallest cached development file that fits
  const candidates: string[] = [...(o.devCandidates ?? [])]
  try {
    for (const f of await readdir(o.cacheDir)) if (/^INSECURE-dev-pot\d+\.ptau$/.test(f)) candidates.push(path.join(o.cacheDir, f))
  } catch { /* no cache yet */ }
  let best: PtauInfo | null = null
  for (const f of candidates) {
    try {
      const info = await readPtauHeader(f)
      if (!info.prepared || info.power < o.power) continue
      if (!best || info.power < best.power) best = { ...info, path: f, insecure: true, source: 'dev-cache' }
    } catch { /* unreadable or half-written: skip */ }
  }
  if (best) {
    o.logger?.warn(`using the INSECURE development powers of tau ${best.path} (set PTAU_FILE for production)`)
    return best
  }
  const file = await makeDevPtau(o.power, o.cacheDir, o.logger, o.verbose)
  return { ...(await readPtauHeader(file)), path: file, insecure: true, source: 'dev-cache' }
}
