/**
 * One private batch circuit and Groth16 setup per (ARCHITECTURE, batch size), shared by every private
 * model of that architecture (their parameters are private inputs). The same steps and trust model as
 * the single private circuit (setup.ts): compile, `zkey new` from the powers of tau, ONE operator
 * contribution of dropped entropy, verification key, written to a temp dir and renamed into place.
 * The multi-party phase 2 of ceremony.ts (PRIVATE_ZKEY_DIR) is not wired for batch keys yet: a batch
 * key is always setup_trust local-insecure.
 *
 * The directory holds the file names of PRIVATE_FILES (so prove.ts' loadPrivateProver loads it as is),
 * architecture.json with `batch` (size, words, packing layout) and the Solidity contract
 * batch-verifier.sol (batch-solidity.ts, the commitment checked).
 */
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import * as snarkjs from 'snarkjs'
import { layoutFromJSON, layoutToJSON, type BatchLayout } from '../batch-layout.js'
import { batchVerifierSolidity } from '../batch-solidity.js'
import { lookupBuild, publishKeyedBuild } from '../build-cache.js'
import { compileCircuit } from '../compile.js'
import type { ProofLogger } from '../logger.js'
import { resolvePtau } from '../ptau.js'
import { groth16Power, readR1csHeader } from '../r1cs.js'
import { privateBatchCircomSource, privateBatchCircuitId, privateBatchLayout, privateBatchSignalNames } from './batch-circuit.js'
import { FMT, planArchitecture, PRIVATE_FORMAT, type ArchitecturePlan } from './format.js'
import { PRIVATE_FILES, sha256 } from './setup.js'
import { readContributions, type Contribution } from './zkey-contributions.js'
import { replaceDir, stagingPath } from '../../fs-atomic.js'

export const PRIVATE_BATCH_VERIFIER_FILE = 'batch-verifier.sol'

export interface PrivateBatchMeta {
  format: 'zkpredict-private-batch-circuit-v1'
  numberFormat: typeof PRIVATE_FORMAT
  /** e.g. mlp-3-4-3-1-relu-pfx1-batch4 */
  circuit_id: string
  /** The architecture's circuit id (the single-row circuit's) */
  architecture: string
  sizes: number[]
  publicSignals: string[]
  constraints: number
  power: number
  inputFracBits: number
  logitScaleBits: number
  r1cs_sha256: string
  wasm_sha256: string
  zkey_sha256: string
  vk_sha256: string
  ptau: { power: number, insecure: boolean, file: string }
  ceremony: { source: 'operator', contributions: Contribution[] }
  timings: { compileMs: number, setupMs: number, totalMs: number }
  batch: { size: number, words: number, layout: unknown }
}

export interface PrivateBatchArtifacts {
  dir: string
  plan: ArchitecturePlan
  layout: BatchLayout
  meta: PrivateBatchMeta
  vk: snarkjs.VerificationKey
  vkPath: string
  zkeyPath: string
  contractPath: string
}

export interface BuildPrivateBatchOptions {
  sizes: number[]
  size: number
  outDir: string
  ptauPath?: string
  /** Picks the powers of tau once the circuit's power is known (e.g. batch-sizes.ts batchPtau, which never makes a dev file) */
  ptauFor?: (power: number) => Promise<string>
  ptauCacheDir: string
  devPtauCandidates?: string[]
  logger?: ProofLogger
  /** A cache of finished builds (../build-cache.ts): used when the powers of tau are named (ptauPath or devPtauCandidates). */
  buildCache?: string
}

function quiet (errors: string[]): snarkjs.Logger {
  const noop = (): void => {}
  return { debug: noop, info: noop, warn: noop, error: (m: unknown) => { errors.push(String(m)) } }
}

export async function buildPrivateBatch (o: BuildPrivateBatchOptions): Promise<PrivateBatchArtifacts> {
  const tStart = performance.now()
  const plan = planArchitecture(o.sizes)
  const layout = privateBatchLayout(plan, o.size)
  const outDir = path.resolve(o.outDir)
  const source = privateBatchCircomSource(plan, layout)
  const { key: cacheKey, cached } = await lookupBuild(o, { kind: 'private-batch', source: sha256(source) }, outDir,
    PRIVATE_FILES.meta, loadPrivateBatch)
  if (cached != null) return cached
  await mkdir(path.dirname(outDir), { recursive: true })
  const tmp = stagingPath(outDir)
  await mkdir(tmp, { recursive: true })
  try {
    // O1 as for every circuit here (setup.ts: O2 makes the R1CS dense and the setup slow)
    const compiled = await compileCircuit(source, tmp, 'circuit', { optimize: 'O1' })
    o.logger?.info(`private batch circuit ${plan.id} x ${o.size}: ${compiled.constraints} constraints`)
    await rename(compiled.wasmPath, path.join(tmp, PRIVATE_FILES.wasm))
    await rm(path.join(tmp, 'circuit_js'), { recursive: true, force: true })
    const r1csBytes = await readFile(compiled.r1csPath)
    const header = readR1csHeader(r1csBytes)
    if (header.nPubOut !== 1 + layout.words || header.nPubIn !== 0) {
      throw new Error(`private batch circuit has ${header.nPubOut}+${header.nPubIn} public signals, expected 1 + ${layout.words}`)
    }
    const power = groth16Power(header)
    const ptau = await resolvePtau({
      power,
      ptauPath: o.ptauFor != null ? await o.ptauFor(power) : o.ptauPath,
      cacheDir: o.ptauCacheDir,
      devCandidates: o.devPtauCandidates,
      logger: o.logger
    })
    const t1 = performance.now()
    const zkey0 = path.join(tmp, 'circuit_0000.zkey')
    const zkeyPath = path.join(tmp, PRIVATE_FILES.zkey)
    const errors: string[] = []
    const r = await snarkjs.zKey.newZKey(compiled.r1csPath, ptau.path, zkey0, quiet(errors))
    if (r === -1 || errors.length) throw new Error(`groth16 setup failed: ${errors.join('; ') || 'unknown error'}`)
    // The entropy lives only in this call; snarkjs hashes it into the contribution
    await snarkjs.zKey.contribute(zkey0, zkeyPath, 'zkpredict operator', randomBytes(64).toString('hex'), quiet(errors))
    await rm(zkey0, { force: true })
    const vk = await snarkjs.zKey.exportVerificationKey(zkeyPath)
    const vkText = JSON.stringify(vk, null, 1)
    await writeFile(path.join(tmp, PRIVATE_FILES.vk), vkText)
    const setupMs = performance.now() - t1
    const zkeyBytes = await readFile(zkeyPath)
    const meta: PrivateBatchMeta = {
      format: 'zkpredict-private-batch-circuit-v1',
      numberFormat: PRIVATE_FORMAT,
      circuit_id: privateBatchCircuitId(plan, o.size),
      architecture: plan.id,
      sizes: plan.sizes,
      publicSignals: privateBatchSignalNames(layout),
      constraints: header.nConstraints,
      power,
      inputFracBits: FMT.inputFracBits,
      logitScaleBits: FMT.activationFracBits + FMT.weightFracBits,
      r1cs_sha256: sha256(r1csBytes),
      wasm_sha256: sha256(await readFile(path.join(tmp, PRIVATE_FILES.wasm))),
      zkey_sha256: sha256(zkeyBytes),
      vk_sha256: sha256(vkText),
      ptau: { power: ptau.power, insecure: ptau.insecure, file: path.basename(ptau.path) },
      ceremony: { source: 'operator', contributions: await readContributions(zkeyBytes) },
      timings: { compileMs: compiled.compileMs, setupMs, totalMs: performance.now() - tStart },
      batch: { size: o.size, words: layout.words, layout: layoutToJSON(layout) }
    }
    await writeFile(path.join(tmp, PRIVATE_BATCH_VERIFIER_FILE), batchVerifierSolidity(vk, layout, {
      vk_sha256: meta.vk_sha256, inputFracBits: meta.inputFracBits, logitScaleBits: meta.logitScaleBits, architecture: plan.id
    }))
    await writeFile(path.join(tmp, PRIVATE_FILES.meta), JSON.stringify(meta, null, 1))
    await replaceDir(tmp, outDir)
    await publishKeyedBuild(o, cacheKey, ptau.path, outDir)
    return artifactsOf(outDir, meta, vk)
  } catch (err) {
    await rm(tmp, { recursive: true, force: true })
    throw err
  }
}

function artifactsOf (dir: string, meta: PrivateBatchMeta, vk: snarkjs.VerificationKey): PrivateBatchArtifacts {
  return {
    dir,
    plan: planArchitecture(meta.sizes),
    layout: layoutFromJSON(meta.batch.layout),
    meta,
    vk,
    vkPath: path.join(dir, PRIVATE_FILES.vk),
    zkeyPath: path.join(dir, PRIVATE_FILES.zkey),
    contractPath: path.join(dir, PRIVATE_BATCH_VERIFIER_FILE)
  }
}

/** Reads a built private batch directory. */
export async function loadPrivateBatch (dir: string): Promise<PrivateBatchArtifacts> {
  const d = path.resolve(dir)
  const meta = JSON.parse(await readFile(path.join(d, PRIVATE_FILES.meta), 'utf8')) as PrivateBatchMeta
  if (meta.format !== 'zkpredict-private-batch-circuit-v1') throw new Error(`${d} is not a private batch circuit`)
  const vk = JSON.parse(await readFile(path.join(d, PRIVATE_FILES.vk), 'utf8')) as snarkjs.VerificationKey
  return artifactsOf(d, meta, vk)
}
