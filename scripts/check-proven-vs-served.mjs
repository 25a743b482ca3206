// Usage: node scripts/check-proven-vs-served.mjs BASE_URL MODEL FEATURES_JSON
// Proves every test row of a reference feature file (scripts/reference_features.py) through /predict
// and checks |sigmoid(proven logit) - served probability| <= 1e-3 and equal labels.
import { readFile } from 'node:fs/promises'
import { request } from 'undici'
const [base, model, file] = process.argv.slice(2)
const ref = JSON.parse(await readFile(file, 'utf8'))
const call = async (method, path, body) => (await request(base + path, { method, headers: { 'content-type': 'application/json' }, body: body && JSON.stringify(body) })).body.json()
const handles = []
for (let i = 0; i < ref.test.X.length; i += 100) {
  const res = await call('POST', '/predict', { model, instances: ref.test.X.slice(i, i + 100), proof: true })
  if (res.predictions == null) throw new Error(JSON.stringify(res))
  handles.push(...res.predictions)
}
const started = Date.now()
let maxDiff = 0; let labelMismatch = 0; let failed = 0; const times = []
for (const p of handles) {
  let proof
  do { await new Promise((resolve) => setTimeout(resolve, 50)); proof = await call('GET', p.proof.href) } while (proof.status === 'queued' || proof.status === 'proving')
  if (proof.status !== 'succeeded') { failed++; console.log(proof.error); continue }
  times.push(proof.prove_ms)
  maxDiff = Math.max(maxDiff, Math.abs(1 / (1 + Math.exp(-proof.output.logit)) - p.probability))
  if (proof.output.label !== p.label) labelMismatch++
}
times.sort((a, b) => a - b)
console.log(`rows ${handles.length}, failed ${failed}, max |sigmoid(proven logit) - served| = ${maxDiff.toExponential(2)}, label mismatches ${labelMismatch}, prove_ms p50 ${times[Math.floor(times.length / 2)]?.toFixed(0)} p95 ${times[Math.floor(times.length * 0.95)]?.toFixed(0)}, all done in ${((Date.now() - started) / 1000).toFixed(1)} s`)
