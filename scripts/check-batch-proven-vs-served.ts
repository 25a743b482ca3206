/**
 * Batch proofs on the real Giza data (outside npm test): features of /work/shared/data/giza-aave with
 * the project's pipeline (per-token, 7-day window), the default recipe trained (seed 0) and exported
 * to ONNX as the service does, the served probabilities from onnxruntime, then every test row proven
 * in batches of --size, each proof verified with the bundle check (pairing + words = rows) and every
 * row checked: |sigmoid(proven logit) - served| <= 1e-3 and the same label.
 *
 * Usage: node dist/scripts/check-batch-proven-vs-served.js [--data DIR] [--size 8] [--ptau FILE] [--onnx FILE]
 *          [--recipe default|tutorial] [--save-onnx FILE] [--limit N]
 * --limit proves only the first N test rows (the whole run is ~313 / size proofs); a line per batch shows progress.
 * Exits 0 with a note when DIR is absent (a user's clone has no real data); 1 when a row fails.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import * as ort from 'onnxruntime-node'
import { loadGizaDirectory } from '../src/data/index.js'
import { buildFeatureDataset } from '../src/features/index.js'
import { proveBatch } from '../src/proofs/batch-prove.js'
import { buildBatchCircuit } from '../src/proofs/batch-setup.js'
import { checkBatchBundle } from '../src/proofs/batch-verify.js'
import { releaseProvers } from '../src/proofs/prover-cache.js'
import { exportOnnx } from '../src/onnx/write.js'
import { trainModel } from '../src/training/train.js'

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '/work/shared/data/giza-aave' },
    size: { type: 'string', default: '8' },
    ptau: { type: 'string', default: process.env.PTAU_FILE },
    onnx: { type: 'string' },
    recipe: { type: 'string', default: 'default' },
    'save-onnx': { type: 'string' },
    limit: { type: 'string' }
  }
})
const dir = values.data as string
if (!existsSync(dir)) {
  console.log(`skipped: ${dir} is absent (the real Giza files are not part of the repository)`)
  process.exit(0)
}
const size = Number(values.size)
const t0 = performance.now()
const data = await loadGizaDirectory(dir)
const ds = buildFeatureDataset(data, { variant: 'per-token', window: 7 })
let onnx: Uint8Array
if (values.onnx) {
  onnx = new Uint8Array(readFileSync(values.onnx))
} else {
  const model = await trainModel(ds, { recipe: values.recipe as 'default' | 'tutorial', seed: 0 })
  onnx = exportOnnx(model)
  if (values['save-onnx']) writeFileSync(values['save-onnx'], onnx)
}
const X = values.limit ? ds.test.X.slice(0, Number(values.limit)) : ds.test.X
console.log(`${X.length} of ${ds.test.X.length} test rows, ${ds.featureNames.length} features; model ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
const sess = await ort.InferenceSession.create(onnx)
const out = await sess.run({ input: new ort.Tensor('float32', Float32Array.from(X.flat()), [X.length, ds.featureNames.length]) })
const served = Array.from(out.probability.data as Float32Array)

const work = mkdtempSync(path.join(os.tmpdir(), 'zkp-batch-real-'))
let failed = 0
let maxDiff = 0
let labelMismatch = 0
const proveMs: number[] = []
try {
  const art = await buildBatchCircuit({ onnx, outDir: path.join(work, 'batch'), size, ptauPath: values.ptau, logger: console })
  console.log(`batch circuit: ${size} rows, ${art.constraints} constraints, 2^${art.meta.power}, ${art.layout.words} public words, threshold ${art.meta.threshold}`)
  for (let i = 0; i < X.length; i += size) {
    const chunk = X.slice(i, i + size)
    const res = await proveBatch(art.dir, chunk)
    proveMs.push(res.prove_ms)
    const check = await checkBatchBundle({
      kind: 'batch',
      proof_system: 'groth16',
      proof: res.proof,
      public_signals: res.publicSignals,
      verification_key: art.vk,
      batch: { size, inputFracBits: art.meta.inputFracBits, logitScaleBits: art.meta.logitScaleBits, layout: art.meta.batch.layout },
      rows: res.rows
    })
    if (!check.rowsMatch) { failed += chunk.length; console.log(`rows ${i}..${i + chunk.length - 1}: ${check.reason}`); continue }
    check.rows.forEach((r, j) => {
      const s = served[i + j]
      maxDiff = Math.max(maxDiff, Math.abs(r.probability - s))
      // served label: the model's threshold on the served probability (a row within ~1e-5 of it may differ)
      if (r.label !== (s >= art.meta.threshold ? 1 : 0)) labelMismatch++
    })
    console.log(`rows ${i}..${i + chunk.length - 1}: proven in ${res.prove_ms.toFixed(0)} ms, max |diff| so far ${maxDiff.toExponential(2)}, label mismatches ${labelMismatch}`)
  }
} finally {
  await releaseProvers()
  rmSync(work, { recursive: true, force: true })
}
proveMs.sort((a, b) => a - b)
console.log(`rows ${X.length} in ${proveMs.length} batches of ${size}, failed ${failed}, max |sigmoid(proven logit) - served| = ${maxDiff.toExponential(2)}, ` +
  `label mismatches ${labelMismatch}, prove_ms p50 ${proveMs[Math.floor(proveMs.length / 2)]?.toFixed(0)} per batch, ` +
  `all done in ${((performance.now() - t0) / 1000).toFixed(1)} s, load ${os.loadavg()[0].toFixed(1)}`)
process.exit(failed === 0 && maxDiff <= 1e-3 && labelMismatch === 0 ? 0 : 1)
