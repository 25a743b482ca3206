/**
 * Per-model-version circuit build: ONNX -> circom -> R1CS/wasm -> proving key, verification key and
 * Solidity verifier, all written to a temp dir and renamed into outDir at the end (readers never see
 * half a build).
 *
 * Trust model:
 * - Groth16: phase 2 is `snarkjs zkey new` plus ONE contribution made here from 64 bytes of
 *   crypto.randomBytes entropy that are then dropped (never written or logged). Soundness rests on
 *   that single contribution (the service operator's) and on the ptau. For trustless use, an operator
 *   runs a multi-party phase 2 (`snarkjs zkey contribute` by several parties, then `zkey beacon`) on
 *   circuit.r1cs and replaces circuit.zkey / verification_key.json, and anyone can check the result
 *   with `snarkjs zkey verify circuit.r1cs <ptau> circuit.zkey`.
 * - PLONK: no per-circuit secret at all; the proving key is derived from the ptau and the circuit.
 * - In both cases the model's weights are constants of the circuit, so the verification key is
 *   bound to one model version; r1cs_sha256 lets anyone recompile from the ONNX and compare.
 */
import { createHash, randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import * as snarkjs from 'snarkjs'
import { replaceDir, stagingPath } from '../fs-atomic.js'
import { ARTIFACT_FILES, type CircuitMeta, type ProofSystem } from './artifacts.js'
import { lookupBuild, publishKeyedBuild } from './build-cache.js'
import { compileCircuit } from './compile.js'
import type { ProofLogger } from './logger.js'
import { resolvePtau, type PtauInfo } from './ptau.js'
import { DEFAULT_QUANT, planToJSON, type CircuitPlan, type QuantParams } from './quantize.js'
import { groth16Power, plonkGateCount, plonkPower, readR1csHeader } from './r1cs.js'
import { transpile } from './transpile.js'

const require = createRequire(import.meta.url)

export interface BuildOptions {
  onnx: Uint8Array
  outDir: string
  proofSystem: ProofSystem
  /** A ptau file (the service passes PTAU_FILE); default a cached (or newly made) INSECURE development file. */
  ptauPath?: string
  /** Cache of development ptau files; default <tmpdir>/zkpredict-ptau. */
  ptauCacheDir?: string
  /** Ready-made development ptau files to try before making one (tests pass a fixture). */
  devPtauCandidates?: string[]
  /** Classification threshold; default the model's `threshold` metadata prop, else 0.5. */
  threshold?: number
  quant?: Partial<QuantParams>
  logger?: ProofLogger
  /** Pass snarkjs's progress lines to the logger (config PROOF_LOG_VERBOSE). Default false. */
  verbose?: boolean
  /**
   * A content-addressed cache of finished builds (config CIRCUIT_BUILD_CACHE_DIR; off by default).
   * The key is the circom source, the ONNX bytes, the proof system and the ptau choice: the same key
   * compiles the same R1CS, so a copy of its keys proves and verifies exactly like a fresh setup.
   * The test suite shares one across its files: the same test model was compiled and set up in many
   * files (a loaded machine spent minutes per build).
   */
  buildCache?: string
}

export interface CircuitArtifacts {
  dir: string
  proofSystem: ProofSystem
  constraints: number
  plonkGates: number | null
  r1cs_sha256: string
  vk_sha256: string
  zkey_sha256: string
  wasmPath: string
  zkeyPath: string
  vkPath: string
  verifierPath: string
  vk: snarkjs.VerificationKey
  meta: CircuitMeta
}

/** Where development ptau files are cached when a build names no ptauCacheDir (the service passes DATA_DIR/ptau). */
export function defaultPtauCacheDir (): string {
  return path.join(os.tmpdir(), 'zkpredict-ptau')
}

const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex')

/** snarkjs' setup functions log an error and return -1 instead of throwing: turn that into an Error. */
function capturingLogger (logger?: ProofLogger, verbose = false): { log: snarkjs.Logger, errors: string[] } {
  const errors: string[] = []
  return {
    errors,
    log: {
      debug: (m: unknown) => { if (verbose) logger?.debug?.(String(m)) },
      info: (m: unknown) => { if (verbose) logger?.info(String(m)) },
      warn: (m: unknown) => logger?.warn(String(m)),
      error: (m: unknown) => { errors.push(String(m)); (logger?.error ?? logger?.warn)?.call(logger, String(m)) }
    }
  }
}

function solidityTemplates (): Record<string, string> {
  // snarkjs' package exports hide its templates dir; reach it from the resolved main file
  const dir = path.join(path.dirname(require.resolve('snarkjs')), '..', 'templates')
  return {
    groth16: readFileSync(path.join(dir, 'verifier_groth16.sol.ejs'), 'utf8'),
    plonk: readFileSync(path.join(dir, 'verifier_plonk.sol.ejs'), 'utf8'),
    fflonk: readFileSync(path.join(dir, 'verifier_fflonk.sol.ejs'), 'utf8')
  }
}

export async function exportSolidityVerifier (zkeyPath: string): Promise<string> {
  return snarkjs.zKey.exportSolidityVerifier(zkeyPath, solidityTemplates())
}

/** Builds every artifact of one model version's circuit into outDir (atomically). */
export async function buildCircuit (o: BuildOptions): Promise<CircuitArtifacts> {
  const tStart = performance.now()
  const logger = o.logger
  const quant: QuantParams = { ...DEFAULT_QUANT, ...(o.quant ?? {}) }
  const t0 = performance.now()
  const { model, plan, source } = transpile(o.onnx, { threshold: o.threshold, quant })
  const transpileMs = performance.now() - t0

  const outDir = path.resolve(o.outDir)
  await mkdir(path.dirname(outDir), { recursive: true })
  const { key: cacheKey, cached } = await lookupBuild(o, { source: sha256(source), onnx: sha256(o.onnx), proofSystem: o.proofSystem },
    outDir, ARTIFACT_FILES.meta, loadArtifacts)
  if (cached != null) {
    logger?.info(`circuit ready in ${outDir}: copied from the build cache (${cacheKey?.slice(0, 12) ?? ''})`)
    return cached
  }
  const tmp = stagingPath(outDir)
  await mkdir(tmp, { recursive: true })
  try {
    // O1, not O2: substituting the linear constraints away (O2) saves ~7% constraints but makes the
    // R1CS dense (700-term rows), which makes Groth16 setup 6x slower, proving slower, and PLONK 60% bigger
    const compiled = await compileCircuit(source, tmp, 'circuit', { optimize: 'O1' })
    logger?.info(`circuit compiled: ${compiled.constraints} constraints in ${(compiled.compileMs / 1000).toFixed(1)} s`)
    await rename(compiled.wasmPath, path.join(tmp, ARTIFACT_FILES.wasm))
    await rm(path.join(tmp, 'circuit_js'), { recursive: true, force: true })
    const r1csBytes = await readFile(compiled.r1csPath)
    const header = readR1csHeader(r1csBytes)
    const gates = o.proofSystem === 'plonk' ? plonkGateCount(r1csBytes) : null
    const power = o.proofSystem === 'plonk' ? plonkPower(gates as number) : groth16Power(header)

    const ptau: PtauInfo = await resolvePtau({
      power,
      ptauPath: o.ptauPath,
      cacheDir: o.ptauCacheDir ?? defaultPtauCacheDir(),
      devCandidates: o.devPtauCandidates,
      logger,
      verbose: o.verbose
    })

    const t1 = performance.now()
    const r1csPath = path.join(tmp, ARTIFACT_FILES.r1cs)
    const zkeyPath = path.join(tmp, ARTIFACT_FILES.zkey)
    const { log, errors } = capturingLogger(logger, o.verbose)
    if (o.proofSystem === 'groth16') {
      const zkey0 = path.join(tmp, 'circuit_0000.zkey')
      const r = await snarkjs.zKey.newZKey(r1csPath, ptau.path, zkey0, log)
      if (r === -1 || errors.length) throw new Error(`groth16 setup failed: ${errors.join('; ') || 'unknown error'}`)
      // The entropy lives only in this call; snarkjs hashes it into the contribution
      await snarkjs.zKey.contribute(zkey0, zkeyPath, 'zkpredict operator', randomBytes(64).toString('hex'), log)
      await rm(zkey0, { force: true })
    } else {
      const r = await snarkjs.plonk.setup(r1csPath, ptau.path, zkeyPath, log)
      if (r === -1 || errors.length) throw new Error(`plonk setup failed: ${errors.join('; ') || 'unknown error'}`)
    }
    const vk = await snarkjs.zKey.exportVerificationKey(zkeyPath)
    const vkText = JSON.stringify(vk, null, 1)
    await writeFile(path.join(tmp, ARTIFACT_FILES.vk), vkText)
    await writeFile(path.join(tmp, ARTIFACT_FILES.verifier), await exportSolidityVerifier(zkeyPath))
    const setupMs = performance.now() - t1

    const zkeyBytes = await readFile(zkeyPath)
    const meta: CircuitMeta = {
      format: 'zkpredict-circuit-v1',
      proofSystem: o.proofSystem,
      nInputs: plan.nInputs,
      publicSignals: ['logit', 'label', ...plan.inputs.map((_, i) => `x[${i}]`)],
      inputFracBits: plan.params.inputFracBits,
      logitScaleBits: plan.logitScaleBits,
      activationFracBits: plan.params.activationFracBits,
      weightFracBits: plan.params.weightFracBits,
      threshold: plan.threshold,
      thresholdQ: plan.thresholdQ.toString(),
      inputRanges: plan.inputs.map((c) => ({ min: c.min, max: c.max })),
      featureNames: model.featureNames,
      constraints: header.nConstraints,
      plonkGates: gates,
      power,
      onnx_sha256: sha256(o.onnx),
      r1cs_sha256: sha256(r1csBytes),
      wasm_sha256: sha256(await readFile(path.join(tmp, ARTIFACT_FILES.wasm))),
      zkey_sha256: sha256(zkeyBytes),
      vk_sha256: sha256(vkText),
      ptau: { power: ptau.power, insecure: ptau.insecure, file: path.basename(ptau.path) },
      timings: { transpileMs, compileMs: compiled.compileMs, setupMs, totalMs: performance.now() - tStart },
      plan: planToJSON(plan as CircuitPlan)
    }
    await writeFile(path.join(tmp, ARTIFACT_FILES.meta), JSON.stringify(meta, null, 1))

    // Swap into place: an existing build is moved aside first and removed after the rename
    await replaceDir(tmp, outDir)
    const seconds = ((performance.now() - tStart) / 1000).toFixed(1)
    logger?.info(`circuit ready in ${outDir}: ${o.proofSystem}, ${header.nConstraints} constraints, ${seconds} s`)
    await publishKeyedBuild(o, cacheKey, ptau.path, outDir)
    return artifactsOf(outDir, meta, vk)
  } catch (err) {
    await rm(tmp, { recursive: true, force: true })
    throw err
  }
}

function artifactsOf (dir: string, meta: CircuitMeta, vk: snarkjs.VerificationKey): CircuitArtifacts {
  return {
    dir,
    proofSystem: meta.proofSystem,
    constraints: meta.constraints,
    plonkGates: meta.plonkGates,
    r1cs_sha256: meta.r1cs_sha256,
    vk_sha256: meta.vk_sha256,
    zkey_sha256: meta.zkey_sha256,
    wasmPath: path.join(dir, ARTIFACT_FILES.wasm),
    zkeyPath: path.join(dir, ARTIFACT_FILES.zkey),
    vkPath: path.join(dir, ARTIFACT_FILES.vk),
    verifierPath: path.join(dir, ARTIFACT_FILES.verifier),
    vk,
    meta
  }
}

/** Reads the artifacts a previous buildCircuit wrote. */
export async function loadArtifacts (dir: string): Promise<CircuitArtifacts> {
  const d = path.resolve(dir)
  const meta = JSON.parse(await readFile(path.join(d, ARTIFACT_FILES.meta), 'utf8')) as CircuitMeta
  const vk = JSON.parse(await readFile(path.join(d, ARTIFACT_FILES.vk), 'utf8')) as snarkjs.VerificationKey
  return artifactsOf(d, meta, vk)
}
