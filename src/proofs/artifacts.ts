/**
 * The files of a built circuit directory and circuit.json's shape: written by setup.ts, read by the
 * prover, the verifier and the jobs. Its own module so that the lower steps (prove, verify) need not
 * import the build.
 */
export type ProofSystem = 'groth16' | 'plonk'

/** circuit.json: everything a verifier or decoder needs besides the keys. */
export interface CircuitMeta {
  format: 'zkpredict-circuit-v1'
  proofSystem: ProofSystem
  nInputs: number
  /** Public signal names in order. */
  publicSignals: string[]
  inputFracBits: number
  logitScaleBits: number
  activationFracBits: number
  weightFracBits: number
  threshold: number
  /** ceil(logit(threshold) * 2^logitScaleBits), decimal. */
  thresholdQ: string
  /** Supported raw range per input [min, max). */
  inputRanges: { min: number, max: number }[]
  featureNames: string[] | null
  constraints: number
  plonkGates: number | null
  /** log2 of the evaluation domain the setup used. */
  power: number
  onnx_sha256: string
  r1cs_sha256: string
  wasm_sha256: string
  zkey_sha256: string
  vk_sha256: string
  ptau: { power: number, insecure: boolean, file: string }
  timings: { transpileMs: number, compileMs: number, setupMs: number, totalMs: number }
  /** The full fixed-point plan (bigints as strings): weights, biases, widths. */
  plan: unknown
}

export const ARTIFACT_FILES = {
  source: 'circuit.circom',
  r1cs: 'circuit.r1cs',
  wasm: 'circuit.wasm',
  zkey: 'circuit.zkey',
  vk: 'verification_key.json',
  verifier: 'verifier.sol',
  meta: 'circuit.json'
} as const
