/**
 * Private proofs on the real data (outside npm test): node dist/scripts/check-private-proven-vs-served.js [DATA_DIR] [--onnx MODEL.onnx] [--rows N]
 *
 * Builds the real features (src/features, per-token, 7 days) from the Giza files, trains the default
 * recipe (or takes --onnx), registers it as a PRIVATE model (quantizePrivate + a salt + the
 * commitment), builds (once) the architecture's circuit, then proves every test row with the private
 * circuit and checks |sigmoid(proven logit) - onnxruntime probability| <= 1e-3, equal labels, and that
 * each proof verifies against the commitment. Skipped (exit 0) when DATA_DIR (default
 * /work/shared/data/giza-aave) is absent. Needs PTAU_FILE or a 2^15 development ptau in ZKP_PTAU_CACHE
 * (made on first use otherwise: minutes).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import * as ort from 'onnxruntime-node'
import { loadGizaDirectory } from '../src/data/index.js'
import { buildFeatureDataset } from '../src/features/index.js'
import { releaseProvers } from '../src/proofs/prover-cache.js'
import { defaultPtauCacheDir } from '../src/proofs/setup.js'
import { extractModel } from '../src/proofs/extract.js'
import { buildArchitecture, commitParams, newSalt, provePrivate, quantizePrivate, verifyPrivateProof } from '../src/proofs/private/index.js'
import { exportOnnx } from '../src/onnx/write.js'
import { trainModel } from '../src/training/train.js'

const { values, positionals } = parseArgs({ allowPositionals: true, options: { onnx: { type: 'string' }, rows: { type: 'string' } } })
const dataDir = positionals[0] ?? '/work/shared/data/giza-aave'
if (!existsSync(dataDir)) {
  console.log(`skipped: ${dataDir} is absent`)
  process.exit(0)
}
const ds = buildFeatureDataset(await loadGizaDirectory(dataDir), { variant: 'per-token', window: 7 })
const onnx = values.onnx != null ? new Uint8Array(readFileSync(values.onnx)) : exportOnnx(await trainModel(ds, { recipe: 'default', seed: 0 }))
const X = ds.test.X.slice(0, values.rows != null ? Number(values.rows) : undefined)
const session = await ort.InferenceSession.create(onnx)
const inputName = session.inputNames[0]
const served = (await session.run({ [inputName]: new ort.Tensor('float32', Float32Array.from(X.flat()), [X.length, X[0].length]) })).probability.data as Float32Array
const { arch, params } = quantizePrivate(extractModel(onnx))
const work = mkdtempSync(path.join(os.tmpdir(), 'zkp-private-check-'))
try {
  const art = await buildArchitecture({ sizes: arch.sizes, outDir: path.join(work, 'arch'), ptauCacheDir: defaultPtauCacheDir(), logger: { info: console.error, warn: console.error } })
  const salt = newSalt()
  const commitment = commitParams(art.plan, params, salt).toString()
  console.error(`${art.meta.circuit_id}: ${art.meta.constraints} constraints; commitment ${commitment}`)
  let maxDiff = 0
  let labelMismatch = 0
  let failed = 0
  let unverified = 0
  const times: number[] = []
  const threshold = extractModel(onnx).threshold
  for (const [i, x] of X.entries()) {
    try {
      const r = await provePrivate(art.dir, params, salt, x)
      times.push(r.prove_ms)
      if (!(await verifyPrivateProof(art.vk, r.publicSignals, r.proof, commitment)).verified) unverified++
      maxDiff = Math.max(maxDiff, Math.abs(r.output.probability - served[i]))
      if (r.output.label !== (served[i] >= threshold ? 1 : 0)) labelMismatch++
    } catch (err) {
      failed++
      console.error(`row ${i}: ${(err as Error).message}`)
    }
  }
  times.sort((a, b) => a - b)
  console.log(`rows ${X.length}, failed ${failed}, unverified ${unverified}, max |sigmoid(proven logit) - served| = ${maxDiff.toExponential(2)}, label mismatches ${labelMismatch} (can differ only within ~1e-5 of the threshold), prove_ms p50 ${times[Math.floor(times.length / 2)]?.toFixed(0)} p95 ${times[Math.floor(times.length * 0.95)]?.toFixed(0)}`)
  if (failed > 0 || unverified > 0 || maxDiff > 1e-3) process.exitCode = 1
} finally {
  await releaseProvers()
  rmSync(work, { recursive: true, force: true })
}
