import type { SeededRandom } from '../seeded-random.js'
import type { DenseLayer } from './types.js'

/**
 * The reference net of docs/METHOD.md sec. 5: Linear(10,32) ReLU Linear(32,16) ReLU Linear(16,1) Sigmoid,
 * 897 parameters. Both recipes keep it so that the circuit (and so each proof) stays the same size.
 *
 * Parameters live in one flat Float32Array in this order: W1 [10x32] row-major (weights[i][j] maps
 * input i to output j, the tfjs kernel layout), b1, W2 [32x16], b2, W3 [16x1], b3. One flat vector
 * lets the trainer run Adam as a handful of tensor ops instead of a handful per layer.
 */
export const ARCHITECTURE = [10, 32, 16, 1] as const
export const ACTIVATIONS: DenseLayer['activation'][] = ['relu', 'relu', 'sigmoid']

export interface ParamLayout {
  /** [rows, cols] of each weight matrix then [cols] of its bias: W1, b1, W2, b2, W3, b3 */
  shapes: number[][]
  offsets: number[]
  sizes: number[]
  total: number
}

export function paramLayout (arch: readonly number[] = ARCHITECTURE): ParamLayout {
  const shapes: number[][] = []
  for (let l = 0; l + 1 < arch.length; l++) {
    shapes.push([arch[l], arch[l + 1]], [arch[l + 1]])
  }
  const sizes = shapes.map((s) => s.reduce((a, b) => a * b, 1))
  const offsets: number[] = []
  let total = 0
  for (const size of sizes) {
    offsets.push(total)
    total += size
  }
  return { shapes, offsets, sizes, total }
}

/**
 * PyTorch's nn.Linear default init: kaiming_uniform(a=sqrt(5)) on the weights and the bias both
 * come out as U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
 */
export function initParams (rng: SeededRandom, arch: readonly number[] = ARCHITECTURE): Float32Array {
  const layout = paramLayout(arch)
  const p = new Float32Array(layout.total)
  for (let l = 0; l + 1 < arch.length; l++) {
    const bound = 1 / Math.sqrt(arch[l])
    const w = 2 * l
    for (const k of [w, w + 1]) {
      const off = layout.offsets[k]
      for (let i = 0; i < layout.sizes[k]; i++) p[off + i] = rng.uniform(-bound, bound)
    }
  }
  return p
}

export function paramsToLayers (params: Float32Array, arch: readonly number[] = ARCHITECTURE): DenseLayer[] {
  const layout = paramLayout(arch)
  const layers: DenseLayer[] = []
  for (let l = 0; l + 1 < arch.length; l++) {
    const [rows, cols] = layout.shapes[2 * l]
    const wOff = layout.offsets[2 * l]
    const bOff = layout.offsets[2 * l + 1]
    const weights: number[][] = []
    for (let i = 0; i < rows; i++) weights.push(Array.from(params.subarray(wOff + i * cols, wOff + (i + 1) * cols)))
    layers.push({
      weights,
      bias: Array.from(params.subarray(bOff, bOff + cols)),
      activation: l === arch.length - 2 ? 'sigmoid' : 'relu',
    })
  }
  return layers
}

export function layersToParams (layers: DenseLayer[]): Float32Array {
  const arch = [layers[0].weights.length, ...layers.map((l) => l.bias.length)]
  const layout = paramLayout(arch)
  const p = new Float32Array(layout.total)
  layers.forEach((layer, l) => {
    const cols = layer.bias.length
    layer.weights.forEach((row, i) => p.set(row, layout.offsets[2 * l] + i * cols))
    p.set(layer.bias, layout.offsets[2 * l + 1])
  })
  return p
}

/** Applies the fitted min-max scaler; a zero range scales by 1 (docs/METHOD.md sec. 4, features/types.ts). */
export function scaleRows (X: number[][], scaler: { min: number[], max: number[] }): Float32Array {
  const d = scaler.min.length
  const out = new Float32Array(X.length * d)
  const inv = scaler.min.map((lo, j) => {
    const range = scaler.max[j] - lo
    return range === 0 ? 1 : 1 / range
  })
  for (let r = 0; r < X.length; r++) {
    const row = X[r]
    if (row.length !== d) throw new Error(`row ${r} has ${row.length} features, expected ${d}`)
    for (let j = 0; j < d; j++) out[r * d + j] = (row[j] - scaler.min[j]) * inv[j]
  }
  return out
}
