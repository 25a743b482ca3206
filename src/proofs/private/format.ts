/**
 * Private models: the fixed-point format of a circuit that depends only on the ARCHITECTURE (layer
 * sizes, ReLU hidden layers, this format) and takes the model's parameters as private inputs.
 *
 * Every parameter is a signed integer of a fixed width, range-checked in the circuit; every bound
 * below is therefore a property of the architecture, not of one model, so one circuit and one setup
 * serve every model of that architecture and the widths reveal nothing about the weights.
 *
 * | value | integer | scale | bound (checked) | bits |
 * |---|---|---|---|---|
 * | public input x_q = round(x * 2^24) | x_q | 2^24 | via d = x_q - m, |d| < 2^64 | 65 (d) |
 * | scaler centre m (the column min) | round(m * 2^24) | 2^24 | |m_q| < 2^64 (|m| < 2^40) | 65 |
 * | scaler factor alpha (1 / range) | round(alpha * 2^56) | 2^56 | |a_q| < 2^68 (|alpha| < 4096) | 69 |
 * | scaled input u = alpha (x - m) | round(a_q d / 2^60) | 2^20 | |u_q| < 2^28 (|u| < 256) | 89 (rescale + bound) |
 * | weights | round(w * 2^14) | 2^14 | |w_q| < 2^17 (|w| < 8) | 18 |
 * | biases, threshold logit | round(b * 2^20) | 2^20 | |b_q| < 2^28 (|b| < 256) | 29 |
 * | accumulators sum w_q h + b_q 2^14 | - | 2^34 | interval arithmetic over the bounds above | per layer |
 * | hidden activations relu(round(acc / 2^14)) | - | 2^20 | from the ReLU's bits | - |
 * | logit (public) | - | 2^34 | label comparison bits | - |
 *
 * The supported input box is |u| < 256: every feature within 256 training widths of its column min,
 * as in the public circuit (src/proofs/quantize.ts), and |x| < 2^40.
 */
import { createHash } from 'node:crypto'
import { NotProvableError } from '../../errors.js'
import type { FloatModel } from '../extract.js'

export const PRIVATE_FORMAT = 'zkpredict-private-fixed-point-v1'

/** Field elements are packed with at most this many bits (p > 2^253). */
export const PACK_BITS = 248

export const FMT = {
  inputFracBits: 24,
  /** |m_q|, |d| < 2^(inputFracBits + inputIntBits) */
  inputIntBits: 40,
  alphaFracBits: 56,
  alphaIntBits: 12,
  scaledFracBits: 20,
  scaledIntBits: 8,
  weightFracBits: 14,
  weightIntBits: 3,
  biasFracBits: 20,
  biasIntBits: 8,
  /** Hidden activations are at the bias scale, so acc = sum w h + b 2^weightFracBits is at 2^(20 + 14) */
  activationFracBits: 20
} as const

/** Signed widths (sign bit included) of each kind of private parameter. */
export const WIDTH = {
  centre: FMT.inputFracBits + FMT.inputIntBits + 1,
  alpha: FMT.alphaFracBits + FMT.alphaIntBits + 1,
  weight: FMT.weightFracBits + FMT.weightIntBits + 1,
  bias: FMT.biasFracBits + FMT.biasIntBits + 1
} as const

/** u_q = round(a_q d / 2^SCALE_SHIFT) */
export const SCALE_SHIFT = FMT.inputFracBits + FMT.alphaFracBits - FMT.scaledFracBits
export const ACC_BITS = FMT.activationFracBits + FMT.weightFracBits
export const RELU_SHIFT = ACC_BITS - FMT.activationFracBits

export interface Architecture {
  /** [inputs, hidden..., 1] */
  sizes: number[]
}

export interface LayerBounds {
  /** |acc| <= accMax over the whole format box */
  accMax: bigint
  /** ReLU layers: Num2Bits width of the shifted accumulator; 0 for the output layer */
  reluBits: number
  /** ReLU layers: 0 <= h <= outMax */
  outMax: bigint
}

export interface PackSlot {
  /** index into the flat parameter vector */
  index: number
  width: number
  /** bit position inside its field element */
  shift: number
}

export interface ArchitecturePlan {
  format: typeof PRIVATE_FORMAT
  id: string
  sizes: number[]
  fmt: typeof FMT
  width: typeof WIDTH
  layers: LayerBounds[]
  /** logit - threshold 2^14 fits a signed range check of this width */
  labelBits: number
  /** Number of private parameters (the flat vector, see paramNames) */
  nParams: number
  /** Packed field elements, in order; each is a list of slots */
  packing: PackSlot[][]
  /** Domain tag, the first input of the commitment hash: sha256(id) truncated to 248 bits */
  tag: bigint
}

const pow2 = (n: number) => 1n << BigInt(n)

export function bitLength (v: bigint): number {
  return v <= 0n ? 0 : v.toString(2).length
}

/** Width of a signed range check for values in [-m, m]: -2^(K-1) <= v < 2^(K-1). */
function signedBitsFor (m: bigint): number {
  return bitLength(m) + 1
}

export function architectureId (sizes: readonly number[]): string {
  return `mlp-${sizes.join('-')}-relu-pfx1`
}

export function checkArchitecture (sizes: readonly number[]): void {
  if (!Array.isArray(sizes) || sizes.length < 2 || sizes.some((s) => !Number.isInteger(s) || s < 1 || s > 1024)) {
    throw new NotProvableError(`architecture ${JSON.stringify(sizes)} is not a list of 2+ layer sizes in 1..1024`)
  }
  if (sizes[sizes.length - 1] !== 1) throw new NotProvableError('the last layer must have one output (the logit)')
}

/** Kinds of the flat parameter vector, in the order the circuit, the packer and the prover use. */
export type ParamKind = 'centre' | 'alpha' | 'weight' | 'bias'

export function paramKinds (sizes: readonly number[]): ParamKind[] {
  const k: ParamKind[] = []
  for (let i = 0; i < sizes[0]; i++) k.push('centre')
  for (let i = 0; i < sizes[0]; i++) k.push('alpha')
  for (let l = 1; l < sizes.length; l++) {
    for (let i = 0; i < sizes[l] * sizes[l - 1]; i++) k.push('weight')
    for (let i = 0; i < sizes[l]; i++) k.push('bias')
  }
  k.push('bias') // threshold logit
  return k
}

/** The per-architecture plan: widths from worst-case interval arithmetic over the format's bounds. */
export function planArchitecture (sizes: readonly number[]): ArchitecturePlan {
  checkArchitecture(sizes)
  const wMax = pow2(WIDTH.weight - 1)
  const bMax = pow2(WIDTH.bias - 1) * pow2(FMT.weightFracBits)
  let inMax = pow2(FMT.scaledFracBits + FMT.scaledIntBits)
  const layers: LayerBounds[] = []
  for (let l = 1; l < sizes.length; l++) {
    const accMax = BigInt(sizes[l - 1]) * wMax * inMax + bMax
    const last = l === sizes.length - 1
    if (last) {
      layers.push({ accMax, reluBits: 0, outMax: 0n })
    } else {
      // in + 2^(shift-1) must fit -2^(K-1) .. 2^(K-1)
      const reluBits = signedBitsFor(accMax + pow2(RELU_SHIFT - 1))
      const outMax = (accMax + pow2(RELU_SHIFT - 1)) >> BigInt(RELU_SHIFT)
      layers.push({ accMax, reluBits, outMax })
      inMax = outMax
    }
  }
  const labelBits = signedBitsFor(layers[layers.length - 1].accMax + bMax)
  const maxBits = Math.max(labelBits, ...layers.map((l) => l.reluBits))
  if (maxBits > 250) throw new NotProvableError(`architecture ${sizes.join('-')} needs ${maxBits}-bit intermediates; the field allows 250`)

  const kinds = paramKinds(sizes)
  const packing: PackSlot[][] = []
  let cur: PackSlot[] = []
  let used = 0
  kinds.forEach((kind, index) => {
    const width = WIDTH[kind]
    if (used + width > PACK_BITS) { packing.push(cur); cur = []; used = 0 }
    cur.push({ index, width, shift: used })
    used += width
  })
  if (cur.length) packing.push(cur)
  const id = architectureId(sizes)
  const tag = BigInt('0x' + createHash('sha256').update(`${PRIVATE_FORMAT}:${id}`).digest('hex').slice(0, 62))
  return { format: PRIVATE_FORMAT, id, sizes: [...sizes], fmt: FMT, width: WIDTH, layers, labelBits, nParams: kinds.length, packing, tag }
}

/** A model's quantized parameters (the private inputs), as signed integers. */
export interface PrivateParams {
  centre: bigint[]
  alpha: bigint[]
  /** weights[l][out][in] */
  weights: bigint[][][]
  bias: bigint[][]
  /** ceil(logit(threshold) * 2^20) */
  threshold: bigint
}

function roundBig (v: number, what: string): bigint {
  if (!Number.isFinite(v)) throw new NotProvableError(`${what} is not finite (${v})`)
  return BigInt(Math.round(v))
}

function checkWidth (v: bigint, width: number, what: string): bigint {
  const h = pow2(width - 1)
  if (v < -h || v >= h) throw new NotProvableError(`${what} = ${v} does not fit the private format (${width}-bit signed)`)
  return v
}

/** Quantizes a float model into the private format; NotProvableError names any parameter out of range. */
export function quantizePrivate (model: FloatModel): { arch: Architecture, params: PrivateParams } {
  const sizes = [model.nInputs, ...model.layers.map((l) => l.weights.length)]
  checkArchitecture(sizes)
  model.layers.forEach((l, i) => {
    if (l.relu !== (i < model.layers.length - 1)) {
      throw new NotProvableError('private circuits need ReLU on every hidden layer and none on the output')
    }
  })
  const fx = 2 ** FMT.inputFracBits
  const centre: bigint[] = []
  const alpha: bigint[] = []
  const firstBias = [...model.layers[0].bias]
  for (let i = 0; i < model.nInputs; i++) {
    const a = model.alpha[i]
    const b = model.beta[i]
    if (a === 0) {
      // u_i = beta_i whatever x_i: fold it into the first layer's bias, keep x_i range-checked
      centre.push(0n)
      alpha.push(0n)
      model.layers[0].weights.forEach((row, o) => { firstBias[o] += row[i] * b })
    } else {
      centre.push(checkWidth(roundBig(-b / a * fx, `scaler centre ${i}`), WIDTH.centre, `scaler centre of input ${i}`))
      alpha.push(checkWidth(roundBig(a * 2 ** FMT.alphaFracBits, `scaler factor ${i}`), WIDTH.alpha, `scaler factor of input ${i}`))
    }
  }
  const weights = model.layers.map((l, li) => l.weights.map((row, o) => row.map((w, i) =>
    checkWidth(roundBig(w * 2 ** FMT.weightFracBits, 'weight'), WIDTH.weight, `layer ${li + 1} weight [${o}][${i}] (${w})`))))
  const bias = model.layers.map((l, li) => (li === 0 ? firstBias : l.bias).map((b, o) =>
    checkWidth(roundBig(b * 2 ** FMT.biasFracBits, 'bias'), WIDTH.bias, `layer ${li + 1} bias [${o}] (${b})`)))
  const t = model.threshold
  const thr = BigInt(Math.ceil(Math.log(t / (1 - t)) * 2 ** FMT.biasFracBits))
  const threshold = checkWidth(thr, WIDTH.bias, `threshold logit (threshold ${t})`)
  return { arch: { sizes }, params: { centre, alpha, weights, bias, threshold } }
}

/** The flat parameter vector in paramKinds order. */
export function flattenParams (p: PrivateParams): bigint[] {
  return [...p.centre, ...p.alpha, ...p.weights.flatMap((W, l) => [...W.flat(), ...p.bias[l]]), p.threshold]
}

/** Range-checks every parameter against its width (what the circuit enforces). */
export function checkParams (plan: ArchitecturePlan, p: PrivateParams): void {
  const flat = flattenParams(p)
  if (flat.length !== plan.nParams) throw new NotProvableError(`expected ${plan.nParams} parameters for ${plan.id}, got ${flat.length}`)
  const kinds = paramKinds(plan.sizes)
  flat.forEach((v, i) => checkWidth(v, WIDTH[kinds[i]], `parameter ${i} (${kinds[i]})`))
}

/** Field elements hashed by the commitment: each slot holds v + 2^(width-1) (in [0, 2^width)). */
export function packParams (plan: ArchitecturePlan, p: PrivateParams): bigint[] {
  const flat = flattenParams(p)
  return plan.packing.map((slots) => slots.reduce((acc, s) => acc + ((flat[s.index] + pow2(s.width - 1)) << BigInt(s.shift)), 0n))
}

export function paramsToJSON (p: PrivateParams): unknown {
  return JSON.parse(JSON.stringify(p, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)))
}

export function paramsFromJSON (j: unknown): PrivateParams {
  const o = j as { centre: string[], alpha: string[], weights: string[][][], bias: string[][], threshold: string }
  return {
    centre: o.centre.map(BigInt),
    alpha: o.alpha.map(BigInt),
    weights: o.weights.map((W) => W.map((r) => r.map(BigInt))),
    bias: o.bias.map((b) => b.map(BigInt)),
    threshold: BigInt(o.threshold)
  }
}
