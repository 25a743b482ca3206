// Usage: /usr/bin/python3 scripts/reference_features.py ../shared/data/giza-aave /tmp/ref-features && node scripts/check-torch-upload.mjs http://127.0.0.1:3000
// Issue 4 acceptance: a PyTorch export (opset 11, Gemm/Relu/Sigmoid, fixed [1,10]) uploaded and
// predicting the 313 real test rows, compared with onnxruntime on that file directly.
import { readFile } from 'node:fs/promises'
import * as ort from 'onnxruntime-node'
import { FormData, request } from 'undici'
const base = process.argv[2]
const bytes = await readFile(new URL('../test/fixtures/proof-torch-opset11.onnx', import.meta.url))
const ref = JSON.parse(await readFile('/tmp/ref-features/features-tutorial-7.json', 'utf8'))
const { min, max } = ref.scaler
const X = ref.test.X.map((r) => r.map((v, i) => (max[i] - min[i]) > 0 ? (v - min[i]) / (max[i] - min[i]) : v - min[i]))
const form = new FormData()
form.append('model', new Blob([bytes]), 'torch.onnx')
form.append('spec', JSON.stringify({ name: 'torch-ref', features: ref.featureNames }))
const up = await request(`${base}/models`, { method: 'POST', body: form })
console.log('upload', up.statusCode, await up.body.text())
const res = await request(`${base}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'torch-ref', instances: X, proof: false }) })
const body = await res.body.json()
const session = await ort.InferenceSession.create(bytes)
const inName = session.inputNames[0]; const outName = session.outputNames[0]
let maxDiff = 0
for (let r = 0; r < X.length; r++) {
  const out = await session.run({ [inName]: new ort.Tensor('float32', Float32Array.from(X[r]), [1, 10]) })
  maxDiff = Math.max(maxDiff, Math.abs(out[outName].data[0] - body.predictions[r].probability))
}
console.log(`rows ${X.length}, served via /predict vs onnxruntime on the file: max |diff| = ${maxDiff}`)
