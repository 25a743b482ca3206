/**
 * Where a private proof's time goes (witness vs Groth16), single-threaded vs the thread pool:
 * node dist/bench/private-phases.js [--n 10] [--dir DIR] (DIR keeps the built architecture between runs).
 */
import os from 'node:os'
import path from 'node:path'
import { AAVE_LIKE_SCALER, buildMlpOnnx, randomLayers, rng } from '../test/helpers/mlp-onnx.js'
import { extractModel } from '../src/proofs/extract.js'
import { defaultPtauCacheDir } from '../src/proofs/setup.js'
import { buildArchitecture, newSalt, provePrivate, quantizePrivate } from '../src/proofs/private/index.js'

const args = process.argv.slice(2)
const n = Number(args[args.indexOf('--n') + 1] ?? 10) || 10
const dir = args.includes('--dir') ? args[args.indexOf('--dir') + 1] : path.join(os.tmpdir(), 'zkp-private-phases')
const sizes = [10, 32, 16, 1]
const fixturePtau = new URL('../../models/ptau/INSECURE-dev-pot12.ptau', import.meta.url).pathname
const arch = await buildArchitecture({ sizes, outDir: dir, ptauCacheDir: defaultPtauCacheDir(), devPtauCandidates: [fixturePtau] })
const onnx = buildMlpOnnx({ layers: randomLayers(sizes, 7), scaler: AAVE_LIKE_SCALER })
const { params } = quantizePrivate(extractModel(onnx))
const salt = newSalt()
const g = rng(3)
const row = (): number[] => AAVE_LIKE_SCALER.min.map((m, i) => m + (AAVE_LIKE_SCALER.max[i] - m) * g())
for (const singleThread of [false, true]) {
  await provePrivate(arch.dir, params, salt, row(), { singleThread })
  const w: number[] = []; const p: number[] = []
  for (let i = 0; i < n; i++) {
    const r = await provePrivate(arch.dir, params, salt, row(), { singleThread })
    w.push(r.witness_ms); p.push(r.prove_ms)
  }
  const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  console.log(`singleThread=${singleThread}: witness p50 ${med(w).toFixed(0)} ms, witness+prove p50 ${med(p).toFixed(0)} ms`)
}
process.exit(0)
