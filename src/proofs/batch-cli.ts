/**
 * What `zkpredict proof verify FILE` and `zkpredict proof calldata FILE` do with a batch bundle,
 * offline: the proof with stock snarkjs (groth16 verify, the same call as `snarkjs groth16 verify`),
 * then the words against the rows the bundle shows (batch-verify.ts). The rows printed are decoded
 * from the proven words, so what the user reads is what was proven.
 */
import * as snarkjs from 'snarkjs'
import { layoutFromJSON } from './batch-layout.js'
import { batchCallArgs, type BatchCallArgs } from './batch-solidity.js'
import { checkBatchBundle, type BatchBundle } from './batch-verify.js'

export function isBatchBundle (b: unknown): b is BatchBundle {
  return typeof b === 'object' && b !== null && (b as { kind?: unknown }).kind === 'batch'
}

/** `commitment`: the one the user pinned for a private version (--commitment), else the bundle's own. */
export async function verifyBatchBundleText (bundle: BatchBundle, commitment?: string): Promise<{ ok: boolean, lines: string[] }> {
  const t0 = performance.now()
  const vk = bundle.verification_key as snarkjs.VerificationKey
  const stock = await snarkjs.groth16.verify(vk, bundle.public_signals, bundle.proof as snarkjs.Proof).catch(() => false)
  const ms = performance.now() - t0
  const check = await checkBatchBundle(bundle, commitment)
  const pinned = commitment ?? bundle.commitment
  const lines = [
    `verified: ${String(stock && check.verified)} (groth16 batch of ${bundle.batch?.size}, ` +
      `${bundle.public_signals?.length} public words, ` +
      `snarkjs ${ms.toFixed(1)} ms, offline)` +
      ` model ${bundle.model?.name} version ${bundle.model?.version} onnx_sha256 ${bundle.model?.onnx_sha256} vk_sha256 ${check.vk_sha256}`,
    `rows match the public signals: ${String(check.rowsMatch)}${check.reason ? ` (${check.reason})` : ''}`
  ]
  if (pinned != null) {
    lines.push(`private version: circuit ${String(bundle.circuit_id)}, public signal 0 = commitment ${pinned}: ` +
      `${String(bundle.public_signals?.[0] === pinned)} ` +
      `(${commitment != null ? 'pinned by you' : 'the bundle\'s; pin yours with --commitment'})`)
  }
  for (const [i, r] of check.rows.entries()) {
    lines.push(`${i}\tprobability ${r.probability.toFixed(6)}\tlabel ${r.label}\tlogit ${r.logit}\tinputs ${r.inputs.join(',')}`)
  }
  lines.push('note: this checks the proof against the key inside the bundle; compare vk_sha256 (or onnx_sha256) with the one ' +
    'the model\'s publisher gives.')
  return { ok: Boolean(stock) && check.verified && check.rowsMatch, lines }
}

/** The arguments of the batch contract's verifyBatch, decoded exactly from the proven words. */
export function batchBundleCallArgs (bundle: BatchBundle): BatchCallArgs {
  // A private batch's signal 0 is the commitment (its contract holds it, fixed at deployment): the words follow
  const words = bundle.commitment != null ? bundle.public_signals.slice(1) : bundle.public_signals
  return batchCallArgs(layoutFromJSON(bundle.batch.layout), bundle.proof as snarkjs.Proof, words)
}
