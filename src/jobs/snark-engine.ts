import { fork, type ChildProcess } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type { FastifyBaseLogger } from 'fastify'
import { NotProvableError } from '../errors.js'
import { cleanStaging } from '../fs-atomic.js'
import { ARTIFACT_FILES, ProverPool, releaseProvers, transpile, verifyProof, type BuildOptions, type CircuitMeta } from '../proofs/index.js'
import type { CircuitState } from '../registry/registry.js'
import type { ProofEngine } from './proof-engine.js'
import { batchPtau } from '../proofs/batch-sizes.js'

export interface ProofEngineOptions {
  dataDir: string
  /** An operator's ceremony file (PTAU_FILE); without it an INSECURE development file is used. */
  ptauFile?: string
  /** Ready-made development files to use before making one (the project ships one). */
  devPtauCandidates?: string[]
  /** Prover threads; 0 starts none (ROLE=api: worker processes prove, this process only verifies). */
  workers: number
  /** Linux nice value of the prover threads (see ProverPoolOptions.nice). */
  workerNice?: number
  /** Circuits each prover thread keeps loaded (PROVER_CACHE_SIZE). */
  proverCacheSize?: number
  /** snarkjs progress lines in the build log (PROOF_LOG_VERBOSE). */
  verbose?: boolean
  /** Finished builds reused by key (CIRCUIT_BUILD_CACHE_DIR, see BuildOptions.buildCache). */
  buildCache?: string
  log: FastifyBaseLogger
}

const GROTH16_SETUP = 'Groth16: powers of tau, then one phase-2 contribution made by this service from crypto.randomBytes entropy ' +
  'that was discarded. A verifier trusts the ptau and this service operator; for trustless use run a multi-party phase 2 ' +
  '(snarkjs zkey contribute, beacon) and replace circuit.zkey and verification_key.json.'
const PLONK_SETUP = 'PLONK: no per-circuit secret; the keys derive from the powers of tau and the circuit alone. ' +
  'A verifier trusts only the ptau.'

interface BuildResult { constraints: number, r1cs_sha256: string, vk_sha256: string, zkey_sha256: string, meta: CircuitMeta }

/** The build processes of one engine: each running child with its exit, so close() can kill them and wait. */
interface BuildChildren { running: Map<ChildProcess, Promise<void>>, closed: boolean }

/**
 * Runs buildCircuit in a child process (circuit-build-process.ts). Once the engine is closed no child
 * starts, and close() waits for the killed ones to exit: nothing of a build writes into DATA_DIR after it.
 */
async function buildInChild<R = BuildResult> (
  request: Omit<BuildOptions, 'logger'> & { batchSize?: number }, log: FastifyBaseLogger, children: BuildChildren
): Promise<R> {
  // A build killed by a shutdown leaves its staging directory behind: clear it first.
  await cleanStaging(path.dirname(request.outDir), path.basename(request.outDir))
  if (children.closed) throw new Error('the proof engine is closed: the circuit build did not start')
  const child = fork(new URL('./circuit-build-process.js', import.meta.url), { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
  children.running.set(child, new Promise<void>((resolve) => { child.once('exit', () => { resolve() }) }))
  try {
    return await new Promise<R>((resolve, reject) => {
      child.on('message', (m: { type: string, level?: 'info', message?: string, result?: R, name?: string }) => {
        if (m.type === 'log') log[m.level ?? 'info'](m.message ?? '')
        else if (m.type === 'done' && m.result != null) resolve(m.result)
        else if (m.type === 'error') reject(Object.assign(new Error(m.message), { name: m.name }))
      })
      // 'close', not 'exit': a child's last messages can still be in the channel when 'exit' comes; 'close' comes after them
      child.once('close', (code, signal) => {
        reject(new Error(`the circuit build process ended (${signal ?? `exit ${code}`}) before it finished`))
      })
      child.send({ ...request, onnx: Array.from(request.onnx) })
    })
  } finally {
    children.running.delete(child)
  }
}

/** Wires the proving stack (src/proofs) into the jobs: builds, the prover pool, verification. */
export async function createProofEngine (options: ProofEngineOptions): Promise<ProofEngine> {
  const pool = options.workers > 0
    ? new ProverPool({ size: options.workers, maxQueue: 1_000_000, nice: options.workerNice, cacheSize: options.proverCacheSize })
    : null
  const ptauCacheDir = path.join(options.dataDir, 'ptau')
  const builds: BuildChildren = { running: new Map(), closed: false }
  let ptauInUse: { file: string, secure: boolean } | null = options.ptauFile != null ? { file: options.ptauFile, secure: true } : null

  return {
    checkProvable: (onnx, meta) => {
      try {
        transpile(onnx, { threshold: meta.threshold })
        return null
      } catch (err) {
        if (err instanceof NotProvableError) return err.message
        return `the model cannot be transpiled to a circuit: ${(err as Error).message}`
      }
    },

    build: async ({ onnx, meta, dir, proofSystem }): Promise<CircuitState> => {
      const artifacts = await buildInChild<BuildResult>({
        onnx,
        outDir: dir,
        proofSystem,
        threshold: meta.threshold,
        ptauPath: options.ptauFile,
        ptauCacheDir,
        devPtauCandidates: options.devPtauCandidates,
        verbose: options.verbose,
        buildCache: options.buildCache,
      }, options.log, builds)
      const ptau = artifacts.meta.ptau
      ptauInUse = { file: ptau.file, secure: !ptau.insecure }
      if (ptau.insecure) {
        options.log.warn({ ptau: ptau.file },
          'INSECURE development powers of tau in use: whoever made it could forge proofs; set PTAU_FILE to a ceremony file for production')
      }
      return {
        status: 'ready',
        constraints: artifacts.constraints,
        r1cs_sha256: artifacts.r1cs_sha256,
        vk_sha256: artifacts.vk_sha256,
        zkey_sha256: artifacts.zkey_sha256,
        input_scale: `2^${artifacts.meta.inputFracBits}`,
        setup: proofSystem === 'groth16' ? GROTH16_SETUP : PLONK_SETUP,
        ptau: { file: path.basename(ptau.file), secure: !ptau.insecure, power: ptau.power },
        input_ranges: inputRanges(artifacts.meta.inputRanges, meta.features),
      }
    },

    prove: async (dir, _proofSystem, inputs) => {
      if (pool == null) throw new Error('this process proves nothing (ROLE=api): worker processes take the proofs queue')
      const result = await pool.prove(dir, inputs)
      return { proof: result.proof, publicSignals: result.publicSignals, output: result.output, prove_ms: result.prove_ms }
    },

    warm: async (dir) => { await pool?.warmAll(dir) },

    buildBatch: async ({ onnx, meta, dir, size, ptauPath }) => {
      const result = await buildInChild<{ constraints: number, vk_sha256: string }>({
        onnx, outDir: dir, proofSystem: 'groth16', threshold: meta.threshold, ptauPath, batchSize: size, buildCache: options.buildCache,
      }, options.log, builds)
      return { constraints: result.constraints, vk_sha256: result.vk_sha256 }
    },

    proveBatch: async (dir, rows) => {
      if (pool == null) throw new Error('this process proves nothing (ROLE=api): worker processes take the proofs queue')
      const r = await pool.proveBatch(dir, rows)
      return { proof: r.proof, publicSignals: r.publicSignals, rows: r.rows, size: r.size, prove_ms: r.prove_ms }
    },

    batchPtau: async (power, what, largestFitting) => await batchPtau({
      ptauFile: options.ptauFile, devCandidates: options.devPtauCandidates, cacheDir: ptauCacheDir,
    }, power, what, largestFitting),

    verify: async (proofSystem, vk, publicSignals, proof) => await verifyProof(proofSystem, vk, publicSignals, proof),

    solidityVerifier: async (dir) => await readFile(path.join(dir, ARTIFACT_FILES.verifier), 'utf8'),

    ptauInfo: () => ptauInUse,

    close: async () => {
      // kill() only sends the signal: wait for the exits, or a dying build could still write into DATA_DIR.
      builds.closed = true
      const exits = [...builds.running].map(([child, exited]) => { child.kill('SIGKILL'); return exited })
      await Promise.all(exits)
      await pool?.close()
      // snarkjs keeps a process-wide curve with worker threads (used by setup); they would keep the process alive.
      await releaseProvers()
    },
  }
}

/** The circuit's per-input ranges (quantize.ts, "The supported input range") by feature name, as the API publishes them. */
export function inputRanges (ranges: Array<{ min: number, max: number }>, features: string[] | null | undefined):
Array<{ feature: string, min: number, max: number }> {
  return ranges.map((range, i) => ({ feature: features?.[i] ?? `input ${i}`, min: range.min, max: range.max }))
}
