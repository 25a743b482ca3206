/**
 * Verifying a private proof = the Groth16 check against the ARCHITECTURE's verification key, plus
 * one comparison: public signal 0 must equal the commitment the version published. The first says
 * "some parameters that hash to signal 0 map these inputs to this logit and label"; the second pins
 * those parameters to this version's model. Never throws.
 */
import { verifyProofTimed, type VerifyResult } from '../verify.js'

export async function verifyPrivateProof (vk: unknown, publicSignals: unknown, proof: unknown, commitment: string): Promise<VerifyResult> {
  const t0 = performance.now()
  if (!Array.isArray(publicSignals) || typeof publicSignals[0] !== 'string') {
    return { verified: false, verification_ms: performance.now() - t0, reason: 'public signals are not an array of decimal strings' }
  }
  if (!/^[0-9]{1,78}$/.test(commitment) || publicSignals[0] !== BigInt(commitment).toString()) {
    return { verified: false, verification_ms: performance.now() - t0, reason: 'public signal 0 is not the published commitment' }
  }
  return verifyProofTimed('groth16', vk, publicSignals, proof)
}
