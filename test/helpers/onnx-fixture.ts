import onnxProto from 'onnx-proto'

const { onnx } = onnxProto

/** A seeded stand-in for "a model trained elsewhere": the reference 10-32-16-1 MLP as a PyTorch export would write it. */
export interface MlpFixtureOptions {
  seed?: number
  /** Fixed batch of 1 ([1, 10]) like the tutorial's torch.onnx.export, or a dynamic batch. */
  fixedBatch?: boolean
  opset?: number
  /** Replace the first ReLU with this op, to make a graph the prover does not support. */
  firstActivation?: string
  inputName?: string
}

function mulberry32 (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export interface MlpFixture { bytes: Uint8Array, layers: Array<{ W: number[][], b: number[] }> }

export function buildMlpOnnx (options: MlpFixtureOptions = {}): MlpFixture {
  const random = mulberry32(options.seed ?? 1)
  const sizes = [10, 32, 16, 1]
  const layers: MlpFixture['layers'] = []
  const initializers: onnxProto.onnx.ITensorProto[] = []
  const nodes: onnxProto.onnx.INodeProto[] = []
  const inputName = options.inputName ?? 'input'
  let current = inputName
  for (let l = 0; l < 3; l++) {
    const [nIn, nOut] = [sizes[l], sizes[l + 1]]
    const bound = 1 / Math.sqrt(nIn)
    // torch layout: W is [out, in], used with transB = 1
    const W = Array.from({ length: nOut }, () => Array.from({ length: nIn }, () => (random() * 2 - 1) * bound))
    const b = Array.from({ length: nOut }, () => (random() * 2 - 1) * bound)
    layers.push({ W, b })
    initializers.push({ name: `fc${l}.weight`, dataType: 1, dims: [nOut, nIn], floatData: W.flat() })
    initializers.push({ name: `fc${l}.bias`, dataType: 1, dims: [nOut], floatData: b })
    const gemmOut = `gemm${l}`
    nodes.push({ opType: 'Gemm', input: [current, `fc${l}.weight`, `fc${l}.bias`], output: [gemmOut], name: `Gemm_${l}`, attribute: [{ name: 'transB', type: 2, i: 1 }, { name: 'alpha', type: 1, f: 1 }, { name: 'beta', type: 1, f: 1 }] })
    const act = l === 2 ? 'Sigmoid' : l === 0 && options.firstActivation != null ? options.firstActivation : 'Relu'
    const actOut = l === 2 ? 'output' : `act${l}`
    nodes.push({ opType: act, input: [gemmOut], output: [actOut], name: `${act}_${l}` })
    current = actOut
  }
  const batch = options.fixedBatch === true ? { dimValue: 1 } : { dimParam: 'N' }
  const model = onnx.ModelProto.create({
    irVersion: 6,
    producerName: 'pytorch',
    producerVersion: '2.1',
    opsetImport: [{ domain: '', version: options.opset ?? 11 }],
    graph: {
      name: 'main_graph',
      node: nodes,
      initializer: initializers,
      input: [{ name: inputName, type: { tensorType: { elemType: 1, shape: { dim: [batch, { dimValue: 10 }] } } } }],
      output: [{ name: 'output', type: { tensorType: { elemType: 1, shape: { dim: [batch, { dimValue: 1 }] } } } }],
    },
  })
  return { bytes: onnx.ModelProto.encode(model).finish(), layers }
}

/** The same network in plain float64 JavaScript, for checking served numbers. */
export function mlpForward (fixture: MlpFixture, x: number[]): number {
  let h = x
  fixture.layers.forEach((layer, l) => {
    const out = layer.W.map((row, j) => row.reduce((s, w, i) => s + w * h[i], layer.b[j]))
    h = l === 2 ? out.map((v) => 1 / (1 + Math.exp(-v))) : out.map((v) => Math.max(0, v))
  })
  return h[0]
}
