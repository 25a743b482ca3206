/**
 * Exact integer evaluation of a private model, step for step what the circuit computes: the prover
 * runs it first so that an input outside the supported box fails with InputRangeError (no proof)
 * instead of a witness assertion, and the proven output is checked against it.
 */
import { InputRangeError } from '../evaluate.js'
import { toField } from '../signals.js'
import { FMT, RELU_SHIFT, SCALE_SHIFT, type ArchitecturePlan, type PrivateParams } from './format.js'

const pow2 = (n: number) => 1n << BigInt(n)

export interface PrivateEvaluation {
  xq: bigint[]
  u: bigint[]
  logitQ: bigint
  label: 0 | 1
}

export function quantizePrivateInputs (plan: ArchitecturePlan, raw: readonly number[]): bigint[] {
  const n = plan.sizes[0]
  if (raw.length !== n) throw new InputRangeError(`expected ${n} input values, got ${raw.length}`, -1)
  return raw.map((x, i) => {
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new InputRangeError(`input ${i} is not a finite number`, i)
    return BigInt(Math.round(x * 2 ** FMT.inputFracBits))
  })
}

export function evaluatePrivate (plan: ArchitecturePlan, p: PrivateParams, xq: readonly bigint[]): PrivateEvaluation {
  const dHalf = pow2(FMT.inputFracBits + FMT.inputIntBits)
  const uHalf = pow2(FMT.scaledFracBits + FMT.scaledIntBits)
  const u = xq.map((x, i) => {
    const d = x - p.centre[i]
    const raw = Number(x) / 2 ** FMT.inputFracBits
    if (d < -dHalf || d >= dHalf) throw new InputRangeError(`input ${i} = ${raw} is outside the provable range of this model`, i)
    const t = p.alpha[i] * d + pow2(SCALE_SHIFT - 1)
    // floor division (t may be negative)
    const q = t >= 0n ? t >> BigInt(SCALE_SHIFT) : -((-t + pow2(SCALE_SHIFT) - 1n) >> BigInt(SCALE_SHIFT))
    if (q < -uHalf || q >= uHalf) {
      throw new InputRangeError(`input ${i} = ${raw} is outside the provable range of this model (more than 256 training widths out)`, i)
    }
    return q
  })
  let cur = u
  let logitQ = 0n
  p.weights.forEach((W, l) => {
    const acc = W.map((row, o) => row.reduce((s, w, i) => s + w * cur[i], p.bias[l][o] * pow2(FMT.weightFracBits)))
    if (l === p.weights.length - 1) { logitQ = acc[0]; return }
    cur = acc.map((a) => {
      const s = a + pow2(RELU_SHIFT - 1)
      return s >= 0n ? s >> BigInt(RELU_SHIFT) : 0n
    })
  })
  const label = logitQ >= p.threshold * pow2(FMT.weightFracBits) ? 1 : 0
  // The label's range check holds by construction of the widths (planArchitecture); keep the plan honest
  if (logitQ - p.threshold * pow2(FMT.weightFracBits) >= pow2(plan.labelBits - 1)) {
    throw new Error('label width too small: the architecture plan is wrong')
  }
  return { xq: [...xq], u, logitQ, label }
}

/** The circom input object (all values as field elements, decimal). */
export function privateCircuitInput (p: PrivateParams, xq: readonly bigint[], salt: bigint): Record<string, unknown> {
  const f = (v: bigint) => toField(v).toString()
  const input: Record<string, unknown> = {
    x: xq.map(f),
    centre: p.centre.map(f),
    alpha: p.alpha.map(f),
    thr: f(p.threshold),
    salt: f(salt)
  }
  p.weights.forEach((W, l) => {
    input[`w${l + 1}`] = W.map((r) => r.map(f))
    input[`b${l + 1}`] = p.bias[l].map(f)
  })
  return input
}
