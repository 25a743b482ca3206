/**
 * Fixed-point number format of the circuits, and the quantization of a FloatModel into a CircuitPlan
 * (every constant and every bit width the circom source uses).
 *
 * ## Number format
 * Every value is a signed integer z standing for the real z / 2^f for a documented f ("scale bits");
 * in the circuit z is the field element z mod p (BN254 scalar field, p ~ 2^253.6), so a negative z is
 * p - |z|. Rounding is "to nearest, ties toward +infinity" (JavaScript Math.round) unless said.
 *
 * | value | scale | how it is bounded in the circuit |
 * |---|---|---|
 * | public input x_q = round(x * 2^24) (raw feature value x, as the client sent it) | 2^24 (`inputFracBits`) | Num2Bits(n_i) of v_i = x_q - center_q + 2^(n_i-1): x_q in [center_q - 2^(n_i-1), center_q + 2^(n_i-1)) |
 * | vt_i = round(v_i / 2^d_i), the input with the bits below the model's resolution dropped | 2^(24-d_i) | linear in the bits above, no constraint |
 * | first-layer accumulator acc1_j = sum_i W1q_ji vt_i + B1q_j (scaler folded in, per-column weight scales) | 2^36 | Num2Bits(K) in the ReLU |
 * | hidden activation h = relu(round(acc / 2^20)) | 2^16 (`activationFracBits`) | 0 <= h <= bound, from the ReLU bits |
 * | hidden weights Wq = round(W * 2^20), biases round(b * 2^36) | 2^20 / 2^36 (`weightFracBits`) | constants |
 * | logit (public) = sum Wq h + bq, never rescaled | 2^36 (`logitScaleBits`) | Num2Bits(K) in the label comparison |
 * | label (public) = [logit >= thresholdQ], thresholdQ = ceil(ln(t / (1 - t)) * 2^36) | bit | the top bit of that comparison |
 *
 * ### The supported input range
 * For the scaler u_i = alpha_i * x_i + beta_i (alpha_i = 1 / (max - min), the ONNX Sub/Mul constants)
 * the centre is center_i = -beta_i / alpha_i (= min_i) and the circuit accepts
 * |x_i - center_i| < 2^(n_i-1) / 2^24 where 2^(n_i-1) >= U / |alpha_i| * 2^24 and U = 2^8
 * (`rangeFactorBits`): every feature may lie anywhere within its training range widened 256 times its
 * width on both sides (a zero-range column, which the scaler divides by 1, within +-256 of its value;
 * a model without scaler, whose inputs are already scaled, within +-256). The exact per-column bounds
 * are in the plan (`inputs[i].min` / `max`) and in circuit.json `inputRanges`. An input outside fails witness generation (no
 * proof), it never produces a proof of a wrong output.
 *
 * ### Why these scales
 * The scaler multiplies raw values up to ~1e11 by ~1e-11. Folding it into the first layer as one
 * tiny weight per column would need ~2^60 weight scales and ~100-bit range checks per neuron. Instead
 * each column keeps only the input bits that matter at a resolution of 2^-20 of its scaled value
 * (d_i low bits dropped, for free: they are already bits of the range check) and gets its own weight
 * scale 2^(36 - 24 + d_i) so that every product lands on the common accumulator scale 2^36. The offset
 * (min, box centre) is subtracted in exact integer arithmetic (folded into B1q with the *quantized*
 * weights), so no catastrophic cancellation happens whatever the magnitude of min.
 *
 * ### Soundness
 * Each rescaling (division by 2^s) is a Num2Bits decomposition of the whole shifted accumulator:
 * its low s bits are the remainder, the middle bits the quotient and the top bit the sign, so the
 * remainder is range-checked, the quotient is bounded and the ReLU's sign is constrained by the same
 * bits. Widths come from interval arithmetic over the supported input box, so an honest input never
 * fails a check, and every intermediate stays far below p/2 (checked here: < 2^250), so nothing wraps.
 */
import { NotProvableError } from '../errors.js'
import type { FloatModel } from './extract.js'

export interface QuantParams {
  /** Public inputs are round(x * 2^inputFracBits). */
  inputFracBits: number
  /** Supported scaled-feature range: |u| <= 2^rangeFactorBits (times the training width). */
  rangeFactorBits: number
  /** Resolution kept for each scaled first-layer input: 2^-firstLayerResolutionBits. */
  firstLayerResolutionBits: number
  /** Hidden activations scale. */
  activationFracBits: number
  /** Hidden-layer weights scale; accumulators are at activationFracBits + weightFracBits. */
  weightFracBits: number
}

export const DEFAULT_QUANT: QuantParams = {
  inputFracBits: 24,
  rangeFactorBits: 8,
  firstLayerResolutionBits: 20,
  activationFracBits: 16,
  weightFracBits: 20
}

export interface PlanInput {
  /** Box centre, quantized at the input scale (min of the scaler column). */
  centerQ: bigint
  /** Range check width: x_q - centerQ + 2^(bits-1) in [0, 2^bits). */
  bits: number
  /** Low bits dropped before the first layer (vt = round(v / 2^drop)). */
  drop: number
  /** Supported raw range, inclusive min / exclusive max (informative, as floats). */
  min: number
  max: number
}

export interface PlanLayer {
  /** Integer weights [out][in] at the layer's weight scale. */
  weights: bigint[][]
  /** Integer constants added to each accumulator (layer 1: including the scaler offsets). */
  bias: bigint[]
  /** Accumulator scale: acc / 2^scaleBits is the real pre-activation. */
  scaleBits: number
  relu: boolean
  /** ReLU layers: division by 2^shift after the ReLU (scaleBits - activationFracBits). */
  shift: number
  /** ReLU layers: Num2Bits width per neuron. */
  bits: number[]
  /** Accumulator interval over the supported input box. */
  accMin: bigint[]
  accMax: bigint[]
  /** ReLU layers: activation upper bound. */
  outMax: bigint[]
}

export interface CircuitPlan {
  format: 'zkpredict-fixed-point-v1'
  params: QuantParams
  nInputs: number
  inputs: PlanInput[]
  layers: PlanLayer[]
  logitScaleBits: number
  threshold: number
  thresholdQ: bigint
  labelBits: number
}

/** Largest bit width any intermediate may need; p > 2^253, so 2^250 leaves room for sign offsets. */
const MAX_BITS = 250

export function bitLength (v: bigint): number {
  if (v < 0n) throw new Error('bitLength of a negative number')
  return v === 0n ? 0 : v.toString(2).length
}

/** round(v) as a bigint; throws on non-finite values. */
export function roundBig (v: number): bigint {
  if (!Number.isFinite(v)) throw new NotProvableError(`cannot quantize ${v}`)
  return BigInt(Math.round(v))
}

function pow2 (n: number): bigint {
  return 1n << BigInt(n)
}

/** Smallest K (>= min) with -2^(K-1) <= lo and hi < 2^(K-1): the width of a signed range check. */
function signedBits (lo: bigint, hi: bigint, min: number): number {
  const need = Math.max(bitLength(hi > 0n ? hi : 0n), bitLength(lo < 0n ? -lo - 1n : 0n)) + 1
  return Math.max(need, min)
}

export function quantizeModel (model: FloatModel, params: QuantParams = DEFAULT_QUANT): CircuitPlan {
  const k = params.inputFracBits
  const U = 2 ** params.rangeFactorBits
  const kA = params.activationFracBits
  const kW = params.weightFracBits
  const T = kA + kW
  if (T - kA < 1) throw new Error('weightFracBits must be >= 1')

  const inputs: PlanInput[] = []
  const e: number[] = []
  for (let i = 0; i < model.nInputs; i++) {
    const a = model.alpha[i]
    const b = model.beta[i]
    let centre = 0
    let bits: number
    let drop: number
    if (a === 0) {
      // The model ignores this column; it is still range-checked so the public value means something
      bits = k + 41
      drop = bits - 1
    } else {
      centre = -b / a
      const half = U / Math.abs(a) * 2 ** k
      bits = Math.max(1, Math.ceil(Math.log2(half))) + 1
      // Beyond |x - centre| >= 2^64 nothing realistic remains; keeps range checks small
      bits = Math.min(bits, k + 65)
      drop = Math.floor(k - params.firstLayerResolutionBits - Math.log2(Math.abs(a)))
      drop = Math.max(0, Math.min(drop, bits - 1))
    }
    const centerQ = roundBig(centre * 2 ** k)
    if (bitLength(centerQ < 0n ? -centerQ : centerQ) > k + 80) {
      throw new NotProvableError(`input column ${i}: scaler offset ${centre} is too large`)
    }
    e.push(a === 0 ? 0 : (Number(centerQ) - centre * 2 ** k) / 2 ** k)
    const halfQ = pow2(bits - 1)
    inputs.push({
      centerQ,
      bits,
      drop,
      min: Number(centerQ - halfQ) / 2 ** k,
      max: Number(centerQ + halfQ) / 2 ** k
    })
  }

  const layers: PlanLayer[] = []
  // Interval of each current activation (layer 1: vt_i in [0, 2^(bits - drop)])
  let inLo: bigint[] = inputs.map(() => 0n)
  let inHi: bigint[] = inputs.map((c) => pow2(c.bits - c.drop))

  model.layers.forEach((layer, li) => {
    const first = li === 0
    const weights: bigint[][] = []
    const bias: bigint[] = []
    for (let o = 0; o < layer.weights.length; o++) {
      const row = layer.weights[o]
      let realBias = layer.bias[o]
      let wq: bigint[]
      if (first) {
        // acc1 = sum_i Wq_i (vt_i - C_i) + bq, C_i = 2^(bits - 1 - drop): the box centre in vt units
        wq = row.map((w, i) => roundBig(w * model.alpha[i] * 2 ** (inputs[i].drop - k + T)))
        for (let i = 0; i < row.length; i++) {
          if (model.alpha[i] === 0) realBias += row[i] * model.beta[i]
          else realBias += row[i] * model.alpha[i] * e[i]
        }
        let bq = roundBig(realBias * 2 ** T)
        for (let i = 0; i < row.length; i++) bq -= wq[i] * pow2(inputs[i].bits - 1 - inputs[i].drop)
        bias.push(bq)
      } else {
        wq = row.map((w) => roundBig(w * 2 ** kW))
        bias.push(roundBig(realBias * 2 ** T))
      }
      weights.push(wq)
    }
    const accMin: bigint[] = []
    const accMax: bigint[] = []
    for (let o = 0; o < weights.length; o++) {
      let lo = bias[o]
      let hi = bias[o]
      weights[o].forEach((w, i) => {
        if (w >= 0n) { lo += w * inLo[i]; hi += w * inHi[i] } else { lo += w * inHi[i]; hi += w * inLo[i] }
      })
      accMin.push(lo)
      accMax.push(hi)
    }
    const shift = T - kA
    const R = pow2(shift - 1)
    const bits: number[] = []
    const outMax: bigint[] = []
    if (layer.relu) {
      for (let o = 0; o < weights.length; o++) {
        bits.push(signedBits(accMin[o] + R, accMax[o] + R, shift + 1))
        const hi = accMax[o] + R
        outMax.push(hi >= 0n ? hi >> BigInt(shift) : 0n)
      }
    }
    for (const kb of bits) {
      if (kb > MAX_BITS) throw new NotProvableError(`layer ${li + 1} needs ${kb}-bit intermediates; the field allows ${MAX_BITS}`)
    }
    layers.push({ weights, bias, scaleBits: T, relu: layer.relu, shift: layer.relu ? shift : 0, bits, accMin, accMax, outMax })
    inLo = outMax.map(() => 0n)
    inHi = outMax
  })

  const out = layers[layers.length - 1]
  const thrLogit = Math.log(model.threshold / (1 - model.threshold))
  const thresholdQ = BigInt(Math.ceil(thrLogit * 2 ** T))
  const labelBits = signedBits(out.accMin[0] - thresholdQ, out.accMax[0] - thresholdQ, 2)
  if (labelBits > MAX_BITS) throw new NotProvableError(`the logit needs ${labelBits} bits; the field allows ${MAX_BITS}`)

  return {
    format: 'zkpredict-fixed-point-v1',
    params,
    nInputs: model.nInputs,
    inputs,
    layers,
    logitScaleBits: T,
    threshold: model.threshold,
    thresholdQ,
    labelBits
  }
}

/** JSON-safe form of a plan (bigints as decimal strings). */
export function planToJSON (plan: CircuitPlan): unknown {
  return JSON.parse(JSON.stringify(plan, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)))
}

export function planFromJSON (json: unknown): CircuitPlan {
  const p = json as Record<string, any>
  const big = (v: string | number) => BigInt(v)
  return {
    ...(p as CircuitPlan),
    inputs: p.inputs.map((c: Record<string, any>) => ({ ...c, centerQ: big(c.centerQ) })),
    layers: p.layers.map((l: Record<string, any>) => ({
      ...l,
      weights: l.weights.map((r: string[]) => r.map(big)),
      bias: l.bias.map(big),
      accMin: l.accMin.map(big),
      accMax: l.accMax.map(big),
      outMax: l.outMax.map(big)
    })),
    thresholdQ: big(p.thresholdQ)
  }
}
