import * as snarkjs from 'snarkjs'
import { prove, loadProver, releaseProvers } from './dist/src/proofs/prove.js'
import { loadArtifacts } from './dist/src/proofs/setup.js'
import { AAVE_LIKE_SCALER } from './dist/src/proofs/mlp-onnx.js'
const single = process.argv[2] === 'single'
const a = await loadArtifacts('/tmp/art_groth16')
const row = AAVE_LIKE_SCALER.min.map((m, i) => (m + AAVE_LIKE_SCALER.max[i]) / 2)
let t = performance.now()
await loadProver(a.dir, { singleThread: single })
console.log('load', performance.now() - t)
const ts = []
for (let i = 0; i < 10; i++) {
  const r = await prove(a.dir, row, { singleThread: single })
  ts.push(Math.round(r.prove_ms))
  if (i === 0) { const tv = performance.now(); const ok = await snarkjs.groth16.verify(a.vk, r.publicSignals, r.proof); console.log('verify', ok, performance.now() - tv, r.output, JSON.stringify(r.proof).length) }
}
console.log(single ? 'single' : 'multi', ts, ts.sort((x, y) => x - y)[5])
await releaseProvers()
