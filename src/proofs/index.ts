/**
 * zk proofs of model outputs: the public API of src/proofs. See README.md in this folder for the
 * number format, the public signals and the trust model.
 */
export { parseOnnx } from './onnx-graph.js'
export { extractModel, transpile, type FloatModel, type Transpiled } from './transpile.js'
export { DEFAULT_QUANT, quantizeModel, estimateConstraints, type CircuitPlan, type QuantParams } from './quantize.js'
export { evaluatePlan, quantizeInputs, InputRangeError } from './evaluate.js'
export { circomSource } from './circom-source.js'
export { compileCircuit } from './compile.js'
export { readR1csHeader, groth16Power, plonkGateCount, plonkPower } from './r1cs.js'
export { resolvePtau, makeDevPtau, readPtauHeader, type PtauInfo } from './ptau.js'
export { buildCircuit, loadArtifacts, defaultPtauCacheDir, ARTIFACT_FILES, type BuildOptions, type CircuitArtifacts, type CircuitMeta, type ProofSystem } from './setup.js'
export { prove, loadProver, evictProver, releaseProvers, type ProveResult, type ProofOutput } from './prove.js'
export { verifyProof, verifyProofTimed, type VerifyResult } from './verify.js'
export { decodePublicSignals, sigmoid, BN254_P, type DecodedSignals, type SignalLayout } from './signals.js'
export { ProverPool, PoolQueueFullError, PoolClosedError, type ProverPoolOptions, type PoolStats } from './prover-pool.js'
export { solidityCallData, encodeVerifierArgs, verifierSignature } from './solidity.js'
export type { ProofLogger } from './logger.js'
