/**
 * Groth16 end to end on the service's export layout and on a PyTorch opset-11 upload: build
 * (transpile, circom, setup on the committed INSECURE 2^12 dev ptau), prove, verify, reject
 * tampering, compare with onnxruntime, the stock snarkjs CLI, and the prover pool
 * (the Solidity verifier is in proofs-plonk.test.ts).
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import '../helpers/child-env.js'
import { TEST_CIRCUIT_CACHE } from '../helpers/circuit-cache.js'
import * as ort from 'onnxruntime-node'
import * as snarkjs from 'snarkjs'
import { evaluatePlan, InputRangeError, quantizeInputs } from '../../src/proofs/evaluate.js'
import { AAVE_LIKE_SCALER, rng } from '../helpers/mlp-onnx.js'
import { prove, proveQuantized } from '../../src/proofs/prove.js'
import { loadProver, releaseProvers } from '../../src/proofs/prover-cache.js'
import { ProverPool } from '../../src/proofs/prover-pool.js'
import { buildCircuit, loadArtifacts, type CircuitArtifacts } from '../../src/proofs/setup.js'
import { SHIPPED_DEV_PTAU } from '../../src/services/index.js'
import { decodePublicSignals, fromField, sigmoid, toField } from '../../src/proofs/signals.js'
import { verifyProof, verifyProofTimed } from '../../src/proofs/verify.js'

const require = createRequire(import.meta.url)
const run = promisify(execFile)
const fixtures = new URL('../../../test/fixtures/', import.meta.url)
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(name, fixtures)))
const PTAU = SHIPPED_DEV_PTAU

const work = mkdtempSync(path.join(os.tmpdir(), 'zkp-groth16-'))
t.teardown(async () => {
  await releaseProvers()
  rmSync(work, { recursive: true, force: true })
})

function rows (n: number, seed: number): number[][] {
  const g = rng(seed)
  const { min, max } = AAVE_LIKE_SCALER
  return Array.from({ length: n }, () => min.map((m, i) => (max[i] === m ? m : m + (max[i] - m) * (g() * 1.4 - 0.2))))
}

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T

let aave: CircuitArtifacts
let torch: CircuitArtifacts

t.before(async () => {
  const t0 = performance.now()
  aave = await buildCircuit({ onnx: fixture('proof-aave-scaled.onnx'), outDir: path.join(work, 'aave-v1'), proofSystem: 'groth16', ptauPath: PTAU, buildCache: TEST_CIRCUIT_CACHE })
  t.comment(`aave circuit: ${aave.constraints} constraints, compile ${aave.meta.timings.compileMs.toFixed(0)} ms, setup ${aave.meta.timings.setupMs.toFixed(0)} ms, total ${(performance.now() - t0).toFixed(0)} ms`)
  torch = await buildCircuit({ onnx: fixture('proof-torch-opset11.onnx'), outDir: path.join(work, 'torch-v2'), proofSystem: 'groth16', ptauPath: PTAU, buildCache: TEST_CIRCUIT_CACHE })
})

t.test('build writes every artifact with its hashes', async (t) => {
  t.ok(aave.constraints > 2000 && aave.constraints < 4096 - 13, `${aave.constraints} constraints fit 2^12`)
  t.match(aave.r1cs_sha256, /^[0-9a-f]{64}$/)
  t.match(aave.vk_sha256, /^[0-9a-f]{64}$/)
  t.equal(aave.vk.protocol, 'groth16')
  t.equal(aave.vk.nPublic, 12)
  t.same(aave.meta.publicSignals.slice(0, 3), ['logit', 'label', 'x[0]'])
  t.equal(aave.meta.ptau.insecure, true)
  const again = await loadArtifacts(aave.dir)
  t.equal(again.vk_sha256, aave.vk_sha256)
  t.match(readFileSync(aave.verifierPath, 'utf8'), /contract Groth16Verifier/)
})

t.test('prove + verify; proven probability matches onnxruntime', async (t) => {
  const sess = await ort.InferenceSession.create(fixture('proof-aave-scaled.onnx'))
  const xs = rows(6, 11)
  const served = await sess.run({ input: new ort.Tensor('float32', Float32Array.from(xs.flat()), [xs.length, 10]) })
  const probs = served.probability.data as Float32Array
  let maxErr = 0
  for (const [i, x] of xs.entries()) {
    const res = await prove(aave, x)
    t.ok(await verifyProof('groth16', aave.vk, res.publicSignals, res.proof), `proof ${i} verifies`)
    t.ok(JSON.stringify(res.proof).length <= 1024, 'proof <= 1 KB')
    const d = decodePublicSignals(res.publicSignals, aave.meta)
    t.equal(d.probability, res.output.probability)
    d.inputs.forEach((v, j) => t.ok(Math.abs(v - x[j]) <= 2 ** -24 + Math.abs(x[j]) * 1e-15, `input ${j} is public`))
    maxErr = Math.max(maxErr, Math.abs(res.output.probability - probs[i]))
    t.equal(res.output.label, res.output.logit >= 0 ? 1 : 0)
  }
  t.comment(`max |proven - served| probability over proven rows: ${maxErr.toExponential(2)}`)
  t.ok(maxErr <= 1e-3)
})

t.test('the witness equals the exact bigint evaluation, bit for bit', async (t) => {
  const prover = await loadProver(aave.dir)
  for (const x of rows(25, 12)) {
    const xq = quantizeInputs(prover.plan, x)
    const ev = evaluatePlan(prover.plan, xq)
    const w = await prover.wc.calculateWitness({ x: xq.map((v) => toField(v).toString()) }, true)
    t.equal(fromField(w[1]), ev.logitQ)
    t.equal(Number(w[2]), ev.label)
  }
})

t.test('tampering is rejected', async (t) => {
  const res = await prove(aave, rows(1, 13)[0])
  const sig = res.publicSignals
  t.ok(await verifyProof('groth16', aave.vk, sig, res.proof))
  const flipLabel = [...sig]
  flipLabel[1] = sig[1] === '1' ? '0' : '1'
  t.notOk(await verifyProof('groth16', aave.vk, flipLabel, res.proof), 'flipped label')
  const otherLogit = [...sig]
  otherLogit[0] = (BigInt(sig[0]) + 1n).toString()
  t.notOk(await verifyProof('groth16', aave.vk, otherLogit, res.proof), 'logit + 1 ulp')
  const otherInput = [...sig]
  otherInput[5] = (BigInt(sig[5]) + 1n).toString()
  t.notOk(await verifyProof('groth16', aave.vk, otherInput, res.proof), 'input changed')
  const proof = clone(res.proof) as unknown as { pi_a: string[] }
  proof.pi_a[0] = (BigInt(proof.pi_a[0]) + 1n).toString()
  t.notOk(await verifyProof('groth16', aave.vk, sig, proof), 'tampered proof point')
  const swapped = clone(res.proof) as unknown as { pi_a: string[], pi_c: string[] }
  ;[swapped.pi_a, swapped.pi_c] = [swapped.pi_c, swapped.pi_a]
  t.notOk(await verifyProof('groth16', aave.vk, sig, swapped), 'swapped proof points')
  // The cached-key verifier agrees with snarkjs' own on every case above
  for (const [signals, p] of [[sig, res.proof], [flipLabel, res.proof], [otherLogit, res.proof], [otherInput, res.proof], [sig, proof], [sig, swapped]] as const) {
    t.equal(await verifyProof('groth16', aave.vk, signals, p), await snarkjs.groth16.verify(aave.vk, [...signals], p as unknown as snarkjs.Proof), 'same verdict as snarkjs')
  }
  // Another model version's key (the torch upload) must not accept this proof
  t.notOk(await verifyProof('groth16', torch.vk, sig, res.proof), 'other version vk')
  // Garbage never throws
  for (const [vk, s, p] of [[aave.vk, 'x', res.proof], [aave.vk, sig, null], [aave.vk, sig, { pi_a: [1, 2] }], [null, sig, res.proof], [aave.vk, sig.map(() => 'abc'), res.proof], [aave.vk, sig.slice(1), res.proof]] as const) {
    const r = await verifyProofTimed('groth16', vk, s, p)
    t.equal(r.verified, false)
    t.ok(r.reason, r.reason ?? 'no reason')
  }
  t.notOk(await verifyProof('plonk', aave.vk, sig, res.proof), 'wrong system')
  const timed = await verifyProofTimed('groth16', aave.vk, sig, res.proof)
  t.ok(timed.verified)
  t.comment(`verify: ${timed.verification_ms.toFixed(1)} ms`)
})

t.test('an input outside the supported range fails cleanly, in the pre-check and in the circuit', async (t) => {
  const x = rows(1, 14)[0]
  x[3] = 1e17
  await t.rejects(prove(aave, x), InputRangeError)
  // Bypass the bigint pre-check: the circuit's own range check must refuse to make a witness
  const prover = await loadProver(aave.dir)
  const xq = quantizeInputs(prover.plan, x)
  const origError = console.error
  console.error = () => {} // circom's witness calculator prints the failed assertion
  try {
    await t.rejects(proveQuantized(prover, xq), /witness generation failed: .*Assert Failed/)
  } finally {
    console.error = origError
  }
  // Proving still works afterwards
  const ok = await prove(aave, rows(1, 15)[0])
  t.ok(await verifyProof('groth16', aave.vk, ok.publicSignals, ok.proof))
})

t.test('the PyTorch opset-11 [1, 10] upload is provable', async (t) => {
  const sess = await ort.InferenceSession.create(fixture('proof-torch-opset11.onnx'))
  const g = rng(21)
  for (let i = 0; i < 2; i++) {
    const x = Array.from({ length: 10 }, () => g())
    const res = await prove(torch, x)
    t.ok(await verifyProof('groth16', torch.vk, res.publicSignals, res.proof))
    const served = await sess.run({ input: new ort.Tensor('float32', Float32Array.from(x), [1, 10]) })
    const p = (served[sess.outputNames[0]].data as Float32Array)[0]
    t.ok(Math.abs(res.output.probability - p) <= 1e-3, `|${res.output.probability} - ${p}|`)
    t.equal(res.output.probability, sigmoid(res.output.logit))
  }
})

t.test('stock snarkjs CLI verifies a produced proof', async (t) => {
  const res = await prove(aave, rows(1, 16)[0])
  const dir = path.join(work, 'cli')
  await import('node:fs/promises').then((fs) => fs.mkdir(dir, { recursive: true }))
  writeFileSync(path.join(dir, 'public.json'), JSON.stringify(res.publicSignals))
  writeFileSync(path.join(dir, 'proof.json'), JSON.stringify(res.proof))
  const cli = path.join(path.dirname(require.resolve('snarkjs')), 'cli.cjs')
  const { stdout } = await run(process.execPath, [cli, 'groth16', 'verify', aave.vkPath, path.join(dir, 'public.json'), path.join(dir, 'proof.json')])
  t.match(stdout, /OK!/)
  const bad = [...res.publicSignals]
  bad[1] = bad[1] === '1' ? '0' : '1'
  writeFileSync(path.join(dir, 'public.json'), JSON.stringify(bad))
  const rej = await run(process.execPath, [cli, 'groth16', 'verify', aave.vkPath, path.join(dir, 'public.json'), path.join(dir, 'proof.json')]).catch((e) => e as { stdout: string })
  t.match(rej.stdout, /Invalid proof/)
})

t.test('prover pool: proofs off the main thread, a bounded queue, errors keep their type', async (t) => {
  const pool = new ProverPool({ size: 1, maxQueue: 2 })
  t.teardown(() => pool.close())
  const xs = rows(3, 17)
  const results = await Promise.all(xs.map((x) => pool.prove(aave.dir, x)))
  for (const r of results) t.ok(await verifyProof('groth16', aave.vk, r.publicSignals, r.proof))
  // Queue bound: 1 running + 2 waiting, the 4th is refused at once
  const burst = xs.concat(xs.slice(0, 1)).map((x) => pool.prove(aave.dir, x).then(() => 'ok', (e: Error) => e.name))
  t.same((await Promise.all(burst)).sort(), ['PoolQueueFullError', 'ok', 'ok', 'ok'])
  await t.rejects(pool.prove(aave.dir, [1, 2, 3]), InputRangeError, 'errors keep their type across threads')
  t.match(pool.stats, { completed: 6, failed: 1, restarts: 0 })
})

t.test('prover pool: warmAll loads a circuit into every thread', async (t) => {
  const pool = new ProverPool({ size: 2 })
  t.teardown(() => pool.close())
  const threads = await pool.warmAll(aave.dir)
  t.equal(new Set(threads).size, 2, `one warm-up per thread (threads ${threads.join(', ')})`)
  t.match(pool.stats, { completed: 2, failed: 0 })
  const proofs = await Promise.all(rows(2, 23).map((x) => pool.prove(aave.dir, x)))
  for (const r of proofs) t.ok(await verifyProof('groth16', aave.vk, r.publicSignals, r.proof), 'a proof from a warmed thread verifies')
  await t.rejects(pool.warmAll(path.join(aave.dir, 'no-such-circuit')), 'a circuit that cannot be loaded rejects the warm-up')
})

t.test('prover pool: a worker killed mid-job fails only that job and is replaced', async (t) => {
  // The job timeout is the pool's own way to kill a worker mid-job (the same path as a crash): at
  // 1 ms no proof (nor the key load before it) can finish, so every job is killed while running.
  const pool = new ProverPool({ size: 1, maxQueue: 2, jobTimeoutMs: 1 })
  t.teardown(() => pool.close())
  const xs = rows(2, 18)
  const [first, second] = await Promise.allSettled(xs.map((x) => pool.prove(aave.dir, x)))
  t.match(first, { status: 'rejected', reason: { message: /proof timed out after 1 ms/ } })
  t.match(second, { status: 'rejected', reason: { message: /proof timed out after 1 ms/ } }, 'the queued job ran on a fresh worker')
  t.match(pool.stats, { size: 1, failed: 2, restarts: 2, busy: 0, queued: 0 })
})
