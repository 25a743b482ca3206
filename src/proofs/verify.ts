/**
 * Proof verification with snarkjs, hardened for untrusted input: verifyProof never throws. Anything
 * malformed (wrong shapes, non-numeric strings, values >= p, points not on the curve, a key of the
 * other proof system, a signal count that does not match the key) is simply `false`, with the reason
 * available from verifyProofTimed. Only a proof that checks against this exact verification key and
 * these exact public signals is `true`.
 */
import * as snarkjs from 'snarkjs'
import type { ProofSystem } from './setup.js'
import { BN254_P } from './signals.js'

export interface VerifyResult {
  verified: boolean
  verification_ms: number
  /** Why a proof was rejected before the pairing check (malformed input); absent when checked. */
  reason?: string
}

const DEC = /^[0-9]{1,78}$/
const noop = (): void => {}
const SILENT = { debug: noop, info: noop, warn: noop, error: noop }

function isFieldString (v: unknown, modulus = BN254_P): boolean {
  return typeof v === 'string' && DEC.test(v) && BigInt(v) < modulus
}

/** BN254 base field: proof coordinates live here. */
const BN254_Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n

function isG1 (v: unknown): boolean {
  return Array.isArray(v) && v.length === 3 && v.every((c) => isFieldString(c, BN254_Q))
}

function isG2 (v: unknown): boolean {
  return Array.isArray(v) && v.length === 3 && v.every((c) => Array.isArray(c) && c.length === 2 && c.every((x) => isFieldString(x, BN254_Q)))
}

const PLONK_G1 = ['A', 'B', 'C', 'Z', 'T1', 'T2', 'T3', 'Wxi', 'Wxiw']
const PLONK_FR = ['eval_a', 'eval_b', 'eval_c', 'eval_s1', 'eval_s2', 'eval_zw']

function malformed (system: ProofSystem, vk: unknown, publicSignals: unknown, proof: unknown): string | null {
  if (system !== 'groth16' && system !== 'plonk') return `unknown proof system ${String(system)}`
  if (!vk || typeof vk !== 'object') return 'verification key is not an object'
  const k = vk as Record<string, unknown>
  if (k.protocol !== system) return `verification key is for ${String(k.protocol)}, not ${system}`
  if (k.curve !== 'bn128') return 'verification key is not for BN254'
  if (!Array.isArray(publicSignals)) return 'public signals are not an array'
  if (publicSignals.length !== k.nPublic) return `expected ${String(k.nPublic)} public signals, got ${publicSignals.length}`
  if (!publicSignals.every((s) => isFieldString(s))) return 'a public signal is not a decimal field element'
  if (!proof || typeof proof !== 'object') return 'proof is not an object'
  const p = proof as Record<string, unknown>
  if (p.protocol !== undefined && p.protocol !== system) return `proof is a ${String(p.protocol)} proof`
  if (system === 'groth16') {
    if (!isG1(p.pi_a) || !isG2(p.pi_b) || !isG1(p.pi_c)) return 'proof points are malformed'
  } else {
    if (!PLONK_G1.every((f) => isG1(p[f]))) return 'proof commitments are malformed'
    if (!PLONK_FR.every((f) => isFieldString(p[f]))) return 'proof evaluations are malformed'
  }
  return null
}

/** Verifies a proof; never throws. */
export async function verifyProofTimed (system: ProofSystem, vk: unknown, publicSignals: unknown, proof: unknown): Promise<VerifyResult> {
  const t0 = performance.now()
  const reason = malformed(system, vk, publicSignals, proof)
  if (reason) return { verified: false, verification_ms: performance.now() - t0, reason }
  let verified = false
  try {
    // A silent logger: snarkjs would print "Invalid proof" for every rejection (and plonk verify
    // dereferences its logger on malformed commitments)
    const fn = system === 'groth16' ? snarkjs.groth16.verify : snarkjs.plonk.verify
    verified = (await fn(vk as snarkjs.VerificationKey, publicSignals as string[], proof as snarkjs.Proof, SILENT)) === true
  } catch (err) {
    return { verified: false, verification_ms: performance.now() - t0, reason: `verifier error: ${(err as Error).message}` }
  }
  return { verified, verification_ms: performance.now() - t0 }
}

/** true iff `proof` is valid for `publicSignals` under `vk`; false for anything else (never throws). */
export async function verifyProof (system: ProofSystem, vk: unknown, publicSignals: unknown, proof: unknown): Promise<boolean> {
  return (await verifyProofTimed(system, vk, publicSignals, proof)).verified
}
