/**
 * zk proofs of model outputs: the public API of src/proofs. See README.md in this folder for the
 * number format, the public signals and the trust model.
 *
 * One module per verb, in the order data flows; a module imports only modules above it in this list,
 * and the compositions (transpile, setup, prove) are verbs of their own, like snarkjs's fullprove:
 *   signals, artifacts, logger, curve, r1cs, ptau, compile   shared facts and single steps
 *   extract (ONNX -> float model) -> quantize (-> plan) -> circom-source (-> circom) => transpile
 *   evaluate (exact bigint evaluation of a plan)
 *   setup (transpile + compile + ptau + keys, into one artifact directory)
 *   zkey (parse a Groth16 key) -> groth16-prove (the prover) -> prover-cache (loaded provers) => prove
 *   verify, solidity, prover-pool (+ prover-worker: prove in worker threads)
 *   batch-layout (packed public words) -> batch-circuit => batch-setup; batch-prove; batch-verify,
 *   batch-solidity, batch-cli: one proof for many rows (README.md, "Batch proofs")
 */
export { extractModel, type FloatModel, type FloatLayer } from './extract.js'
export { transpile, type Transpiled } from './transpile.js'
export { DEFAULT_QUANT, quantizeModel, type CircuitPlan, type QuantParams } from './quantize.js'
export { evaluatePlan, quantizeInputs, InputRangeError } from './evaluate.js'
export { circomSource } from './circom-source.js'
export { compileCircuit } from './compile.js'
export { readR1csHeader, groth16Power, plonkGateCount, plonkPower } from './r1cs.js'
export { resolvePtau, makeDevPtau, readPtauHeader, type PtauInfo } from './ptau.js'
export { ARTIFACT_FILES, type CircuitMeta, type ProofSystem } from './artifacts.js'
export { buildCircuit, loadArtifacts, defaultPtauCacheDir, type BuildOptions, type CircuitArtifacts } from './setup.js'
export { loadProver, evictProver, releaseProvers, setProverCacheSize, DEFAULT_PROVER_CACHE_SIZE } from './prover-cache.js'
export { prove, type ProveResult, type ProofOutput } from './prove.js'
export { verifyProof, verifyProofTimed, type VerifyResult } from './verify.js'
export { decodePublicSignals, sigmoid, BN254_P, type DecodedSignals, type SignalLayout } from './signals.js'
export { ProverPool, PoolQueueFullError, PoolClosedError, type ProverPoolOptions, type PoolStats } from './prover-pool.js'
export { solidityCallData, encodeVerifierArgs, verifierSignature } from './solidity.js'
export type { ProofLogger } from './logger.js'
export {
  batchLayout, packRows, unpackWords, decodeRow, layoutFromJSON, type BatchLayout, type BatchRowQ, type DecodedBatchRow
} from './batch-layout.js'
export { buildBatchCircuit, loadBatchArtifacts, type BatchArtifacts, type BatchMeta } from './batch-setup.js'
export { proveBatch, BatchInputRangeError, type BatchProveResult } from './batch-prove.js'
export { checkBatchBundle, type BatchBundle, type BatchCheck } from './batch-verify.js'
export { batchVerifierSolidity, batchCallArgs, encodeBatchCall, BATCH_VERIFY_SIGNATURE } from './batch-solidity.js'
export { batchSizes, batchSizeFor, batchPower, batchPtau, largestPtau, PtauTooSmallError, type BatchPtau } from './batch-sizes.js'
