/**
 * Checking a batch bundle off-chain: the Groth16 proof against the bundle's verification key and
 * public words (verify.ts, the same check stock `snarkjs groth16 verify` makes), and then that the
 * words are exactly the packing of the rows the bundle shows (batch-layout.ts): the rows a user
 * reads are decoded from the proven words, never taken on trust from the bundle's JSON.
 *
 * What the check does not give by itself: which model. The verification key binds the circuit, and
 * the layout (offsets and widths) comes from the same circuit.json; compare vk_sha256 with the one
 * the model's publisher gives (GET /models/{name}/versions/{v}), as for single proofs.
 */
import { createHash } from 'node:crypto'
import { decodeRow, layoutFromJSON, packRows, unpackWords, type BatchLayout, type DecodedBatchRow } from './batch-layout.js'
import { verifyProofTimed } from './verify.js'

/** The downloadable bundle of a batch proof (GET /proofs/{id}/download). */
export interface BatchBundle {
  kind: 'batch'
  proof_system: 'groth16'
  proof: unknown
  public_signals: string[]
  verification_key: unknown
  model?: { name: string, version: number, onnx_sha256: string }
  /** A private version's batch (src/proofs/private/batch-circuit.ts): public signal 0 is this commitment, the words follow */
  commitment?: string
  circuit_id?: string
  batch: {
    size: number
    inputFracBits: number
    logitScaleBits: number
    layout: unknown
  }
  /** The request rows as the service printed them. */
  rows: DecodedBatchRow[]
}

export interface BatchCheck {
  verified: boolean
  /** The proof checks AND the words are exactly the packing of `rows`. */
  rowsMatch: boolean
  /** Rows decoded from the proven words (what the proof is about). */
  rows: DecodedBatchRow[]
  verification_ms: number
  vk_sha256: string
  reason?: string
}

function sameRow (a: DecodedBatchRow, b: DecodedBatchRow): boolean {
  return a.label === b.label && a.logit === b.logit && a.inputs.length === b.inputs.length && a.inputs.every((v, i) => v === b.inputs[i])
}

/**
 * `commitment`: the commitment the verifier pinned for a private version (else the bundle's own, if
 * any). A private batch's public signal 0 must equal it; the words are the signals after it.
 */
export async function checkBatchBundle (bundle: BatchBundle, commitment?: string): Promise<BatchCheck> {
  const vkSha256 = createHash('sha256').update(JSON.stringify(bundle?.verification_key ?? null, null, 1)).digest('hex')
  const fail = (reason: string, verificationMs = 0): BatchCheck =>
    ({ verified: false, rowsMatch: false, rows: [], verification_ms: verificationMs, vk_sha256: vkSha256, reason })
  if (bundle?.kind !== 'batch' || bundle.proof_system !== 'groth16' || bundle.batch == null) return fail('not a batch bundle')
  const pinned = commitment ?? bundle.commitment
  if (pinned != null) {
    const s0 = Array.isArray(bundle.public_signals) ? bundle.public_signals[0] : undefined
    if (!/^[0-9]{1,78}$/.test(pinned) || typeof s0 !== 'string' || s0 !== BigInt(pinned).toString()) {
      return fail('public signal 0 is not the published commitment')
    }
  }
  const v = await verifyProofTimed('groth16', bundle.verification_key, bundle.public_signals, bundle.proof)
  if (!v.verified) return fail(v.reason ?? 'the proof does not verify', v.verification_ms)
  const words = pinned != null ? bundle.public_signals.slice(1) : bundle.public_signals
  let layout: BatchLayout
  let decoded: DecodedBatchRow[]
  try {
    layout = layoutFromJSON(bundle.batch.layout)
    const un = unpackWords(layout, words)
    if (!un.canonical) return { ...fail('padding rows are not canonical', v.verification_ms), verified: true }
    // Re-pack what was decoded: the words must be exactly that packing (no stray bits, no aliasing)
    const again = packRows(layout, un.rows)
    if (again.some((w, i) => w.toString() !== words[i])) {
      return { ...fail('the words are not a packing of rows', v.verification_ms), verified: true }
    }
    decoded = un.rows.map((r) => decodeRow(r, bundle.batch))
  } catch (err) {
    return { ...fail(`cannot decode the public signals: ${(err as Error).message}`, v.verification_ms), verified: true }
  }
  const shown = Array.isArray(bundle.rows) ? bundle.rows : []
  if (shown.length !== decoded.length) {
    const reason = `the bundle shows ${shown.length} rows, the proof has ${decoded.length}`
    return { verified: true, rowsMatch: false, rows: decoded, verification_ms: v.verification_ms, vk_sha256: vkSha256, reason }
  }
  const bad = decoded.findIndex((d, i) => !sameRow(d, shown[i]))
  if (bad >= 0) {
    const reason = `row ${bad} differs from what the proof proves`
    return { verified: true, rowsMatch: false, rows: decoded, verification_ms: v.verification_ms, vk_sha256: vkSha256, reason }
  }
  return { verified: true, rowsMatch: true, rows: decoded, verification_ms: v.verification_ms, vk_sha256: vkSha256 }
}
