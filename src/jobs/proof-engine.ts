import type { CircuitState, ProofSystemName, VersionMeta } from '../registry/registry.js'

/** What the jobs need from the proving stack (src/proofs); the service wires in the real one. */
export interface ProveResult {
  proof: Record<string, unknown>
  publicSignals: string[]
  output: { logit: number, probability: number, label: number }
  prove_ms: number
}

export interface ProofEngine {
  /** Why this ONNX model cannot become a circuit, or null when it can. Fast: no compilation. */
  checkProvable: (onnx: Uint8Array, meta: VersionMeta) => string | null
  /** Compiles the circuit and runs the setup into `dir` (atomically); returns the circuit's facts. */
  build: (input: { onnx: Uint8Array, meta: VersionMeta, dir: string, proofSystem: ProofSystemName }) => Promise<CircuitState>
  /** Checks a row against the circuit's input bounds before a proof is queued; null when fine. */
  checkInputs?: (dir: string, inputs: number[]) => Promise<string | null>
  prove: (dir: string, proofSystem: ProofSystemName, inputs: number[]) => Promise<ProveResult>
  verify: (proofSystem: ProofSystemName, vk: unknown, publicSignals: string[], proof: unknown) => Promise<boolean>
  /** The Solidity verifier contract of a built circuit. */
  solidityVerifier: (dir: string, proofSystem: ProofSystemName) => Promise<string>
  /** Whether the powers of tau in use is a real ceremony file or a local development one. */
  ptauInfo: () => { file: string, secure: boolean } | null
  close: () => Promise<void>
}
