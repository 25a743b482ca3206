/**
 * Verifying a private batch = batch-verify.ts' check with the commitment pinned: public signal 0 must
 * equal the version's published commitment, the Groth16 proof must verify against the (architecture,
 * size) key, and the words after signal 0 must be exactly the packing of the rows shown. Together:
 * "the parameters committed to by this version map each shown input to its shown logit and label".
 * Never throws.
 */
import { checkBatchBundle, type BatchBundle, type BatchCheck } from '../batch-verify.js'

export async function verifyPrivateBatch (bundle: BatchBundle, commitment: string): Promise<BatchCheck> {
  return await checkBatchBundle(bundle, commitment)
}
