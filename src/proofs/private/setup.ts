/**
 * One circuit and one Groth16 setup per ARCHITECTURE (not per model): compile, `zkey new`, one
 * operator contribution (replaceable by a multi-party ceremony, ceremony.ts), verification key and
 * Solidity verifier, written to a temp dir and renamed into place. Every private model of that
 * architecture is then provable with no build and no setup: its parameters are private inputs.
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import * as snarkjs from 'snarkjs'
import { lookupBuild, publishKeyedBuild } from '../build-cache.js'
import { compileCircuit } from '../compile.js'
import type { ProofLogger } from '../logger.js'
import { resolvePtau } from '../ptau.js'
import { groth16Power, readR1csHeader } from '../r1cs.js'
import { exportSolidityVerifier } from '../setup.js'
import { privateCircomSource } from './circuit.js'
import { planArchitecture, PRIVATE_FORMAT, type ArchitecturePlan } from './format.js'
import { readContributions, type Contribution } from './zkey-contributions.js'
import { replaceDir, stagingPath } from '../../fs-atomic.js'

export const PRIVATE_FILES = {
  source: 'circuit.circom',
  r1cs: 'circuit.r1cs',
  wasm: 'circuit.wasm',
  zkey: 'circuit.zkey',
  vk: 'verification_key.json',
  verifier: 'verifier.sol',
  meta: 'architecture.json'
} as const

export interface ArchitectureMeta {
  format: 'zkpredict-private-circuit-v1'
  numberFormat: typeof PRIVATE_FORMAT
  /** The architecture's circuit id, e.g. mlp-10-32-16-1-relu-pfx1 */
  circuit_id: string
  sizes: number[]
  publicSignals: string[]
  constraints: number
  power: number
  r1cs_sha256: string
  wasm_sha256: string
  zkey_sha256: string
  vk_sha256: string
  ptau: { power: number, insecure: boolean, file: string }
  /** Phase-2 contributions in the zkey (operator's, or a ceremony's with its beacon) */
  ceremony: { source: 'operator' | 'ceremony', contributions: Contribution[], verified_at?: string }
  timings: { compileMs: number, setupMs: number, totalMs: number }
}

export interface PrivateArtifacts {
  dir: string
  plan: ArchitecturePlan
  meta: ArchitectureMeta
  vk: snarkjs.VerificationKey
  wasmPath: string
  zkeyPath: string
  r1csPath: string
  vkPath: string
  verifierPath: string
}

export interface BuildArchitectureOptions {
  sizes: number[]
  /** The architecture's directory (e.g. DATA_DIR/circuits/private/<circuit_id>) */
  outDir: string
  ptauPath?: string
  ptauCacheDir: string
  devPtauCandidates?: string[]
  logger?: ProofLogger
  /** A cache of finished builds (../build-cache.ts): used when the powers of tau are named (ptauPath or devPtauCandidates). */
  buildCache?: string
}

export const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex')

export function publicSignalNames (sizes: readonly number[]): string[] {
  return ['commitment', 'logit', 'label', ...Array.from({ length: sizes[0] }, (_, i) => `x[${i}]`)]
}

function quietLogger (errors: string[]): snarkjs.Logger {
  const noop = (): void => {}
  return { debug: noop, info: noop, warn: noop, error: (m: unknown) => { errors.push(String(m)) } }
}

export async function buildArchitecture (o: BuildArchitectureOptions): Promise<PrivateArtifacts> {
  const tStart = performance.now()
  const plan = planArchitecture(o.sizes)
  const outDir = path.resolve(o.outDir)
  const source = privateCircomSource(plan)
  const { key: cacheKey, cached } = await lookupBuild(o, { kind: 'private-architecture', source: sha256(source) }, outDir,
    PRIVATE_FILES.meta, loadArchitecture)
  if (cached != null) return cached
  await mkdir(path.dirname(outDir), { recursive: true })
  const tmp = stagingPath(outDir)
  await mkdir(tmp, { recursive: true })
  try {
    // O1 as for the public circuits (src/proofs/setup.ts: O2 makes the R1CS dense and setup slow)
    const compiled = await compileCircuit(source, tmp, 'circuit', { optimize: 'O1' })
    o.logger?.info(`private circuit ${plan.id}: ${compiled.constraints} constraints in ${(compiled.compileMs / 1000).toFixed(1)} s`)
    await rename(compiled.wasmPath, path.join(tmp, PRIVATE_FILES.wasm))
    await rm(path.join(tmp, 'circuit_js'), { recursive: true, force: true })
    const r1csBytes = await readFile(compiled.r1csPath)
    const header = readR1csHeader(r1csBytes)
    const power = groth16Power(header)
    const ptau = await resolvePtau({
      power, ptauPath: o.ptauPath, cacheDir: o.ptauCacheDir, devCandidates: o.devPtauCandidates, logger: o.logger
    })
    const t1 = performance.now()
    const zkey0 = path.join(tmp, 'circuit_0000.zkey')
    const zkeyPath = path.join(tmp, PRIVATE_FILES.zkey)
    const errors: string[] = []
    const r = await snarkjs.zKey.newZKey(compiled.r1csPath, ptau.path, zkey0, quietLogger(errors))
    if (r === -1 || errors.length) throw new Error(`groth16 setup failed: ${errors.join('; ') || 'unknown error'}`)
    // The operator's contribution; a ceremony (ceremony.ts) replaces this key with a multi-party one
    await snarkjs.zKey.contribute(zkey0, zkeyPath, 'zkpredict operator', randomBytes(64).toString('hex'), quietLogger(errors))
    await rm(zkey0, { force: true })
    const setupMs = performance.now() - t1
    const { meta, vk } = await writeKeys(tmp, {
      format: 'zkpredict-private-circuit-v1',
      numberFormat: PRIVATE_FORMAT,
      circuit_id: plan.id,
      sizes: plan.sizes,
      publicSignals: publicSignalNames(plan.sizes),
      constraints: header.nConstraints,
      power,
      r1cs_sha256: sha256(r1csBytes),
      wasm_sha256: sha256(await readFile(path.join(tmp, PRIVATE_FILES.wasm))),
      ptau: { power: ptau.power, insecure: ptau.insecure, file: path.basename(ptau.path) },
      ceremony: { source: 'operator', contributions: [] },
      timings: { compileMs: compiled.compileMs, setupMs, totalMs: performance.now() - tStart }
    })
    await replaceDir(tmp, outDir)
    await publishKeyedBuild(o, cacheKey, ptau.path, outDir)
    return artifactsOf(outDir, plan, meta, vk)
  } catch (err) {
    await rm(tmp, { recursive: true, force: true })
    throw err
  }
}

type MetaWithoutKeys = Omit<ArchitectureMeta, 'zkey_sha256' | 'vk_sha256'>

/** Derives vk, verifier.sol, hashes and the contribution list from dir's circuit.zkey; writes architecture.json. */
export async function writeKeys (dir: string, base: MetaWithoutKeys): Promise<{ meta: ArchitectureMeta, vk: snarkjs.VerificationKey }> {
  const zkeyPath = path.join(dir, PRIVATE_FILES.zkey)
  const vk = await snarkjs.zKey.exportVerificationKey(zkeyPath)
  const vkText = JSON.stringify(vk, null, 1)
  await writeFile(path.join(dir, PRIVATE_FILES.vk), vkText)
  await writeFile(path.join(dir, PRIVATE_FILES.verifier), await exportSolidityVerifier(zkeyPath))
  const zkeyBytes = await readFile(zkeyPath)
  const meta: ArchitectureMeta = {
    ...base,
    zkey_sha256: sha256(zkeyBytes),
    vk_sha256: sha256(vkText),
    ceremony: { ...base.ceremony, contributions: await readContributions(zkeyBytes) }
  }
  await writeFile(path.join(dir, PRIVATE_FILES.meta), JSON.stringify(meta, null, 1))
  return { meta, vk }
}

function artifactsOf (dir: string, plan: ArchitecturePlan, meta: ArchitectureMeta, vk?: snarkjs.VerificationKey): PrivateArtifacts {
  return {
    dir,
    plan,
    meta,
    vk: vk as snarkjs.VerificationKey,
    wasmPath: path.join(dir, PRIVATE_FILES.wasm),
    zkeyPath: path.join(dir, PRIVATE_FILES.zkey),
    r1csPath: path.join(dir, PRIVATE_FILES.r1cs),
    vkPath: path.join(dir, PRIVATE_FILES.vk),
    verifierPath: path.join(dir, PRIVATE_FILES.verifier)
  }
}

/** Reads a built architecture directory. */
export async function loadArchitecture (dir: string): Promise<PrivateArtifacts> {
  const d = path.resolve(dir)
  const meta = JSON.parse(await readFile(path.join(d, PRIVATE_FILES.meta), 'utf8')) as ArchitectureMeta
  const vk = JSON.parse(await readFile(path.join(d, PRIVATE_FILES.vk), 'utf8')) as snarkjs.VerificationKey
  return artifactsOf(d, planArchitecture(meta.sizes), meta, vk)
}
