/**
 * `proof: "batch"` over the real app (issue 15): a JSON and an Arrow request each get one proof shared
 * by their rows, each prediction naming its row; the proof is made by the batch circuit (built on first
 * use, padded to the next size), verifies by id and by bundle, the downloaded bundle verifies offline
 * with the CLI and with stock `snarkjs groth16 verify`, and a tampered row fails. Limits: more rows
 * than MAX_BATCH_PROOF is a 400, a batch the powers of tau cannot hold a 503 naming PTAU_FILE.
 *
 * The model is test/fixtures/proof-small.onnx (10-4-1, 870 constraints a row), so a batch of 4 rows
 * (3,495 constraints) fits the shipped 2^12 development powers of tau and a batch of 8 does not.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import t from 'tap'
import { tableFromArrays, tableToIPC } from 'apache-arrow'
import { build, multipartBody } from '../helpers/build.js'
import { waitFor } from '../helpers/app.js'
import { AAVE_LIKE_SCALER, rng } from '../helpers/mlp-onnx.js'

const require = createRequire(import.meta.url)
const run = promisify(execFile)
const fixture = new Uint8Array(readFileSync(new URL('../../../test/fixtures/proof-small.onnx', import.meta.url)))
const cliPath = fileURLToPath(new URL('../../src/cli.js', import.meta.url))
const snarkjsCli = path.join(path.dirname(require.resolve('snarkjs')), 'cli.cjs')
const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z))
const ARROW = 'application/vnd.apache.arrow.stream'

/** Rows inside the fixture's scaler box (the circuit's input ranges). */
function rows (n: number, seed: number): number[][] {
  const g = rng(seed)
  const { min, max } = AAVE_LIKE_SCALER
  return Array.from({ length: n }, () => min.map((m, i) => (max[i] === m ? m : m + (max[i] - m) * g())))
}

t.test('one proof for the rows of a request', async (t) => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'zkp-batch-http-'))
  t.teardown(() => rmSync(work, { recursive: true, force: true }))
  const { call, inject } = await build(t, { config: { MAX_BATCH_PROOF: 8 } })
  const up = multipartBody({ model: { bytes: fixture, filename: 'small.onnx' }, spec: JSON.stringify({ name: 'small' }) })
  const uploaded = await inject({ method: 'POST', url: '/models', ...up })
  t.equal(uploaded.statusCode, 201, uploaded.body)
  const model = await waitFor(async () => {
    const res = await call('GET', '/models/small')
    return ['ready', 'failed', 'unsupported'].includes(res.body.circuit?.status) ? res.body : undefined
  }, 300_000, 250)
  t.equal(model.circuit.status, 'ready', model.circuit.error)
  const features: string[] = model.features

  const proofSettled = async (id: string): Promise<any> => await waitFor(async () => {
    const res = await call('GET', `/proofs/${id}`)
    return res.body.status === 'succeeded' || res.body.status === 'failed' ? res.body : undefined
  }, 600_000, 250)

  const X = rows(3, 21)
  const predicted = await call('POST', '/predict', { model: 'small', instances: X, proof: 'batch' })
  t.equal(predicted.status, 200, JSON.stringify(predicted.body))
  const ids = new Set(predicted.body.predictions.map((p: any) => p.proof.id))
  t.equal(ids.size, 1, 'every prediction carries the same proof')
  predicted.body.predictions.forEach((p: any, r: number) => {
    t.equal(p.proof.row, r, `prediction ${r} is row ${r} of the batch`)
    t.equal(p.proof.status, 'queued')
  })
  const id = predicted.body.predictions[0].proof.id as string
  const proof = await proofSettled(id)

  t.test('GET /proofs/{id} shows the rows, their proven outputs and the proof', async (t) => {
    t.equal(proof.status, 'succeeded', proof.error)
    t.equal(proof.proof_system, 'groth16')
    t.equal(proof.batch.size, 4, '3 rows are padded to the batch circuit of 4')
    t.equal(proof.batch.rows.length, 3)
    t.match(proof.batch.vk_sha256, /^[0-9a-f]{64}$/)
    t.ok(proof.public_signals.length < 3 * 12, `${proof.public_signals.length} public words for 3 rows (12 signals each if single)`)
    t.ok(proof.proof.pi_a != null)
    proof.batch.rows.forEach((row: any, r: number) => {
      const served = predicted.body.predictions[r]
      t.equal(row.row, r)
      t.same(row.inputs, X[r])
      t.same(row.served, { probability: served.probability, label: served.label })
      t.ok(Math.abs(sigmoid(row.output.logit) - served.probability) <= 1e-3,
        `row ${r}: |sigmoid(proven logit) - served| = ${Math.abs(sigmoid(row.output.logit) - served.probability).toExponential(2)}`)
      t.equal(row.output.label, served.label, `row ${r} label`)
    })
  })

  t.test('it verifies by id and by bundle; a tampered row or word does not', async (t) => {
    const byId = await call('POST', `/proofs/${id}/verify`)
    t.equal(byId.status, 200)
    t.equal(byId.body.verified, true, JSON.stringify(byId.body))
    const download = await call('GET', `/proofs/${id}/download`)
    t.equal(download.status, 200)
    const bundle = download.body
    t.equal(bundle.kind, 'batch')
    t.equal(bundle.batch.size, 4)
    t.equal(bundle.rows.length, 3)
    t.same(bundle.public_signals, proof.public_signals)
    const good = await call('POST', '/proofs/verify', bundle)
    t.equal(good.body.verified, true, JSON.stringify(good.body))

    const tampered = structuredClone(bundle)
    tampered.rows[1].label = 1 - tampered.rows[1].label
    const bad = await call('POST', '/proofs/verify', tampered)
    t.equal(bad.status, 200)
    t.equal(bad.body.verified, false, 'a changed label of row 1')
    t.match(bad.body.reason, /row 1 differs/)
    const input = structuredClone(bundle)
    input.rows[2].inputs[4] *= 1.01
    t.equal((await call('POST', '/proofs/verify', input)).body.verified, false, 'a changed input of row 2')
    const word = structuredClone(bundle)
    word.public_signals[0] = (BigInt(word.public_signals[0]) ^ 2n).toString()
    t.equal((await call('POST', '/proofs/verify', word)).body.verified, false, 'a flipped bit in the public words')

    // Offline: the CLI (snarkjs, then words = rows) and stock snarkjs on the bundle's three files
    const file = path.join(work, 'batch.json')
    writeFileSync(file, JSON.stringify(bundle))
    const cli = await run(process.execPath, [cliPath, 'proof', 'verify', file])
    t.match(cli.stdout, /verified: true \(groth16 batch of 4/)
    t.match(cli.stdout, /rows match the public signals: true/)
    writeFileSync(path.join(work, 'tampered.json'), JSON.stringify(tampered))
    const refused = await run(process.execPath, [cliPath, 'proof', 'verify', path.join(work, 'tampered.json')])
      .then(() => null, (e: { code: number, stdout: string }) => e)
    t.equal(refused?.code, 1, 'the CLI exits 1 on a tampered row')
    t.match(refused?.stdout, /rows match the public signals: false \(row 1 differs/)
    writeFileSync(path.join(work, 'vk.json'), JSON.stringify(bundle.verification_key))
    writeFileSync(path.join(work, 'public.json'), JSON.stringify(bundle.public_signals))
    writeFileSync(path.join(work, 'proof.json'), JSON.stringify(bundle.proof))
    const stock = await run(process.execPath, [snarkjsCli, 'groth16', 'verify', ...['vk', 'public', 'proof'].map((f) => path.join(work, `${f}.json`))])
    t.match(stock.stdout, /OK!/)
    const calldata = await run(process.execPath, [cliPath, 'proof', 'calldata', file])
    const args = JSON.parse(calldata.stdout)
    t.equal(args.labels.length, 3, 'verifyBatch arguments for the 3 rows')
    t.same(args.labels, proof.batch.rows.map((r: any) => String(r.output.label)))
  })

  t.test('the batch contract of the built size is served', async (t) => {
    const sol = await inject({ method: 'GET', url: '/models/small/versions/1/batch-verifier.sol?size=4' })
    t.equal(sol.statusCode, 200)
    t.match(sol.body, /contract ZkPredictBatch4Verifier/)
    const notASize = await call('GET', '/models/small/versions/1/batch-verifier.sol?size=3')
    t.equal(notASize.status, 400)
    t.match(notASize.body.message, /1, 2, 4, 8/)
    const notBuilt = await call('GET', '/models/small/versions/1/batch-verifier.sol?size=2')
    t.equal(notBuilt.status, 409)
    t.match(notBuilt.body.message, /no batch circuit of 2 rows yet.*2 rows/)
  })

  t.test('an Arrow request: one proof, an unprovable row marked and left out', async (t) => {
    const A = rows(4, 33)
    A[2][3] = 1e15 // far outside the circuit's range for this feature
    const columns = Object.fromEntries(features.map((f, i) => [f, Float64Array.from(A.map((x) => x[i]))]))
    const res = await inject({
      method: 'POST', url: '/predict?model=small&proof=batch', headers: { 'content-type': ARROW }, payload: Buffer.from(tableToIPC(tableFromArrays(columns), 'stream')),
    })
    t.equal(res.statusCode, 200, res.body)
    const body = JSON.parse(res.body)
    t.equal(body.predictions[2].proof.status, 'unprovable')
    t.match(body.predictions[2].proof.reason, /row 2: .* is outside the range the circuit can prove/)
    const handles = [0, 1, 3].map((r) => body.predictions[r].proof)
    t.equal(new Set(handles.map((h: any) => h.id)).size, 1, 'the provable rows share one proof')
    t.same(handles.map((h: any) => h.row), [0, 1, 2], 'request rows 0, 1, 3 are batch rows 0, 1, 2')
    const arrowProof = await proofSettled(handles[0].id)
    t.equal(arrowProof.status, 'succeeded', arrowProof.error)
    t.same(arrowProof.batch.rows.map((r: any) => r.inputs), [A[0], A[1], A[3]])
    arrowProof.batch.rows.forEach((row: any, i: number) => {
      t.ok(Math.abs(sigmoid(row.output.logit) - row.served.probability) <= 1e-3, `batch row ${i}`)
    })
    const verified = await call('POST', `/proofs/${handles[0].id}/verify`)
    t.equal(verified.body.verified, true)
  })

  t.test('limits: too many rows is a 400, a batch the powers of tau cannot hold a 503 naming PTAU_FILE', async (t) => {
    const tooMany = await call('POST', '/predict', { model: 'small', instances: rows(9, 5), proof: 'batch' })
    t.equal(tooMany.status, 400)
    t.equal(tooMany.body.error, 'batch_proof_too_large')
    t.match(tooMany.body.message, /9 rows .* at most 8 rows per batch proof \(MAX_BATCH_PROOF\)/)
    const tooBig = await call('POST', '/predict', { model: 'small', instances: rows(5, 6), proof: 'batch' })
    t.equal(tooBig.status, 503, JSON.stringify(tooBig.body))
    t.equal(tooBig.body.error, 'ptau_too_small')
    t.match(tooBig.body.message, /a batch proof of 8 rows .* needs a powers of tau of 2\^13; .* holds 2\^12: set PTAU_FILE .* send at most 4 rows/)
    t.equal(tooBig.headers['retry-after'], undefined, 'no retry lifts a server limit')
    const unknown = await call('POST', '/predict', { model: 'small', instances: rows(1, 7), proof: 'all' })
    t.equal(unknown.status, 400)
  })
})
