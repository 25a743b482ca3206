import { performance } from 'node:perf_hooks'
const tf = await import('@tensorflow/tfjs')
const wasm = await import('@tensorflow/tfjs-backend-wasm')
const be = process.argv[2] || 'cpu'
const mode = process.argv[3] || 'flat'
if (be === 'wasm') wasm.setWasmPaths(process.cwd() + '/node_modules/@tensorflow/tfjs-backend-wasm/dist/')
await tf.setBackend(be); await tf.ready()
const N = 2400, D = 10
const X = tf.randomUniform([N, D]); const Y = tf.cast(tf.greater(tf.randomUniform([N, 1]), 0.7), 'float32')
const shapes = [[10, 32], [32], [32, 16], [16], [16, 1], [1]]
const sizes = shapes.map(s => s.reduce((a, b) => a * b, 1))
const P = sizes.reduce((a, b) => a + b)
let params = shapes.map(s => tf.variable(tf.randomUniform(s, -0.3, 0.3)))
let flat = tf.variable(tf.concat(params.map(p => p.reshape([-1]))))
const m = tf.variable(tf.zeros([P])), v = tf.variable(tf.zeros([P]))
const ms = shapes.map(s => tf.variable(tf.zeros(s))), vs = shapes.map(s => tf.variable(tf.zeros(s)))
const lr = 1e-4, b1 = 0.9, b2 = 0.999, eps = 1e-8
let t = 0
function grads (xb, yb, W1, c1, W2, c2, W3, c3, lossAcc) {
  const B = xb.shape[0]
  const h1 = tf.fused.matMul({ a: xb, b: W1, bias: c1, activation: 'relu' })
  const h2 = tf.fused.matMul({ a: h1, b: W2, bias: c2, activation: 'relu' })
  const z = tf.fused.matMul({ a: h2, b: W3, bias: c3 })
  const d3 = tf.mul(tf.sub(tf.sigmoid(z), yb), 1 / B)
  const gW3 = tf.matMul(h2, d3, true, false), gb3 = tf.sum(d3, 0)
  const dz2 = tf.mul(tf.matMul(d3, W3, false, true), tf.step(h2))
  const gW2 = tf.matMul(h1, dz2, true, false), gb2 = tf.sum(dz2, 0)
  const dz1 = tf.mul(tf.matMul(dz2, W2, false, true), tf.step(h1))
  const gW1 = tf.matMul(xb, dz1, true, false), gb1 = tf.sum(dz1, 0)
  const loss = tf.sum(tf.sub(tf.softplus(z), tf.mul(yb, z)))
  return { g: [gW1, gb1, gW2, gb2, gW3, gb3], loss: tf.add(lossAcc, loss) }
}
function step (xb, yb, lossAcc) {
  t++
  const a = lr * Math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
  return tf.tidy(() => {
    if (mode === 'flat') {
      const ps = []; let off = 0
      for (let i = 0; i < 6; i++) { ps.push(tf.reshape(tf.slice(flat, off, sizes[i]), shapes[i])); off += sizes[i] }
      const { g, loss } = grads(xb, yb, ...ps, lossAcc)
      const gf = tf.concat(g.map(x => tf.reshape(x, [-1])))
      const nm = tf.add(tf.mul(m, b1), tf.mul(gf, 1 - b1))
      const nv = tf.add(tf.mul(v, b2), tf.mul(tf.square(gf), 1 - b2))
      m.assign(nm); v.assign(nv)
      flat.assign(tf.sub(flat, tf.div(tf.mul(nm, a), tf.add(tf.sqrt(nv), eps))))
      return loss
    } else {
      const { g, loss } = grads(xb, yb, ...params, lossAcc)
      for (let i = 0; i < 6; i++) {
        const nm = tf.add(tf.mul(ms[i], b1), tf.mul(g[i], 1 - b1))
        const nv = tf.add(tf.mul(vs[i], b2), tf.mul(tf.square(g[i]), 1 - b2))
        ms[i].assign(nm); vs[i].assign(nv)
        params[i].assign(tf.sub(params[i], tf.div(tf.mul(nm, a), tf.add(tf.sqrt(nv), eps))))
      }
      return loss
    }
  })
}
const epochs = 150
const ts = performance.now()
for (let e = 0; e < epochs; e++) {
  const idx = tf.util.createShuffledIndices(N)
  let lossSum = tf.scalar(0)
  for (let i = 0; i < N; i += 32) {
    const bi = tf.tensor1d(Int32Array.from(idx.subarray(i, Math.min(N, i + 32))), 'int32')
    const xb = tf.gather(X, bi), yb = tf.gather(Y, bi)
    const l = step(xb, yb, lossSum)
    lossSum.dispose(); lossSum = l; bi.dispose(); xb.dispose(); yb.dispose()
  }
  const val = lossSum.dataSync()[0]; lossSum.dispose()
  if (e % 50 === 0) console.log(e, val / N)
}
const el = performance.now() - ts
console.log(be, mode, 'ms total', el.toFixed(0), 'per step us', (el * 1000 / (epochs * Math.ceil(N / 32))).toFixed(0), 'tensors', tf.memory().numTensors)
