/**
 * Private-model fixtures shared by the private proof tests (single and batch): two scalers of the 3-input
 * architecture, a random model of given layer sizes as ONNX with its quantized private parameters, rows
 * inside a scaler's box, and onnxruntime's served probabilities for them.
 */
import * as ort from 'onnxruntime-node'
import { extractModel } from '../../src/proofs/extract.js'
import { quantizePrivate, type PrivateParams } from '../../src/proofs/private/index.js'
import { buildMlpOnnx, randomLayers, rng } from './mlp-onnx.js'

export interface Scaler { min: number[], max: number[] }

export const SCALER_A: Scaler = { min: [0, 1.2e5, 0.0004], max: [4.2e9, 5.6e10, 0.31] }
export const SCALER_B: Scaler = { min: [10, 0, 1], max: [1e6, 2e9, 2] }

export function privateModel (sizes: number[], seed: number, scaler: Scaler, threshold?: number):
{ onnx: Uint8Array, params: PrivateParams, sizes: number[] } {
  const onnx = buildMlpOnnx({ layers: randomLayers(sizes, seed), scaler, metadata: threshold ? { threshold: String(threshold) } : {} })
  const { arch, params } = quantizePrivate(extractModel(onnx))
  return { onnx, params, sizes: arch.sizes }
}

export function rowsInBox (n: number, seed: number, scaler: Scaler): number[][] {
  const g = rng(seed)
  return Array.from({ length: n }, () => scaler.min.map((m, i) => m + (scaler.max[i] - m) * g()))
}

export async function servedProbabilities (onnx: Uint8Array, xs: number[][]): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(onnx)
  const out = await s.run({ input: new ort.Tensor('float32', Float32Array.from(xs.flat()), [xs.length, xs[0].length]) })
  return out.probability.data as Float32Array
}
