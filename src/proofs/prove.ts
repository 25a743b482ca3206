/**
 * In-process proving with everything cacheable cached per circuit directory:
 * - the witness calculator (compiled + instantiated circom wasm), reused for every proof;
 * - Groth16: the proving key parsed once (header, curve points, and the QAP coefficients decoded to
 *   bigints), so a proof is: witness -> sparse A/B/C evaluation (skipping zero witness values, most
 *   of them are range-check bits) -> 6 FFTs -> 5 multi-exponentiations, the same algorithm and the
 *   same output format as snarkjs groth16 prove (which re-reads and re-decodes the zkey every call);
 * - PLONK: the zkey bytes kept in memory and passed to snarkjs plonk prove (no disk reads);
 * - the BN254 curve (ffjavascript wasm): one per thread, multi-threaded by default (its own worker
 *   pool) or single-threaded (`singleThread`, what the prover pool's workers use by default).
 *
 * The input is first evaluated in bigint (evaluate.ts) so an input outside the supported range fails
 * with InputRangeError before the witness calculator is touched, and the proven output is checked
 * against that evaluation.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import * as binFileUtils from '@iden3/binfileutils'
import { WitnessCalculatorBuilder, type WitnessCalculator } from 'circom_runtime'
import { buildBn128 } from 'ffjavascript'
import * as snarkjs from 'snarkjs'
import { evaluatePlan, InputRangeError, quantizeInputs, type Evaluation } from './evaluate.js'
import { planFromJSON, type CircuitPlan } from './quantize.js'
import { ARTIFACT_FILES, type CircuitMeta, type ProofSystem } from './setup.js'
import { BN254_P, circuitInput, decodePublicSignals } from './signals.js'

export { InputRangeError }

export interface ProofOutput {
  /** Decoded public logit (logit_q / 2^logitScaleBits). */
  logit: number
  /** sigmoid(logit), computed outside the circuit. */
  probability: number
  label: 0 | 1
}

export interface ProveResult {
  proof: snarkjs.Proof
  publicSignals: string[]
  output: ProofOutput
  /** Wall time of the whole call (witness + proof), ms. */
  prove_ms: number
  witness_ms: number
}

export interface ProverOptions {
  /** Use a single-threaded curve (no ffjavascript worker threads). Default false. */
  singleThread?: boolean
}

type Curve = any // ffjavascript's wasm curve (untyped)

export interface Groth16Key {
  nVars: number
  nPublic: number
  domainSize: number
  power: number
  alpha1: Uint8Array
  beta1: Uint8Array
  beta2: Uint8Array
  delta1: Uint8Array
  delta2: Uint8Array
  /** QAP coefficients: matrix (0 = A, 1 = B), constraint row, witness index, value (plain, mod r). */
  coefM: Uint8Array
  coefC: Uint32Array
  coefS: Uint32Array
  coefV: bigint[]
  pointsA: Uint8Array
  pointsB1: Uint8Array
  pointsB2: Uint8Array
  pointsC: Uint8Array
  pointsH: Uint8Array
}

export interface Prover {
  dir: string
  meta: CircuitMeta
  plan: CircuitPlan
  system: ProofSystem
  singleThread: boolean
  wc: WitnessCalculator
  curve: Curve
  groth16?: Groth16Key
  zkeyBytes?: Uint8Array
}

const R = BN254_P
/** Montgomery R = 2^256 mod r; zkey coefficients are stored as value * R^2. */
const MONT_R = (1n << 256n) % R

function modPow (b: bigint, e: bigint, m: bigint): bigint {
  let r = 1n
  b %= m
  while (e > 0n) {
    if (e & 1n) r = (r * b) % m
    b = (b * b) % m
    e >>= 1n
  }
  return r
}
const INV_R2 = modPow((MONT_R * MONT_R) % R, R - 2n, R)

function leToBig (b: Uint8Array, off: number, n: number): bigint {
  let v = 0n
  for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[off + i])
  return v
}

const MASK64 = (1n << 64n) - 1n
function writeBig32 (dv: DataView, off: number, v: bigint): void {
  if (v <= MASK64) {
    dv.setBigUint64(off, v, true)
    dv.setBigUint64(off + 8, 0n, true)
    dv.setBigUint64(off + 16, 0n, true)
    dv.setBigUint64(off + 24, 0n, true)
    return
  }
  dv.setBigUint64(off, v & MASK64, true)
  dv.setBigUint64(off + 8, (v >> 64n) & MASK64, true)
  dv.setBigUint64(off + 16, (v >> 128n) & MASK64, true)
  dv.setBigUint64(off + 24, v >> 192n, true)
}

let multiCurve: Promise<Curve> | null = null
let singleCurve: Promise<Curve> | null = null

/** The thread's curve: built once (ffjavascript caches the multi-threaded one globally too). */
export function getCurve (singleThread = false): Promise<Curve> {
  if (singleThread) return (singleCurve ??= buildBn128(true))
  return (multiCurve ??= buildBn128(false))
}

/**
 * Terminates the multi-threaded curve's worker threads (they keep a process alive) and forgets the
 * provers. Call before exiting a CLI or at the end of a test file.
 */
export async function releaseProvers (): Promise<void> {
  provers.clear()
  const g = globalThis as unknown as { curve_bn128?: { terminate(): Promise<void> } | null }
  if (g.curve_bn128) await g.curve_bn128.terminate()
  multiCurve = null
  singleCurve = null
}

export async function loadGroth16Key (bytes: Uint8Array, curve: Curve): Promise<Groth16Key> {
  const { fd, sections } = await binFileUtils.readBinFile({ type: 'mem', data: bytes }, 'zkey', 2)
  fd.pos = sections[1][0].p
  if (await fd.readULE32() !== 1) throw new Error('zkey is not a groth16 key')
  fd.pos = sections[2][0].p
  const n8q = await fd.readULE32()
  const q = await binFileUtils.readBigInt(fd, n8q)
  const n8r = await fd.readULE32()
  const r = await binFileUtils.readBigInt(fd, n8r)
  if (BigInt(r) !== R || n8q !== 32 || BigInt(q) === 0n) throw new Error('zkey is not for BN254')
  const nVars = await fd.readULE32()
  const nPublic = await fd.readULE32()
  const domainSize = await fd.readULE32()
  const g1 = async () => curve.G1.fromRprLEM(await fd.read(n8q * 2), 0)
  const g2 = async () => curve.G2.fromRprLEM(await fd.read(n8q * 4), 0)
  const alpha1 = await g1()
  const beta1 = await g1()
  const beta2 = await g2()
  await g2() // gamma2: only the verifier needs it
  const delta1 = await g1()
  const delta2 = await g2()
  const sec = async (id: number): Promise<Uint8Array> => {
    const b = await binFileUtils.readSection(fd, sections, id)
    // Small circuits fit a plain Uint8Array; BigBuffer pages only past 1 GiB
    return b instanceof Uint8Array ? b : b.slice(0, b.byteLength)
  }
  const coefs = await sec(4)
  const dv = new DataView(coefs.buffer, coefs.byteOffset, coefs.byteLength)
  const n = dv.getUint32(0, true)
  const size = 12 + n8r
  const coefM = new Uint8Array(n)
  const coefC = new Uint32Array(n)
  const coefS = new Uint32Array(n)
  const coefV: bigint[] = new Array(n)
  for (let i = 0; i < n; i++) {
    const o = 4 + i * size
    coefM[i] = dv.getUint32(o, true)
    coefC[i] = dv.getUint32(o + 4, true)
    coefS[i] = dv.getUint32(o + 8, true)
    coefV[i] = (leToBig(coefs, o + 12, n8r) * INV_R2) % R
  }
  const key: Groth16Key = {
    nVars,
    nPublic,
    domainSize,
    power: Math.log2(domainSize),
    alpha1,
    beta1,
    beta2,
    delta1,
    delta2,
    coefM,
    coefC,
    coefS,
    coefV,
    pointsA: await sec(5),
    pointsB1: await sec(6),
    pointsB2: await sec(7),
    pointsC: await sec(8),
    pointsH: await sec(9)
  }
  await fd.close()
  return key
}

const provers = new Map<string, Promise<Prover>>()
/** Circuits kept loaded per thread (each holds its proving key and a witness wasm instance). */
const MAX_CACHED = Math.max(1, Number(process.env.ZKP_PROVER_CACHE) || 16)

/** Loads (once per directory and threading mode) everything proving needs. */
export function loadProver (dir: string, opts: ProverOptions = {}): Promise<Prover> {
  const d = path.resolve(dir)
  const singleThread = Boolean(opts.singleThread)
  const key = `${d}|${singleThread ? 1 : 0}`
  let p = provers.get(key)
  if (p) {
    // LRU order: most recently used last
    provers.delete(key)
    provers.set(key, p)
  } else {
    p = (async () => {
      const meta = JSON.parse(await readFile(path.join(d, ARTIFACT_FILES.meta), 'utf8')) as CircuitMeta
      const plan = planFromJSON(meta.plan)
      const wc = await WitnessCalculatorBuilder(await readFile(path.join(d, ARTIFACT_FILES.wasm)))
      const zkeyBytes = new Uint8Array(await readFile(path.join(d, ARTIFACT_FILES.zkey)))
      const curve = await getCurve(singleThread)
      const prover: Prover = { dir: d, meta, plan, system: meta.proofSystem, singleThread, wc, curve }
      if (meta.proofSystem === 'groth16') prover.groth16 = await loadGroth16Key(zkeyBytes, curve)
      else prover.zkeyBytes = zkeyBytes
      return prover
    })()
    provers.set(key, p)
    p.catch(() => provers.delete(key))
    while (provers.size > MAX_CACHED) provers.delete(provers.keys().next().value as string)
  }
  return p
}

/** Forgets a cached prover (after its directory was rebuilt or deleted). */
export function evictProver (dir: string): void {
  const d = path.resolve(dir)
  for (const k of [...provers.keys()]) if (k.startsWith(`${d}|`)) provers.delete(k)
}

async function joinABC (curve: Curve, a: Uint8Array, b: Uint8Array, c: Uint8Array): Promise<Uint8Array> {
  // (a * b - c) on the coset, out of Montgomery form, as snarkjs groth16_prove.js joinABC does
  const n8 = curve.Fr.n8
  const n = a.byteLength / n8
  const task = [
    { cmd: 'ALLOCSET', var: 0, buff: a },
    { cmd: 'ALLOCSET', var: 1, buff: b },
    { cmd: 'ALLOCSET', var: 2, buff: c },
    { cmd: 'ALLOC', var: 3, len: n * n8 },
    { cmd: 'CALL', fnName: 'qap_joinABC', params: [{ var: 0 }, { var: 1 }, { var: 2 }, { val: n }, { var: 3 }] },
    { cmd: 'CALL', fnName: 'frm_batchFromMontgomery', params: [{ var: 3 }, { val: n }, { var: 3 }] },
    { cmd: 'GET', out: 0, var: 3, len: n * n8 }
  ]
  const res = await curve.tm.queueAction(task)
  return res[0]
}

/** A Groth16 proof from a full witness (also used by the private circuits, src/proofs/private). */
export async function groth16Prove (k: Groth16Key, curve: Curve, w: bigint[]): Promise<{ proof: snarkjs.Proof, publicSignals: string[] }> {
  const Fr = curve.Fr
  const G1 = curve.G1
  const G2 = curve.G2
  const n8 = 32
  if (w.length !== k.nVars) throw new Error(`witness has ${w.length} values, the key expects ${k.nVars}`)

  const wBuf = new Uint8Array(k.nVars * n8)
  const wDv = new DataView(wBuf.buffer)
  for (let i = 0; i < k.nVars; i++) writeBig32(wDv, i * n8, w[i])

  // Sparse QAP evaluation: A and B rows from the coefficients, C = A * B pointwise
  const A: bigint[] = new Array(k.domainSize).fill(0n)
  const B: bigint[] = new Array(k.domainSize).fill(0n)
  for (let i = 0; i < k.coefV.length; i++) {
    const wv = w[k.coefS[i]]
    if (wv === 0n) continue
    const t = wv === 1n ? k.coefV[i] : k.coefV[i] * wv
    if (k.coefM[i] === 0) A[k.coefC[i]] += t
    else B[k.coefC[i]] += t
  }
  const aBuf = new Uint8Array(k.domainSize * n8)
  const bBuf = new Uint8Array(k.domainSize * n8)
  const cBuf = new Uint8Array(k.domainSize * n8)
  const aDv = new DataView(aBuf.buffer)
  const bDv = new DataView(bBuf.buffer)
  const cDv = new DataView(cBuf.buffer)
  for (let i = 0; i < k.domainSize; i++) {
    const a = A[i] % R
    const b = B[i] % R
    writeBig32(aDv, i * n8, a)
    writeBig32(bDv, i * n8, b)
    writeBig32(cDv, i * n8, (a * b) % R)
  }
  const [aM, bM, cM] = await Promise.all([Fr.batchToMontgomery(aBuf), Fr.batchToMontgomery(bBuf), Fr.batchToMontgomery(cBuf)])

  const inc = k.power === Fr.s ? Fr.shift : Fr.w[k.power + 1]
  const odd = async (x: Uint8Array) => Fr.fft(await Fr.batchApplyKey(await Fr.ifft(x), Fr.e(1), inc))
  const [aOdd, bOdd, cOdd] = await Promise.all([odd(aM), odd(bM), odd(cM)])
  const hBuf = await joinABC(curve, aOdd, bOdd, cOdd)

  const [piA, piB1, piB, piC, resH] = await Promise.all([
    G1.multiExpAffine(k.pointsA, wBuf),
    G1.multiExpAffine(k.pointsB1, wBuf),
    G2.multiExpAffine(k.pointsB2, wBuf),
    G1.multiExpAffine(k.pointsC, wBuf.slice((k.nPublic + 1) * n8)),
    G1.multiExpAffine(k.pointsH, hBuf)
  ])

  const r = Fr.random()
  const s = Fr.random()
  let pi_a = G1.add(piA, k.alpha1)
  pi_a = G1.add(pi_a, G1.timesFr(k.delta1, r))
  let pi_b = G2.add(piB, k.beta2)
  pi_b = G2.add(pi_b, G2.timesFr(k.delta2, s))
  let pib1 = G1.add(piB1, k.beta1)
  pib1 = G1.add(pib1, G1.timesFr(k.delta1, s))
  let pi_c = G1.add(piC, resH)
  pi_c = G1.add(pi_c, G1.timesFr(pi_a, s))
  pi_c = G1.add(pi_c, G1.timesFr(pib1, r))
  pi_c = G1.add(pi_c, G1.timesFr(k.delta1, Fr.neg(Fr.mul(r, s))))

  const str = (o: unknown): unknown => Array.isArray(o) ? o.map(str) : typeof o === 'bigint' ? o.toString() : o
  const proof = {
    pi_a: str(G1.toObject(G1.toAffine(pi_a))),
    pi_b: str(G2.toObject(G2.toAffine(pi_b))),
    pi_c: str(G1.toObject(G1.toAffine(pi_c))),
    protocol: 'groth16',
    curve: 'bn128'
  } as snarkjs.Proof
  const publicSignals = w.slice(1, k.nPublic + 1).map((v) => v.toString())
  return { proof, publicSignals }
}

/** Witness calculation; an unexpected assertion failure becomes a clear error. */
async function witness (prover: Prover, xq: bigint[]): Promise<bigint[]> {
  try {
    return await prover.wc.calculateWitness(circuitInput(xq), true)
  } catch (err) {
    throw new Error(`witness generation failed: ${(err as Error).message.split('\n')[0]}`)
  }
}

/** Proves already-quantized inputs without the range pre-check (tests use it to hit the circuit's own checks). */
export async function proveQuantized (prover: Prover, xq: bigint[], expected?: Evaluation): Promise<ProveResult> {
  const t0 = performance.now()
  const w = await witness(prover, xq)
  const t1 = performance.now()
  let res: { proof: snarkjs.Proof, publicSignals: string[] }
  if (prover.system === 'groth16') {
    res = await groth16Prove(prover.groth16 as Groth16Key, prover.curve, w)
  } else {
    const wtns = await prover.wc.calculateWTNSBin(circuitInput(xq), true)
    res = await snarkjs.plonk.prove({ type: 'mem', data: prover.zkeyBytes }, { type: 'mem', data: wtns }, undefined, { singleThread: prover.singleThread })
  }
  const prove_ms = performance.now() - t0
  const d = decodePublicSignals(res.publicSignals, prover.meta)
  if (expected && (BigInt(res.publicSignals[0]) !== ((expected.logitQ % R) + R) % R || d.label !== expected.label)) {
    throw new Error('proven output differs from the exact evaluation: the circuit and the plan disagree')
  }
  return {
    proof: res.proof,
    publicSignals: res.publicSignals,
    output: { logit: d.logit, probability: d.probability, label: d.label },
    prove_ms,
    witness_ms: t1 - t0
  }
}

/**
 * Proves that the circuit's model maps `rawInputs` (raw feature values, as sent by the client, in the
 * model's input order) to the returned logit and label. Throws InputRangeError for inputs the
 * circuit cannot represent (see quantize.ts), Error for a failed witness or a broken artifact dir.
 */
export async function prove (artifacts: string | { dir: string }, rawInputs: readonly number[], opts: ProverOptions = {}): Promise<ProveResult> {
  const prover = await loadProver(typeof artifacts === 'string' ? artifacts : artifacts.dir, opts)
  const xq = quantizeInputs(prover.plan, rawInputs)
  const expected = evaluatePlan(prover.plan, xq)
  return proveQuantized(prover, xq, expected)
}
