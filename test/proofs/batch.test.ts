/**
 * Batch proofs end to end on the small model of the service's layout (10-4-1 with the scaler), at a
 * batch size that fits the committed 2^12 dev ptau: build, prove a partial batch (padding), verify
 * in-process, with stock `snarkjs groth16 verify`, via the bundle check (rows decoded from the proven
 * words), and in the generated Solidity contract in an EVM (accept; reject a changed row, logit or
 * label). Outputs are compared with onnxruntime.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import t from 'tap'
import '../helpers/child-env.js'
import { TEST_CIRCUIT_CACHE } from '../helpers/circuit-cache.js'
import * as ort from 'onnxruntime-node'
import { createEVM } from '@ethereumjs/evm'
import { hexToBytes } from '@ethereumjs/util'
import { compileSolidity } from '../helpers/evm-verifier.js'
import { AAVE_LIKE_SCALER, rng } from '../helpers/mlp-onnx.js'
import { batchLayout, packRows, unpackWords } from '../../src/proofs/batch-layout.js'
import { BatchInputRangeError, proveBatch } from '../../src/proofs/batch-prove.js'
import { buildBatchCircuit, type BatchArtifacts } from '../../src/proofs/batch-setup.js'
import { BATCH_VERIFY_SIGNATURE, batchCallArgs, batchContractName, encodeBatchCall, type BatchCallArgs } from '../../src/proofs/batch-solidity.js'
import { checkBatchBundle, type BatchBundle } from '../../src/proofs/batch-verify.js'
import { loadProver, releaseProvers } from '../../src/proofs/prover-cache.js'
import { transpile } from '../../src/proofs/transpile.js'
import { verifyProof } from '../../src/proofs/verify.js'
import { SHIPPED_DEV_PTAU } from '../../src/services/index.js'

const require = createRequire(import.meta.url)
const run = promisify(execFile)
const fixtures = new URL('../../../test/fixtures/', import.meta.url)
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(name, fixtures)))
const SIZE = 3

const work = mkdtempSync(path.join(os.tmpdir(), 'zkp-batch-'))
t.teardown(async () => {
  await releaseProvers()
  rmSync(work, { recursive: true, force: true })
})

function rows (n: number, seed: number): number[][] {
  const g = rng(seed)
  const { min, max } = AAVE_LIKE_SCALER
  return Array.from({ length: n }, () => min.map((m, i) => (max[i] === m ? m : m + (max[i] - m) * g())))
}

let art: BatchArtifacts

t.before(async () => {
  art = await buildBatchCircuit({ onnx: fixture('proof-small.onnx'), outDir: path.join(work, 'batch'), size: SIZE, ptauPath: SHIPPED_DEV_PTAU, buildCache: TEST_CIRCUIT_CACHE })
})

t.test('packing: round trip, padding, and every field refused outside its range', async (t) => {
  const { plan } = transpile(fixture('proof-small.onnx'))
  const layout = batchLayout(plan, 4)
  const xs = rows(2, 5)
  const { evaluatePlan, quantizeInputs } = await import('../../src/proofs/evaluate.js')
  const rq = xs.map((x) => { const xq = quantizeInputs(plan, x); const e = evaluatePlan(plan, xq); return { xq, logitQ: e.logitQ, label: e.label } })
  const words = packRows(layout, rq)
  t.ok(words.every((w) => w < (1n << 253n)), 'every word below 2^253')
  const back = unpackWords(layout, words.map(String))
  t.same(back.rows, rq, 'rows come back exactly')
  t.equal(back.canonical, true)
  t.throws(() => packRows(layout, [{ ...rq[0], logitQ: rq[0].logitQ + (1n << BigInt(plan.labelBits)) }]), /logit is outside/)
  const tooBig = [...rq[0].xq]
  tooBig[3] += 1n << BigInt(plan.inputs[3].bits)
  t.throws(() => packRows(layout, [{ ...rq[0], xq: tooBig }]), /input 3 is outside/)
  const stray = [...words]
  stray[stray.length - 1] |= 1n << 252n
  t.throws(() => unpackWords(layout, stray.map(String)), /bits outside its fields/)
})

t.test('a partial batch proves, verifies, and its words are the rows', async (t) => {
  t.comment(`batch of ${SIZE}: ${art.constraints} constraints, ${art.layout.words} public words, 2^${art.meta.power}`)
  t.equal(art.vk.nPublic, art.layout.words, 'one public signal per word')
  const xs = rows(2, 7)
  const res = await proveBatch(art.dir, xs)
  t.equal(res.rows.length, 2)
  t.ok(await verifyProof('groth16', art.vk, res.publicSignals, res.proof), 'verifies')

  const sess = await ort.InferenceSession.create(fixture('proof-small.onnx'))
  const served = (await sess.run({ input: new ort.Tensor('float32', Float32Array.from(xs.flat()), [2, 10]) })).probability.data as Float32Array
  res.rows.forEach((r, i) => {
    t.ok(Math.abs(r.probability - served[i]) <= 1e-3, `row ${i}: |sigmoid(proven logit) - onnxruntime| = ${Math.abs(r.probability - served[i]).toExponential(2)}`)
    t.equal(r.label, r.probability >= 0.3 ? 1 : 0, 'label at the model threshold 0.3')
    r.inputs.forEach((v, j) => t.ok(Math.abs(v - xs[i][j]) <= Math.max(1, Math.abs(xs[i][j])) * 1e-7, `row ${i} input ${j} is public`))
  })

  const bundle: BatchBundle = {
    kind: 'batch',
    proof_system: 'groth16',
    proof: res.proof,
    public_signals: res.publicSignals,
    verification_key: art.vk,
    batch: { size: art.size, inputFracBits: art.meta.inputFracBits, logitScaleBits: art.meta.logitScaleBits, layout: art.meta.batch.layout },
    rows: res.rows
  }
  const ok = await checkBatchBundle(JSON.parse(JSON.stringify(bundle)))
  t.equal(ok.verified, true)
  t.equal(ok.rowsMatch, true, ok.reason ?? 'rows match')
  t.equal(ok.vk_sha256, art.vk_sha256, 'the bundle check names the key by the same hash as circuit.json')

  const changedRow = JSON.parse(JSON.stringify(bundle)) as BatchBundle
  changedRow.rows[1].label = changedRow.rows[1].label === 1 ? 0 : 1
  const c1 = await checkBatchBundle(changedRow)
  t.equal(c1.verified, true, 'the proof itself still verifies')
  t.equal(c1.rowsMatch, false, 'but a changed shown label is caught')
  t.match(c1.reason, /row 1 differs/)

  const dropped = JSON.parse(JSON.stringify(bundle)) as BatchBundle
  dropped.rows.pop()
  t.equal((await checkBatchBundle(dropped)).rowsMatch, false, 'a hidden row is caught')

  const bits = [...res.publicSignals]
  bits[0] = (BigInt(bits[0]) ^ 2n).toString() // row 0's label bit
  t.notOk(await verifyProof('groth16', art.vk, bits, res.proof), 'a flipped label bit in the words does not verify')

  // The CLI, offline: snarkjs' check, then the words must be the rows it prints; calldata from the words
  const cliPath = fileURLToPath(new URL('../../src/cli.js', import.meta.url))
  writeFileSync(path.join(work, 'batch.json'), JSON.stringify(bundle))
  const good = await run(process.execPath, [cliPath, 'proof', 'verify', path.join(work, 'batch.json')])
  t.match(good.stdout, /verified: true \(groth16 batch of 3/)
  t.match(good.stdout, /rows match the public signals: true/)
  t.match(good.stdout, new RegExp(`\n1\tprobability ${res.rows[1].probability.toFixed(6)}\tlabel ${res.rows[1].label}`))
  writeFileSync(path.join(work, 'changed.json'), JSON.stringify(changedRow))
  const bad = await run(process.execPath, [cliPath, 'proof', 'verify', path.join(work, 'changed.json')]).then(() => null, (e: { code: number, stdout: string }) => e)
  t.equal(bad?.code, 1, 'the CLI exits 1 when the shown rows are not what was proven')
  t.match(bad?.stdout, /rows match the public signals: false \(row 1 differs/)
  const cd = await run(process.execPath, [cliPath, 'proof', 'calldata', path.join(work, 'batch.json')])
  t.same(JSON.parse(cd.stdout), batchCallArgs(art.layout, res.proof, res.publicSignals), 'calldata from the CLI')

  // Stock snarkjs accepts the proof with the bundle's public signals file as is
  writeFileSync(path.join(work, 'public.json'), JSON.stringify(res.publicSignals))
  writeFileSync(path.join(work, 'proof.json'), JSON.stringify(res.proof))
  const cli = path.join(path.dirname(require.resolve('snarkjs')), 'cli.cjs')
  const { stdout } = await run(process.execPath, [cli, 'groth16', 'verify', art.vkPath, path.join(work, 'public.json'), path.join(work, 'proof.json')])
  t.match(stdout, /OK!/)
})

t.test('the circuit refuses a padding flag that is not a bit, and the prover names a bad row', async (t) => {
  const prover = await loadProver(art.dir)
  const pad = art.layout.pad.xq.map((v) => v.toString())
  const x = Array.from({ length: SIZE }, () => pad)
  await t.resolves(prover.wc.calculateWitness({ x, real: Array(SIZE).fill('0') }, true), 'all-padding witness is fine')
  // real = 1 + 4d would shift the packed logit by d if the flag were not constrained to a bit
  await t.rejects(prover.wc.calculateWitness({ x, real: ['5', ...Array(SIZE - 1).fill('0')] }, true))
  const xs = rows(2, 9)
  xs[1][2] = 1e30
  const err = await proveBatch(art.dir, xs).then(() => null, (e: unknown) => e)
  t.ok(err instanceof BatchInputRangeError, 'an input out of range is a BatchInputRangeError')
  t.match(err, { row: 1, column: 2, message: /row 1: input 2/ })
  await t.rejects(proveBatch(art.dir, rows(SIZE + 1, 3)), RangeError)
})

let callWords: (args: BatchCallArgs) => Promise<bigint>

/** solc (compileSolidity, cached by content) + an in-process EVM; returns a caller of verifyBatch (and sets callWords). */
async function deploy (source: string, contract: string) {
  const c = compileSolidity(source, contract)
  const selector = c.methodIdentifiers[BATCH_VERIFY_SIGNATURE]
  const evm = await createEVM()
  const deployed = await evm.runCall({ data: hexToBytes(`0x${c.bytecode}`), gasLimit: 30_000_000n })
  const address = deployed.createdAddress
  if (deployed.execResult.exceptionError || !address) throw new Error(`deploy failed: ${deployed.execResult.exceptionError?.error}`)
  const wordsSelector = c.methodIdentifiers['words(int256[],int256[],uint256[])']
  callWords = async (args: BatchCallArgs) => {
    const call = await evm.runCall({ to: address, data: hexToBytes(`0x${wordsSelector}${encodeBatchCall({ ...args, proof: [] })}`), gasLimit: 30_000_000n })
    return call.execResult.executionGasUsed
  }
  return async (args: BatchCallArgs) => {
    const call = await evm.runCall({ to: address, data: hexToBytes(`0x${selector}${encodeBatchCall(args)}`), gasLimit: 30_000_000n })
    const ret = Buffer.from(call.execResult.returnValue).toString('hex')
    if (call.execResult.exceptionError) return { ok: false, gas: call.execResult.executionGasUsed, labels: [] as string[], ret }
    // abi: offset, length, items
    const n = Number(BigInt(`0x${ret.slice(64, 128)}`))
    const labels = Array.from({ length: n }, (_, i) => BigInt(`0x${ret.slice(128 + 64 * i, 192 + 64 * i)}`).toString())
    return { ok: true, gas: call.execResult.executionGasUsed, labels, ret }
  }
}

t.test('the batch contract accepts the proven rows and rejects a changed row or output', async (t) => {
  const call = await deploy(readFileSync(art.contractPath, 'utf8'), batchContractName(SIZE))
  const xs = rows(2, 11)
  const res = await proveBatch(art.dir, xs)
  const args = batchCallArgs(art.layout, res.proof, res.publicSignals)
  const ok = await call(args)
  t.equal(ok.ok, true, 'verifyBatch accepts')
  t.same(ok.labels, res.rows.map((r) => String(r.label)), 'and returns the proven labels')
  t.comment(`batch of ${SIZE} (${args.labels.length} rows): ${ok.gas} execution gas`)
  const wordsOnly = await callWords(args)
  t.comment(`of which packing the words: ${wordsOnly} gas`)

  const x = { ...args, x: [...args.x] }
  x.x[10 + 4] = (BigInt(x.x[10 + 4]) + 1n).toString()
  t.equal((await call(x)).ok, false, 'a changed input of row 1 reverts')
  const logit = { ...args, logits: [...args.logits] }
  logit.logits[0] = (BigInt(logit.logits[0]) - 1n).toString()
  t.equal((await call(logit)).ok, false, 'a changed logit reverts')
  const label = { ...args, labels: args.labels.map((l, i) => (i === 1 ? String(1 - Number(l)) : l)) }
  t.equal((await call(label)).ok, false, 'a changed label reverts')
  const fewer = { ...args, x: args.x.slice(0, 10), logits: args.logits.slice(0, 1), labels: args.labels.slice(0, 1) }
  t.equal((await call(fewer)).ok, false, 'dropping a row reverts (it would be padding, which the proof does not say)')
  const huge = { ...args, x: [...args.x] }
  huge.x[3] = (1n << 200n).toString()
  t.equal((await call(huge)).ok, false, 'a value outside its field reverts instead of aliasing')
})
