/**
 * Private models through the HTTP API at the real architecture (10-32-16-1), outside npm test:
 *   PTAU_FILE=path/to/2^15.ptau node dist/scripts/check-private-http.js [--rows 20] [--epochs N]
 *
 * The real app (buildApp + inject, a fresh DATA_DIR): trains a private version through POST /train
 * (synthetic data), waits for its architecture's circuit (the one build), uploads its ONNX file
 * (downloaded with the admin key) as a second private version (its own salt and commitment),
 * which must be provable at once with the same verification key; proves --rows rows of the test split
 * with each, checks |proven - served| <= 1e-3, verifies every proof by POST /proofs/{id}/verify, a
 * bundle by POST /proofs/verify, the CLI offline, stock snarkjs and the Solidity verifier in an EVM,
 * and that a proof of one version is refused for the other and a tampered signal is refused. Prints
 * prove p50/p95 (the service's prove_ms). Exit 1 on any failed check.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs, promisify } from 'node:util'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { generateSyntheticDatasets } from '../src/data/synthetic.js'
import { buildFeatureDataset } from '../src/features/index.js'
import { encodeVerifierArgs, solidityCallData, verifierSignature } from '../src/proofs/solidity.js'
import { deployVerifier } from '../test/helpers/evm-verifier.js'
import { multipartBody } from '../test/helpers/build.js'

const { values } = parseArgs({ options: { rows: { type: 'string' }, epochs: { type: 'string' } } })
const ROWS = Number(values.rows ?? 20)
if (process.env.PTAU_FILE == null || process.env.PTAU_FILE === '') {
  console.error('set PTAU_FILE to a 2^15 (or bigger) powers of tau: the 10-32-16-1 private circuit has ~29k constraints')
  process.exit(2)
}
const require = createRequire(import.meta.url)
const run = promisify(execFile)
const SNARKJS = path.join(path.dirname(require.resolve('snarkjs')), 'cli.cjs')
const CLI = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli.js')
const ADMIN = { 'x-api-key': 'admin' }
const work = mkdtempSync(path.join(os.tmpdir(), 'zkp-private-http-'))
const config = loadConfig(process.env, { DATA_DIR: work, LOG_LEVEL: 'warn', DEFAULT_MODELS: false, ADMIN_API_KEYS: 'admin', OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: 0 })
const app = await buildApp({ config })
await app.ready()
let failures = 0
const check = (ok: boolean, what: string): void => { console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`); if (!ok) failures++ }
async function call (method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<any> {
  const res = await app.inject({ method: method as 'GET', url, headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers }, payload: body === undefined ? undefined : JSON.stringify(body) })
  try { return { status: res.statusCode, body: JSON.parse(res.body), raw: res.rawPayload } } catch { return { status: res.statusCode, body: res.body, raw: res.rawPayload } }
}
async function poll<T> (fn: () => Promise<T | undefined>, ms = 3_600_000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await fn()
    if (v !== undefined) return v
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}
const pct = (xs: number[], p: number): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))] }

try {
  const t0 = Date.now()
  const job = await call('POST', '/train', { model: 'trained', seed: 1, ...(values.epochs != null ? { epochs: Number(values.epochs) } : {}), proof_visibility: 'private', data: { synthetic: { seed: 5 } } })
  const done = await poll(async () => { const j = (await call('GET', `/train/${job.body.id}`)).body; return ['succeeded', 'failed'].includes(j.status) ? j : undefined })
  check(done.status === 'succeeded', `trained a private version (${((Date.now() - t0) / 1000).toFixed(0)} s) ${done.error ?? ''}`)
  const t1 = Date.now()
  const trained = await poll(async () => { const v = (await call('GET', '/models/trained')).body; return ['ready', 'failed'].includes(v.circuit?.status) ? v : undefined })
  check(trained.circuit.status === 'ready', `architecture ${trained.circuit_id}: ${trained.circuit.constraints} constraints, built in ${((Date.now() - t1) / 1000).toFixed(0)} s ${trained.circuit.error ?? ''}`)
  check((await call('GET', '/models/trained/versions/1/model.onnx')).status === 403, 'ONNX without the admin key: 403')
  const onnx = new Uint8Array((await call('GET', '/models/trained/versions/1/model.onnx', undefined, ADMIN)).raw)
  // the same file as a second private version: the same architecture (and weights), its own salt and commitment
  const { payload, headers } = multipartBody({ model: { bytes: onnx, filename: 'm.onnx' }, spec: { json: JSON.stringify({ name: 'uploaded', proof_visibility: 'private', features: trained.features }) } })
  const up = await app.inject({ method: 'POST', url: '/models', payload, headers })
  check(up.statusCode === 201, 'uploaded the same architecture as a private version')
  const uploaded = (await call('GET', '/models/uploaded')).body
  check(uploaded.provable === true && uploaded.circuit.build_ms === 0, 'the upload is provable at registration, no build')
  check(uploaded.circuit.vk_sha256 === trained.circuit.vk_sha256, `one verification key ${trained.circuit.vk_sha256.slice(0, 16)}...`)
  check(uploaded.commitment !== trained.commitment, 'its own commitment (own salt)')

  const ds = buildFeatureDataset(generateSyntheticDatasets({ seed: 5 }), { variant: 'per-token', window: 7 })
  const rows = ds.test.X.slice(0, ROWS)
  const times: number[] = []
  let maxDiff = 0
  const proofs: Record<string, any[]> = {}
  for (const name of ['trained', 'uploaded']) {
    const pred = await call('POST', '/predict', { model: name, instances: rows, proof: true })
    proofs[name] = []
    for (const p of pred.body.predictions) {
      const proof = await poll(async () => { const r = (await call('GET', `/proofs/${p.proof.id}`)).body; return ['succeeded', 'failed'].includes(r.status) ? r : undefined })
      if (proof.status !== 'succeeded') { check(false, `proof ${proof.id}: ${proof.error}`); continue }
      times.push(proof.prove_ms)
      maxDiff = Math.max(maxDiff, Math.abs(proof.output.probability - p.probability))
      proofs[name].push(proof)
    }
  }
  check(maxDiff <= 1e-3, `max |proven - served| over ${times.length} proofs: ${maxDiff.toExponential(2)}`)
  console.log(`prove_ms p50 ${pct(times, 0.5).toFixed(0)} p95 ${pct(times, 0.95).toFixed(0)} (n=${times.length}, service-side, in-process prover)`)
  let routeOk = true
  for (const p of [...proofs.trained, ...proofs.uploaded]) routeOk &&= (await call('POST', `/proofs/${p.id}/verify`)).body.verified === true
  check(routeOk, 'POST /proofs/{id}/verify: every proof')
  const [a, b] = [proofs.trained[0], proofs.uploaded[0]]
  const bundleA = (await call('GET', `/proofs/${a.id}/download`)).body
  const bundleB = (await call('GET', `/proofs/${b.id}/download`)).body
  check((await call('POST', '/proofs/verify', bundleA)).body.verified === true, 'POST /proofs/verify: the bundle')
  check((await call('POST', '/proofs/verify', { ...bundleB, model: bundleA.model })).body.verified === false, "refused: the upload's proof presented for the trained version")
  const tampered = [...bundleA.public_signals]
  tampered[1] = (BigInt(tampered[1]) + 1n).toString()
  check((await call('POST', '/proofs/verify', { ...bundleA, public_signals: tampered })).body.verified === false, 'refused: a tampered logit')
  const f = (n: string, v: unknown): string => { const file = path.join(work, n); writeFileSync(file, JSON.stringify(v)); return file }
  const cli = await run(process.execPath, [CLI, 'proof', 'verify', f('a.json', bundleA), '--commitment', trained.commitment]).then((r) => r.stdout, (e) => `exit ${e.code} ${e.stdout}`)
  check(/verified: true/.test(cli), `CLI offline: ${cli.split('\n')[0]}`)
  const cliBad = await run(process.execPath, [CLI, 'proof', 'verify', f('b.json', bundleB), '--commitment', trained.commitment]).then(() => 0, (e) => e.code)
  check(cliBad === 1, 'CLI refuses the upload\'s proof under the trained commitment')
  const snark = await run(process.execPath, [SNARKJS, 'groth16', 'verify', f('vk.json', bundleA.verification_key), f('public.json', bundleA.public_signals), f('proof.json', bundleA.proof)])
  check(/OK!/.test(snark.stdout) && bundleA.public_signals[0] === trained.commitment, 'stock snarkjs groth16 verify, public.json[0] = the commitment')
  const source = (await app.inject({ method: 'GET', url: '/models/trained/versions/1/verifier.sol' })).body
  const vk = (await call('GET', '/models/trained/versions/1/verification-key')).body
  const evm = await deployVerifier(source, 'Groth16Verifier', verifierSignature('groth16', vk.nPublic))
  const yes = await evm(encodeVerifierArgs(await solidityCallData('groth16', bundleA.proof, bundleA.public_signals)))
  check(yes.returned, `EVM: accepted, ${yes.gas} gas`)
  const no = await evm(encodeVerifierArgs(await solidityCallData('groth16', bundleA.proof, [uploaded.commitment, ...bundleA.public_signals.slice(1)])))
  check(!no.returned, 'EVM: refused with the other version\'s commitment')
  const health = (await call('GET', '/health')).body
  console.log(`health private_circuits: ${JSON.stringify(health.private_circuits.map((c: any) => ({ id: c.circuit_id, trust: c.setup_trust, ptau: c.ptau })))}`)
} finally {
  await app.close()
  rmSync(work, { recursive: true, force: true })
}
console.log(failures === 0 ? 'all checks passed' : `${failures} checks failed`)
process.exitCode = failures === 0 ? 0 : 1
