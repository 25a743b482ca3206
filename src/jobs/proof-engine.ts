import type { ProveResult as ProverResult } from '../proofs/prove.js'
import type { BatchProveResult } from '../proofs/batch-prove.js'
import type { BatchPtau } from '../proofs/batch-sizes.js'
import type { CircuitState, ProofSystemName, VersionMeta } from '../registry/registry.js'

/** What the jobs keep of a proof: the prover's result (src/proofs/prove.ts) without its witness timing. */
export type ProveResult = Omit<ProverResult, 'witness_ms'>

/** What the jobs need from the proving stack (src/proofs); the service wires in the real one. */
export interface ProofEngine {
  /** Why this ONNX model cannot become a circuit, or null when it can. Fast: no compilation. */
  checkProvable: (onnx: Uint8Array, meta: VersionMeta) => string | null
  /** Compiles the circuit and runs the setup into `dir` (atomically); returns the circuit's facts. */
  build: (input: { onnx: Uint8Array, meta: VersionMeta, dir: string, proofSystem: ProofSystemName }) => Promise<CircuitState>
  prove: (dir: string, proofSystem: ProofSystemName, inputs: number[]) => Promise<ProveResult>
  /** Loads a built circuit into every prover thread ahead of its first proof (nothing in a process that proves nothing). */
  warm: (dir: string) => Promise<void>
  verify: (proofSystem: ProofSystemName, vk: unknown, publicSignals: string[], proof: unknown) => Promise<boolean>
  /** Issue 15: builds the batch circuit of `size` rows into `dir` (atomically; Groth16 with the given powers of tau). */
  buildBatch: (input: { onnx: Uint8Array, meta: VersionMeta, dir: string, size: number, ptauPath: string }) =>
  Promise<{ constraints: number, vk_sha256: string }>
  proveBatch: (dir: string, rows: number[][]) => Promise<Omit<BatchProveResult, 'witness_ms'>>
  /** The powers of tau for a batch circuit needing 2^power, or a PtauTooSmallError naming PTAU_FILE (batch-sizes.ts). */
  batchPtau: (power: number, what: string, largestFitting?: (power: number) => number) => Promise<BatchPtau>
  /** The Solidity verifier contract of a built circuit. */
  solidityVerifier: (dir: string, proofSystem: ProofSystemName) => Promise<string>
  /** Whether the powers of tau in use is a real ceremony file or a local development one. */
  ptauInfo: () => { file: string, secure: boolean } | null
  close: () => Promise<void>
}
