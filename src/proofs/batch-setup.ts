/**
 * Build of one batch circuit (one model version, one batch size): ONNX -> plan -> batch circom ->
 * R1CS/wasm -> Groth16 proving key (zkey new + ONE contribution of dropped entropy, the same trust
 * model as setup.ts) -> verification key, the batch Solidity contract and circuit.json, written to a
 * temp dir and renamed into outDir at the end. circuit.json is a CircuitMeta (so prove.ts' loadProver
 * and caches work unchanged) plus `batch`: the size and the packing layout.
 *
 * Batches are Groth16 only: the point is one 256-byte proof and one pairing check for many rows;
 * PLONK's proving time (~20x Groth16 here) would grow with the rows just the same.
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import * as snarkjs from 'snarkjs'
import { batchCircomSource } from './batch-circuit.js'
import { batchLayout, layoutFromJSON, layoutToJSON, type BatchLayout } from './batch-layout.js'
import { batchVerifierSolidity } from './batch-solidity.js'
import { lookupBuild, publishKeyedBuild } from './build-cache.js'
import { compileCircuit } from './compile.js'
import type { ProofLogger } from './logger.js'
import { resolvePtau } from './ptau.js'
import { DEFAULT_QUANT, planToJSON, type QuantParams } from './quantize.js'
import { groth16Power, readR1csHeader } from './r1cs.js'
import { ARTIFACT_FILES, type CircuitMeta } from './artifacts.js'
import { defaultPtauCacheDir } from './setup.js'
import { transpile } from './transpile.js'
import { replaceDir, stagingPath } from '../fs-atomic.js'

export const BATCH_VERIFIER_FILE = 'batch-verifier.sol'

export interface BatchMeta extends CircuitMeta {
  batch: { size: number, words: number, layout: unknown }
}

export interface BatchBuildOptions {
  onnx: Uint8Array
  outDir: string
  size: number
  ptauPath?: string
  ptauCacheDir?: string
  devPtauCandidates?: string[]
  threshold?: number
  quant?: Partial<QuantParams>
  logger?: ProofLogger
  /** A cache of finished builds (build-cache.ts): used when the powers of tau are named (ptauPath or devPtauCandidates). */
  buildCache?: string
}

export interface BatchArtifacts {
  dir: string
  size: number
  layout: BatchLayout
  constraints: number
  vk: snarkjs.VerificationKey
  vk_sha256: string
  vkPath: string
  wasmPath: string
  zkeyPath: string
  contractPath: string
  meta: BatchMeta
}

const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex')

/** Predicted R1CS size of a batch before compiling (rows + one flag check per row + one per word). */
export function batchConstraints (rowConstraints: number, layout: BatchLayout): number {
  return layout.size * (rowConstraints + 1) + layout.words
}

export async function buildBatchCircuit (o: BatchBuildOptions): Promise<BatchArtifacts> {
  const tStart = performance.now()
  const logger = o.logger
  const quant: QuantParams = { ...DEFAULT_QUANT, ...(o.quant ?? {}) }
  const t0 = performance.now()
  const { model, plan } = transpile(o.onnx, { threshold: o.threshold, quant })
  const layout = batchLayout(plan, o.size)
  const header = `model: ${model.layers.length} dense layers, ${model.nInputs} inputs; batch of ${o.size} rows`
  const source = batchCircomSource(plan, layout, header)
  const transpileMs = performance.now() - t0

  const outDir = path.resolve(o.outDir)
  // The ONNX bytes are in the key as for a single circuit: the circuit.json copied holds their hash and feature names
  const { key: cacheKey, cached } = await lookupBuild(o, { kind: 'batch', source: sha256(source), onnx: sha256(o.onnx) }, outDir,
    ARTIFACT_FILES.meta, loadBatchArtifacts)
  if (cached != null) {
    logger?.info(`batch circuit ready in ${outDir}: copied from the build cache (${cacheKey?.slice(0, 12) ?? ''})`)
    return cached
  }
  await mkdir(path.dirname(outDir), { recursive: true })
  const tmp = stagingPath(outDir)
  await mkdir(tmp, { recursive: true })
  try {
    const compiled = await compileCircuit(source, tmp, 'circuit', { optimize: 'O1' })
    const compileS = (compiled.compileMs / 1000).toFixed(1)
    logger?.info(`batch circuit (${o.size} rows) compiled: ${compiled.constraints} constraints in ${compileS} s`)
    await rename(compiled.wasmPath, path.join(tmp, ARTIFACT_FILES.wasm))
    await rm(path.join(tmp, 'circuit_js'), { recursive: true, force: true })
    const r1csBytes = await readFile(compiled.r1csPath)
    const h = readR1csHeader(r1csBytes)
    if (h.nPubOut !== layout.words || h.nPubIn !== 0) {
      throw new Error(`batch circuit has ${h.nPubOut}+${h.nPubIn} public signals, expected ${layout.words}`)
    }
    const power = groth16Power(h)
    const ptau = await resolvePtau({
      power,
      ptauPath: o.ptauPath,
      cacheDir: o.ptauCacheDir ?? defaultPtauCacheDir(),
      devCandidates: o.devPtauCandidates,
      logger
    })

    const t1 = performance.now()
    const r1csPath = path.join(tmp, ARTIFACT_FILES.r1cs)
    const zkeyPath = path.join(tmp, ARTIFACT_FILES.zkey)
    const zkey0 = path.join(tmp, 'circuit_0000.zkey')
    const errors: string[] = []
    const noop = (): void => {}
    const log = {
      debug: noop,
      info: noop,
      warn: (m: unknown) => logger?.warn(String(m)),
      error: (m: unknown) => { errors.push(String(m)) }
    }
    const r = await snarkjs.zKey.newZKey(r1csPath, ptau.path, zkey0, log)
    if (r === -1 || errors.length) throw new Error(`groth16 setup failed: ${errors.join('; ') || 'unknown error'}`)
    // The entropy lives only in this call; snarkjs hashes it into the contribution
    await snarkjs.zKey.contribute(zkey0, zkeyPath, 'zkpredict operator', randomBytes(64).toString('hex'), log)
    await rm(zkey0, { force: true })
    const vk = await snarkjs.zKey.exportVerificationKey(zkeyPath)
    const vkText = JSON.stringify(vk, null, 1)
    await writeFile(path.join(tmp, ARTIFACT_FILES.vk), vkText)
    const setupMs = performance.now() - t1

    const meta: BatchMeta = {
      format: 'zkpredict-circuit-v1',
      proofSystem: 'groth16',
      nInputs: plan.nInputs,
      publicSignals: Array.from({ length: layout.words }, (_, i) => `words[${i}]`),
      inputFracBits: plan.params.inputFracBits,
      logitScaleBits: plan.logitScaleBits,
      activationFracBits: plan.params.activationFracBits,
      weightFracBits: plan.params.weightFracBits,
      threshold: plan.threshold,
      thresholdQ: plan.thresholdQ.toString(),
      inputRanges: plan.inputs.map((c) => ({ min: c.min, max: c.max })),
      featureNames: model.featureNames,
      constraints: h.nConstraints,
      plonkGates: null,
      power,
      onnx_sha256: sha256(o.onnx),
      r1cs_sha256: sha256(r1csBytes),
      wasm_sha256: sha256(await readFile(path.join(tmp, ARTIFACT_FILES.wasm))),
      zkey_sha256: sha256(await readFile(zkeyPath)),
      vk_sha256: sha256(vkText),
      ptau: { power: ptau.power, insecure: ptau.insecure, file: path.basename(ptau.path) },
      timings: { transpileMs, compileMs: compiled.compileMs, setupMs, totalMs: performance.now() - tStart },
      plan: planToJSON(plan),
      batch: { size: o.size, words: layout.words, layout: layoutToJSON(layout) }
    }
    await writeFile(path.join(tmp, BATCH_VERIFIER_FILE), batchVerifierSolidity(vk, layout, meta))
    await writeFile(path.join(tmp, ARTIFACT_FILES.meta), JSON.stringify(meta, null, 1))

    await replaceDir(tmp, outDir)
    logger?.info(`batch circuit ready in ${outDir}: ${o.size} rows, ${h.nConstraints} constraints, 2^${power}, ` +
      `${layout.words} public words`)
    await publishKeyedBuild(o, cacheKey, ptau.path, outDir)
    return batchArtifactsOf(outDir, meta, vk)
  } catch (err) {
    await rm(tmp, { recursive: true, force: true })
    throw err
  }
}

function batchArtifactsOf (dir: string, meta: BatchMeta, vk: snarkjs.VerificationKey): BatchArtifacts {
  return {
    dir,
    size: meta.batch.size,
    layout: layoutFromJSON(meta.batch.layout),
    constraints: meta.constraints,
    vk,
    vk_sha256: meta.vk_sha256,
    vkPath: path.join(dir, ARTIFACT_FILES.vk),
    wasmPath: path.join(dir, ARTIFACT_FILES.wasm),
    zkeyPath: path.join(dir, ARTIFACT_FILES.zkey),
    contractPath: path.join(dir, BATCH_VERIFIER_FILE),
    meta
  }
}

export async function loadBatchArtifacts (dir: string): Promise<BatchArtifacts> {
  const d = path.resolve(dir)
  const meta = JSON.parse(await readFile(path.join(d, ARTIFACT_FILES.meta), 'utf8')) as BatchMeta
  if (!meta.batch) throw new Error(`${d} is not a batch circuit`)
  const vk = JSON.parse(await readFile(path.join(d, ARTIFACT_FILES.vk), 'utf8')) as snarkjs.VerificationKey
  return batchArtifactsOf(d, meta, vk)
}
