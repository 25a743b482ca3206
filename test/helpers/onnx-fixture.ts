import { buildMlpOnnx as buildOnnx, randomLayers } from './mlp-onnx.js'

/** A seeded stand-in for "a model trained elsewhere": the reference 10-32-16-1 MLP as a PyTorch export writes it. */
export interface MlpFixtureOptions {
  seed?: number
  /** Fixed batch of 1 ([1, 10]) like the tutorial's torch.onnx.export, or a dynamic batch. */
  fixedBatch?: boolean
  opset?: number
  /** Another hidden activation (e.g. Tanh), to make a graph the prover does not support. */
  firstActivation?: string
}

export interface MlpFixture { bytes: Uint8Array, layers: Array<{ weights: number[][], bias: number[] }> }

export function buildMlpOnnx (options: MlpFixtureOptions = {}): MlpFixture {
  const layers = randomLayers([10, 32, 16, 1], options.seed ?? 1)
  const bytes = buildOnnx({ layers, batch: options.fixedBatch === true ? 1 : 'N', opset: options.opset ?? 11, activation: options.firstActivation, transB: true })
  return { bytes, layers }
}

/** The same network in plain float64 JavaScript, for checking served numbers. */
export function mlpForward (fixture: MlpFixture, x: number[]): number {
  let h = x
  fixture.layers.forEach((layer, l) => {
    const out = layer.bias.map((b, j) => h.reduce((s, v, i) => s + v * layer.weights[i][j], b))
    h = l === fixture.layers.length - 1 ? out.map((v) => 1 / (1 + Math.exp(-v))) : out.map((v) => Math.max(0, v))
  })
  return h[0]
}
