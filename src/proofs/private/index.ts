/**
 * Private models (issue 14): one circuit and one setup per architecture, the model's parameters as
 * private inputs, a public Poseidon commitment. See src/proofs/README.md, "Private models".
 */
export {
  FMT, WIDTH, PRIVATE_FORMAT, architectureId, planArchitecture, quantizePrivate, checkParams, packParams, paramsToJSON, paramsFromJSON,
  type Architecture, type ArchitecturePlan, type PrivateParams
} from './format.js'
export { commitParams, newSalt } from './commitment.js'
export { privateCircomSource } from './circuit.js'
export { evaluatePrivate, quantizePrivateInputs } from './evaluate.js'
export {
  buildArchitecture, loadArchitecture, publicSignalNames, PRIVATE_FILES, type ArchitectureMeta, type PrivateArtifacts
} from './setup.js'
export { provePrivate, decodePrivateSignals, loadPrivateProver, evictPrivateProver, type PrivateProveResult } from './prove.js'
export { verifyPrivateProof } from './verify.js'
export { readContributions, type Contribution } from './zkey-contributions.js'
export { exportCeremonyStart, installCeremonyKey } from './ceremony.js'
export {
  privateBatchCircomSource, privateBatchLayout, privateBatchCircuitId, privateLogitBits, PRIVATE_X_BITS
} from './batch-circuit.js'
export {
  buildPrivateBatch, loadPrivateBatch, PRIVATE_BATCH_VERIFIER_FILE, type PrivateBatchMeta, type PrivateBatchArtifacts
} from './batch-setup.js'
export { provePrivateBatch, evaluatePrivateRows, PRIVATE_LOGIT_SCALE_BITS, type PrivateBatchProveResult } from './batch-prove.js'
export { verifyPrivateBatch } from './batch-verify.js'
