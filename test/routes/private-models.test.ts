/**
 * Private versions through the HTTP API (issue 14): two private uploads of one small architecture
 * (3-4-3-1, within the shipped 2^12 dev ptau) share one circuit and verification key, the second is
 * registered provable with no build; their proofs verify through POST /proofs/{id}/verify, POST
 * /proofs/verify, the CLI offline, stock snarkjs and the Solidity verifier in an EVM; every rejection
 * case fails; the ONNX file, weights and salt need an admin key; a ceremony key from PRIVATE_ZKEY_DIR
 * is verified, installed and reported. A private version trained through the API (10-32-16-1, whose
 * circuit needs 2^15: not built here) is committed to and shares its circuit id with an upload of
 * the same architecture.
 */
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import t from 'tap'
import { build, multipartBody, type InjectedApp } from '../helpers/build.js'
import { waitFor } from '../helpers/app.js'
import { buildMlpOnnx, randomLayers } from '../helpers/mlp-onnx.js'
import { deployVerifier } from '../helpers/evm-verifier.js'
import { encodeVerifierArgs, solidityCallData, verifierSignature } from '../../src/proofs/solidity.js'
import { commitParams, exportCeremonyStart, paramsFromJSON, planArchitecture } from '../../src/proofs/private/index.js'
import { SHIPPED_DEV_PTAU } from '../../src/services/index.js'

const require = createRequire(import.meta.url)
const run = promisify(execFile)
const SNARKJS = path.join(path.dirname(require.resolve('snarkjs')), 'cli.cjs')
const CLI = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli.js')
const SIZES = [3, 4, 3, 1]
const CIRCUIT_ID = 'mlp-3-4-3-1-relu-pfx1'
/** The files this process has open (Linux: /proc/self/fd). */
const openFiles = (): string[] => readdirSync('/proc/self/fd').flatMap((fd) => {
  try { return [readlinkSync(`/proc/self/fd/${fd}`)] } catch { return [] }
})
const sha256File = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex')
const USER = { 'x-api-key': 'user-key' }
const ADMIN = { 'x-api-key': 'admin-key' }
const CONFIG = { API_KEYS: 'user-key', ADMIN_API_KEYS: 'admin-key' }
// An architecture build, a ceremony and ~10 proofs: minutes on a shared 2-core machine (bounds, not time assertions)
const LONG = 1_500_000
t.setTimeout(3_000_000)

const work = mkdtempSync(path.join(os.tmpdir(), 'zkp-private-http-'))
t.teardown(() => rmSync(work, { recursive: true, force: true }))

const scalerA = { min: [0, 1.2e5, 0.0004], max: [4.2e9, 5.6e10, 0.31] }
const scalerB = { min: [10, 0, 1], max: [1e6, 2e9, 2] }
const layersA = randomLayers(SIZES, 1)
const onnxA = buildMlpOnnx({ layers: layersA, scaler: scalerA })
const onnxB = buildMlpOnnx({ layers: randomLayers(SIZES, 2), scaler: scalerB, metadata: { threshold: '0.3' } })
// A with one weight moved by one quantum of the private format (2^-14): another model, another commitment
const layersN = layersA.map((l) => ({ weights: l.weights.map((r) => [...r]), bias: [...l.bias] }))
layersN[1].weights[0][0] += 2 ** -14
const onnxN = buildMlpOnnx({ layers: layersN, scaler: scalerA })
const X = [5e5, 1e9, 0.3] // inside the provable box of A, B and N

async function upload (app: InjectedApp, name: string, onnx: Uint8Array, spec: Record<string, unknown> = {}): Promise<any> {
  const { payload, headers } = multipartBody({ model: { bytes: onnx, filename: `${name}.onnx` }, spec: { json: JSON.stringify({ name, ...spec }) } })
  const res = await app.inject({ method: 'POST', url: '/models', payload, headers: { ...headers, ...USER } })
  return { status: res.statusCode, body: JSON.parse(res.body) }
}

async function ready (app: InjectedApp, name: string): Promise<any> {
  return await waitFor(async () => {
    const v = (await app.call('GET', `/models/${name}`)).body
    return ['ready', 'failed', 'unsupported'].includes(v.circuit?.status) ? v : undefined
  }, LONG, 200)
}

async function prove (app: InjectedApp, name: string, row: number[]): Promise<any> {
  const res = await app.call('POST', '/predict', { model: name, instances: [row], proof: true })
  if (res.status !== 200) throw new Error(JSON.stringify(res.body))
  const id = res.body.predictions[0].proof.id as string
  const proof = await waitFor(async () => {
    const p = (await app.call('GET', `/proofs/${id}`)).body
    return p.status === 'succeeded' || p.status === 'failed' ? p : undefined
  }, LONG, 100)
  return { ...proof, served: res.body.predictions[0] }
}

const verifyBundle = async (app: InjectedApp, bundle: unknown): Promise<any> => (await app.call('POST', '/proofs/verify', bundle)).body

async function cli (...args: string[]): Promise<{ code: number, stdout: string }> {
  return await run(process.execPath, [CLI, ...args], { timeout: 300_000 })
    .then((r) => ({ code: 0, stdout: r.stdout }), (e: { code: number, stdout: string }) => ({ code: e.code, stdout: e.stdout }))
}

t.test('two private uploads of one architecture: one circuit, proofs that hide the weights, verified five ways', async (t) => {
  const app = await build(t, { config: CONFIG })
  const a = await upload(app, 'priv-a', onnxA, { proof_visibility: 'private' })
  t.equal(a.status, 201, JSON.stringify(a.body))
  const va = await ready(app, 'priv-a')
  t.equal(va.circuit.status, 'ready', va.circuit.error)
  t.equal(va.proof_visibility, 'private')
  t.equal(va.circuit_id, CIRCUIT_ID)
  t.match(va.commitment, /^[0-9]{20,78}$/)
  t.equal(va.circuit.circuit_id, CIRCUIT_ID)
  t.equal(va.circuit.setup_trust, 'local-insecure')
  t.same(va.circuit.contributions.map((c: any) => c.name), ['zkpredict operator'])
  t.equal(va.circuit.input_ranges, undefined, 'no input ranges: they would reveal the private scaler')
  const archZkey = path.join(app.dataDir, 'circuits', 'private', CIRCUIT_ID, 'circuit.zkey')
  const zkeyMtime = statSync(archZkey).mtimeMs

  // The second private version of the architecture: ready at registration, same key, no build
  const b = await upload(app, 'priv-b', onnxB, { proof_visibility: 'private' })
  t.equal(b.status, 201)
  const vb = (await app.call('GET', '/models/priv-b')).body
  t.equal(vb.provable, true, 'provable the moment it is registered')
  t.equal(vb.circuit.status, 'ready')
  t.equal(vb.circuit.build_ms, 0, 'no build')
  t.equal(vb.circuit.vk_sha256, va.circuit.vk_sha256, 'one verification key for the architecture')
  t.not(vb.commitment, va.commitment)
  t.equal(statSync(archZkey).mtimeMs, zkeyMtime, 'the key file was not rewritten')
  const vkA = (await app.call('GET', '/models/priv-a/versions/1/verification-key')).body
  t.same((await app.call('GET', '/models/priv-b/versions/1/verification-key')).body, vkA)

  const n = await upload(app, 'priv-n', onnxN, { proof_visibility: 'private' })
  t.equal(n.status, 201)
  const vn = (await app.call('GET', '/models/priv-n')).body
  t.equal(vn.provable, true)

  const health = (await app.call('GET', '/health')).body
  t.same(health.private_circuits.map((c: any) => [c.circuit_id, c.setup_trust, c.vk_sha256]), [[CIRCUIT_ID, 'local-insecure', va.circuit.vk_sha256]])

  const pa = await prove(app, 'priv-a', X)
  const pb = await prove(app, 'priv-b', X)
  const pn = await prove(app, 'priv-n', X)
  for (const [p, v] of [[pa, va], [pb, vb], [pn, vn]]) {
    t.equal(p.status, 'succeeded', p.error)
    t.equal(p.commitment, v.commitment, 'GET /proofs/{id} carries the commitment')
    t.equal(p.circuit_id, CIRCUIT_ID)
    t.equal(p.public_signals[0], v.commitment, 'public signal 0 is the commitment')
    t.equal(p.public_signals.length, 3 + SIZES[0])
    t.ok(Math.abs(p.output.probability - p.served.probability) <= 1e-3, `|proven - served| = ${Math.abs(p.output.probability - p.served.probability)}`)
    t.equal(p.output.label, p.served.label)
  }

  t.test('routes: POST /proofs/{id}/verify and POST /proofs/verify', async (t) => {
    for (const p of [pa, pb]) {
      t.same((await app.call('POST', `/proofs/${p.id}/verify`)).body.verified, true)
      const bundle = (await app.call('GET', `/proofs/${p.id}/download`)).body
      t.equal(bundle.commitment, p.commitment)
      t.equal(bundle.circuit_id, CIRCUIT_ID)
      t.equal((await verifyBundle(app, bundle)).verified, true)
    }
  })

  const bundleA = (await app.call('GET', `/proofs/${pa.id}/download`)).body
  const bundleB = (await app.call('GET', `/proofs/${pb.id}/download`)).body
  const bundleN = (await app.call('GET', `/proofs/${pn.id}/download`)).body

  t.test('rejections: another model, one weight apart, tampered signals', async (t) => {
    const asA = (bundle: any, extra: Record<string, unknown> = {}): unknown => ({ ...bundle, model: bundleA.model, ...extra })
    const other = await verifyBundle(app, asA(bundleB))
    t.equal(other.verified, false, "a proof made with another model's weights, presented for A")
    t.match(other.reason, /commitment/)
    t.equal((await verifyBundle(app, asA(bundleB, { commitment: va.commitment }))).verified, false, "and the bundle's copy of the commitment is not trusted")
    const relabelled = asA(bundleB, { public_signals: [va.commitment, ...bundleB.public_signals.slice(1)] })
    t.equal((await verifyBundle(app, relabelled)).verified, false, "B's proof with A's commitment put in signal 0")
    t.equal((await verifyBundle(app, asA(bundleN))).verified, false, 'a proof of A with one weight moved by one quantum')
    t.not(vn.commitment, va.commitment, 'one weight one quantum apart: another commitment')
    t.equal((await verifyBundle(app, { ...bundleA, model: bundleN.model })).verified, false, "A's proof for the nudged version")
    for (const i of [1, 2, 3]) {
      const signals = [...bundleA.public_signals]
      signals[i] = i === 2 ? (signals[2] === '1' ? '0' : '1') : (BigInt(signals[i]) + 1n).toString()
      t.equal((await verifyBundle(app, { ...bundleA, public_signals: signals })).verified, false, `tampered public signal ${i}`)
    }
  })

  t.test('the CLI offline and stock snarkjs', async (t) => {
    const file = (name: string, value: unknown): string => { const f = path.join(work, name); writeFileSync(f, JSON.stringify(value)); return f }
    const good = await cli('proof', 'verify', file('a.json', bundleA))
    t.equal(good.code, 0, good.stdout)
    t.match(good.stdout, /verified: true/)
    t.match(good.stdout, new RegExp(`commitment ${va.commitment}`))
    const pinned = await cli('proof', 'verify', file('a.json', bundleA), '--commitment', va.commitment)
    t.equal(pinned.code, 0, pinned.stdout)
    const wrongPin = await cli('proof', 'verify', file('b.json', bundleB), '--commitment', va.commitment)
    t.equal(wrongPin.code, 1, "B's proof is refused when A's commitment is pinned")
    t.match(wrongPin.stdout, /verified: false/)
    const tampered = await cli('proof', 'verify', file('t.json', { ...bundleA, public_signals: [vb.commitment, ...bundleA.public_signals.slice(1)], commitment: vb.commitment }))
    t.equal(tampered.code, 1, 'signal 0 swapped for another commitment breaks the proof')

    const vk = file('vk.json', bundleA.verification_key)
    const proof = file('proof.json', bundleA.proof)
    const ok = await run(process.execPath, [SNARKJS, 'groth16', 'verify', vk, file('public.json', bundleA.public_signals), proof])
    t.match(ok.stdout, /OK!/)
    t.equal(JSON.parse(readFileSync(path.join(work, 'public.json'), 'utf8'))[0], va.commitment, 'public.json[0] is the published commitment')
    const bad = await run(process.execPath, [SNARKJS, 'groth16', 'verify', vk, file('public.json', [vb.commitment, ...bundleA.public_signals.slice(1)]), proof])
      .catch((e: { stdout: string }) => e)
    t.match(bad.stdout, /Invalid proof/)
  })

  t.test('the Solidity verifier in an EVM', async (t) => {
    const source = (await app.inject({ method: 'GET', url: '/models/priv-a/versions/1/verifier.sol' })).body
    t.equal((await app.inject({ method: 'GET', url: '/models/priv-b/versions/1/verifier.sol' })).body, source, 'one verifier for the architecture')
    const call = await deployVerifier(source, 'Groth16Verifier', verifierSignature('groth16', vkA.nPublic))
    const yes = await call(encodeVerifierArgs(await solidityCallData('groth16', bundleA.proof, bundleA.public_signals)))
    t.equal(yes.returned, true, yes.error ?? 'accepted on-chain')
    t.comment(`private ${CIRCUIT_ID} verification gas: ${yes.gas}`)
    const no = await call(encodeVerifierArgs(await solidityCallData('groth16', bundleA.proof, [vb.commitment, ...bundleA.public_signals.slice(1)])))
    t.equal(no.returned, false, "refused with B's commitment")
    const tampered = [...bundleA.public_signals]
    tampered[1] = (BigInt(tampered[1]) + 1n).toString()
    t.equal((await call(encodeVerifierArgs(await solidityCallData('groth16', bundleA.proof, tampered)))).returned, false, 'refused with a tampered logit')
  })

  t.test('secrets: ONNX, weights and salt only with an admin key, never in bundles', async (t) => {
    const url = '/models/priv-a/versions/1/model.onnx'
    t.equal((await app.inject({ method: 'GET', url })).statusCode, 403, 'no key')
    const user = await app.inject({ method: 'GET', url, headers: USER })
    t.equal(user.statusCode, 403, 'an API key that is not an admin key')
    t.equal(JSON.parse(user.body).error, 'admin_key_required')
    const admin = await app.inject({ method: 'GET', url, headers: ADMIN })
    t.equal(admin.statusCode, 200)
    t.same(new Uint8Array(admin.rawPayload), onnxA)
    const paramsUrl = '/models/priv-a/versions/1/private-parameters'
    t.equal((await app.call('GET', paramsUrl, undefined, USER)).status, 403)
    const secrets = (await app.call('GET', paramsUrl, undefined, ADMIN)).body
    t.equal(secrets.circuit_id, CIRCUIT_ID)
    t.equal(commitParams(planArchitecture(SIZES), paramsFromJSON(secrets.parameters), BigInt(secrets.salt)).toString(), va.commitment,
      'the weights and salt recompute the published commitment')
    for (const text of [JSON.stringify(bundleA), JSON.stringify(pa), JSON.stringify(va), JSON.stringify(health)]) {
      t.notOk(text.includes(secrets.salt), 'the salt is in no bundle, proof or view')
    }
    const pub = await upload(app, 'pub', onnxA)
    t.equal(pub.status, 201)
    t.equal((await app.inject({ method: 'GET', url: '/models/pub/versions/1/model.onnx' })).statusCode, 200, 'public versions as before')
    t.equal((await app.call('GET', '/models/pub')).body.proof_visibility, undefined)
    t.equal((await app.call('GET', '/models/pub/versions/1/private-parameters', undefined, ADMIN)).status, 404)
  })

  t.test('batch proofs of private versions: one (architecture, size) key for two versions, verified, rejections', async (t) => {
    const X2 = [2e6, 3e9, 0.1]
    const far = [4.2e9 * 400, 1e9, 0.3] // outside A's provable box (more than 256 training widths out)
    const batchOf = async (name: string, instances: number[][]): Promise<any> => {
      const res = await app.call('POST', '/predict', { model: name, instances, proof: 'batch' }, USER)
      t.equal(res.status, 200, JSON.stringify(res.body))
      const ids = new Set(res.body.predictions.filter((p: any) => p.proof?.id != null).map((p: any) => p.proof.id))
      t.equal(ids.size, 1, 'one proof for the provable rows')
      const id = [...ids][0] as string
      const proof = await waitFor(async () => {
        const p = (await app.call('GET', `/proofs/${id}`)).body
        return p.status === 'succeeded' || p.status === 'failed' ? p : undefined
      }, LONG, 100)
      return { proof, predictions: res.body.predictions }
    }
    const a = await batchOf('priv-a', [X, far, X2])
    t.same(a.predictions.map((p: any) => p.proof.status), ['queued', 'unprovable', 'queued'])
    t.match(a.predictions[1].proof.reason, /row 1: .*outside the provable range/)
    t.same([a.predictions[0].proof.row, a.predictions[2].proof.row], [0, 1])
    const pa2 = a.proof
    t.equal(pa2.status, 'succeeded', pa2.error)
    t.equal(pa2.commitment, va.commitment, 'GET /proofs/{id} carries the commitment')
    t.equal(pa2.circuit_id, CIRCUIT_ID)
    t.equal(pa2.public_signals[0], va.commitment, 'public signal 0 is the commitment')
    t.equal(pa2.batch.size, 2)
    for (const [i, r] of [0, 2].entries()) {
      const row = pa2.batch.rows[i]
      t.ok(Math.abs(row.output.probability - a.predictions[r].probability) <= 1e-3, `|proven - served| = ${Math.abs(row.output.probability - a.predictions[r].probability)}`)
      t.equal(row.output.label, a.predictions[r].label)
    }
    const batchKey = path.join(app.dataDir, 'circuits', 'private-batch', CIRCUIT_ID, '2', 'circuit.zkey')
    const mtime = statSync(batchKey).mtimeMs
    const b = await batchOf('priv-b', [X, X2])
    t.equal(b.proof.status, 'succeeded', b.proof.error)
    t.equal(b.proof.public_signals[0], vb.commitment)
    t.equal(b.proof.batch.vk_sha256, pa2.batch.vk_sha256, 'one batch key for the architecture and size')
    t.equal(statSync(batchKey).mtimeMs, mtime, 'no second setup')
    t.notOk(existsSync(path.join(app.dataDir, 'models', 'priv-a', '1', 'batch')), 'no per-version batch circuit: the weights stay private')

    t.same((await app.call('POST', `/proofs/${pa2.id}/verify`)).body.verified, true)
    const bA = (await app.call('GET', `/proofs/${pa2.id}/download`)).body
    const bB = (await app.call('GET', `/proofs/${b.proof.id}/download`)).body
    t.equal(bA.kind, 'batch')
    t.equal(bA.commitment, va.commitment)
    t.equal(bA.circuit_id, CIRCUIT_ID)
    t.equal(bA.rows.length, 2)
    t.equal((await verifyBundle(app, bA)).verified, true, 'POST /proofs/verify')
    t.equal((await verifyBundle(app, bB)).verified, true)
    const asA = await verifyBundle(app, { ...bB, model: bA.model })
    t.equal(asA.verified, false, "B's batch presented for A")
    t.match(asA.reason, /commitment/)
    t.equal((await verifyBundle(app, { ...bB, model: bA.model, commitment: va.commitment })).verified, false, "the bundle's commitment is not trusted")
    const changedRow = JSON.parse(JSON.stringify(bA))
    changedRow.rows[1].inputs[0] += 1
    t.equal((await verifyBundle(app, changedRow)).verified, false, 'a changed row')
    const changedOut = JSON.parse(JSON.stringify(bA))
    changedOut.rows[0].label = 1 - changedOut.rows[0].label
    t.equal((await verifyBundle(app, changedOut)).verified, false, 'a changed output')
    const words = [...bA.public_signals]
    words[1] = (BigInt(words[1]) + 1n).toString()
    t.equal((await verifyBundle(app, { ...bA, public_signals: words })).verified, false, 'tampered signals')

    const file = (name: string, value: unknown): string => { const f = path.join(work, name); writeFileSync(f, JSON.stringify(value)); return f }
    const ok = await cli('proof', 'verify', file('ba.json', bA), '--commitment', va.commitment)
    t.equal(ok.code, 0, ok.stdout)
    t.match(ok.stdout, /rows match the public signals: true/)
    const wrong = await cli('proof', 'verify', file('bb.json', bB), '--commitment', va.commitment)
    t.equal(wrong.code, 1, "B's batch refused with A's commitment pinned")
    const vk = file('bvk.json', bA.verification_key)
    const stock = await run(process.execPath, [SNARKJS, 'groth16', 'verify', vk, file('bpublic.json', bA.public_signals), file('bproof.json', bA.proof)])
    t.match(stock.stdout, /OK!/, 'stock snarkjs with the bundle\'s public signals')

    const sol = await app.call('GET', '/models/priv-a/versions/1/batch-verifier.sol?size=2', undefined, USER)
    t.equal(sol.status, 200)
    t.match(sol.body, /contract ZkPredictPrivateBatch2Verifier/)
    t.equal((await app.call('GET', '/models/priv-b/versions/1/batch-verifier.sol?size=2', undefined, USER)).body, sol.body, 'one contract per architecture and size')
    t.equal((await app.call('GET', '/models/priv-a/versions/1/batch-verifier.sol?size=4', undefined, USER)).status, 409, 'size 4 is not built yet')
  })

  t.test('a deleted private version: its secrets are removed, its proofs still verify', async (t) => {
    const del = await app.call('DELETE', '/models/priv-n/versions/1', undefined, USER)
    t.equal(del.status, 200, JSON.stringify(del.body))
    const dir = path.join(app.dataDir, 'models', 'priv-n', '1')
    t.notOk(existsSync(path.join(dir, 'private.json')), 'weights and salt are gone with the version')
    t.equal((await app.call('GET', '/models/priv-n/versions/1/private-parameters', undefined, ADMIN)).status, 404)
    const check = (await app.call('POST', `/proofs/${pn.id}/verify`)).body
    t.equal(check.verified, true, JSON.stringify(check))
    t.equal((await verifyBundle(app, bundleN)).verified, true, 'its downloaded bundle verifies against the tombstone')
  })

  t.test('a ceremony key from PRIVATE_ZKEY_DIR is verified, installed and reported', async (t) => {
    // snarkjs's zkey verify leaves files open (the ptau always, the zkey when it refuses it); the service verifies in a
    // process of its own, so that none stays open here nor is closed by the garbage collector (DEP0137)
    const closedByGc: string[] = []
    const onWarning = (w: Error): void => { if (/Closing file descriptor/.test(w.message)) closedByGc.push(w.message) }
    process.on('warning', onWarning)
    t.teardown(() => { process.off('warning', onWarning) })
    const dir = path.join(work, 'ceremony')
    const start = await exportCeremonyStart(path.join(app.dataDir, 'circuits', 'private', CIRCUIT_ID), SHIPPED_DEV_PTAU, dir)
    await run(process.execPath, [SNARKJS, 'zkey', 'contribute', start.zkey0Path, path.join(dir, 'c1.zkey'), '--name=alice', '-e=alice entropy'])
    await run(process.execPath, [SNARKJS, 'zkey', 'contribute', path.join(dir, 'c1.zkey'), path.join(dir, 'c2.zkey'), '--name=bob', '-e=bob entropy'])
    const zkeys = path.join(work, 'zkeys')
    mkdirSync(zkeys)
    await run(process.execPath, [SNARKJS, 'zkey', 'beacon', path.join(dir, 'c2.zkey'), path.join(zkeys, `${CIRCUIT_ID}.zkey`),
      '0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', '10', '-n=beacon'])
    // Anyone checks the transcript with the stock CLI (docs/CEREMONY.md, step 4)
    const checked = await run(process.execPath, [SNARKJS, 'zkey', 'verify', start.r1csPath, SHIPPED_DEV_PTAU, path.join(zkeys, `${CIRCUIT_ID}.zkey`)])
    t.match(checked.stdout, /ZKey Ok!/, 'stock snarkjs verifies the transcript')
    // A transcript for another circuit is refused: the key in use stays
    const wrong = path.join(work, 'zkeys-wrong')
    mkdirSync(wrong)
    writeFileSync(path.join(wrong, `${CIRCUIT_ID}.zkey`), readFileSync(path.join(dir, 'c1.zkey')).subarray(0, 4096))
    const refused = await build(t, { dataDir: app.dataDir, config: { ...CONFIG, PRIVATE_ZKEY_DIR: wrong } })
    const no = await waitFor(async () => (await refused.call('GET', '/health')).body.private_circuits[0].ceremony_error != null
      ? (await refused.call('GET', '/health')).body.private_circuits[0]
      : undefined, LONG, 200)
    t.equal(no.setup_trust, 'local-insecure', `refused: ${no.ceremony_error}`)
    t.equal(no.vk_sha256, va.circuit.vk_sha256, 'the key in use stays')

    const after = await build(t, { dataDir: app.dataDir, config: { ...CONFIG, PRIVATE_ZKEY_DIR: zkeys } })
    // installed in the background after start (verifying a transcript takes a while)
    const h = await waitFor(async () => {
      const c = (await after.call('GET', '/health')).body.private_circuits[0]
      return c.setup_trust === 'ceremony' || c.ceremony_error != null ? c : undefined
    }, LONG, 200)
    t.equal(h.setup_trust, 'ceremony', h.ceremony_error)
    const ceremonyFiles = [realpathSync(SHIPPED_DEV_PTAU), realpathSync(zkeys), realpathSync(wrong)]
    const stillOpen = openFiles().filter((f) => ceremonyFiles.some((c) => f === c || f.startsWith(c + path.sep)))
    t.same(stillOpen, [], 'verifying the two transcripts left no file open in the service')
    t.same(closedByGc, [], 'nor one for the garbage collector to close')
    t.same(h.contributions.map((c: any) => [c.name, c.type]), [['alice', 'contribution'], ['bob', 'contribution'], ['beacon', 'beacon']])
    t.match(h.contributions[0].transcript, /^[0-9a-f]{128}$/)
    const v = (await after.call('GET', '/models/priv-b')).body
    t.equal(v.circuit.setup_trust, 'ceremony', 'each private version reports the ceremony')
    t.equal(v.circuit.vk_sha256, h.vk_sha256)
    t.not(h.vk_sha256, va.circuit.vk_sha256, 'a new verification key')
    t.equal(sha256File(path.join(app.dataDir, 'circuits', 'private', CIRCUIT_ID, 'circuit.zkey')), sha256File(path.join(zkeys, `${CIRCUIT_ID}.zkey`)),
      'the installed key is the verified transcript, byte for byte')
    t.equal(v.commitment, vb.commitment, 'commitments do not depend on the setup')
    const p = await prove(after, 'priv-b', X)
    t.equal(p.status, 'succeeded', p.error)
    t.equal((await after.call('POST', `/proofs/${p.id}/verify`)).body.verified, true, 'a proof under the ceremony key verifies')
    t.equal((await after.call('POST', `/proofs/${pb.id}/verify`)).body.verified, false, 'one under the operator key no longer does')
  })
})

t.test('a private version trained through the API and an upload of its architecture share one circuit id', async (t) => {
  // The trained net is 10-32-16-1: its private circuit (~29k constraints) needs a 2^15 ptau, so it is not built
  // here (PTAU_FILE is the 2^12 dev file: the build fails with that reason); scripts/check-private-http.ts proves it.
  const app = await build(t, { config: { ...CONFIG, PTAU_FILE: SHIPPED_DEV_PTAU } })
  const job = await app.call('POST', '/train', { model: 'trained-private', recipe: 'tutorial', seed: 1, epochs: 2, proof_visibility: 'private', data: { synthetic: { seed: 5, days: 200 } } }, USER)
  t.equal(job.status, 202, JSON.stringify(job.body))
  t.equal(job.body.spec.proof_visibility, 'private')
  const done = await waitFor(async () => {
    const j = (await app.call('GET', `/train/${job.body.id}`)).body
    return j.status === 'succeeded' || j.status === 'failed' ? j : undefined
  }, LONG, 250)
  t.equal(done.status, 'succeeded', done.error)
  const v = (await app.call('GET', '/models/trained-private')).body
  t.equal(v.proof_visibility, 'private')
  t.equal(v.circuit_id, 'mlp-10-32-16-1-relu-pfx1')
  t.match(v.commitment, /^[0-9]+$/)
  t.equal((await app.inject({ method: 'GET', url: '/models/trained-private/versions/1/model.onnx', headers: USER })).statusCode, 403)
  const onnx = (await app.inject({ method: 'GET', url: '/models/trained-private/versions/1/model.onnx', headers: ADMIN })).rawPayload
  const up = await upload(app, 'uploaded-private', onnx, { proof_visibility: 'private', features: v.features })
  t.equal(up.status, 201, JSON.stringify(up.body))
  const u = (await app.call('GET', '/models/uploaded-private')).body
  t.equal(u.circuit_id, v.circuit_id, 'the same architecture, the same circuit')
  t.not(u.commitment, v.commitment, 'a fresh salt per version')
  const settledV = await ready(app, 'trained-private')
  const settledU = await ready(app, 'uploaded-private')
  t.equal(settledV.circuit.status, 'failed')
  t.match(settledV.circuit.error, /2\^1[45]|too small|power/i, settledV.circuit.error)
  t.equal(settledU.circuit.error, settledV.circuit.error, 'one build of the architecture, shared')
  const served = await app.call('POST', '/predict', { model: 'trained-private', instances: [Array(10).fill(1)], proof: false })
  t.equal(served.status, 200, 'a private version serves predictions whatever its circuit')
  const plonk = await upload(app, 'plonk-private', onnx, { proof_visibility: 'private', proof_system: 'plonk' })
  t.equal(plonk.status, 400)
})
