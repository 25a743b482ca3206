import t from 'tap'
import * as snarkjs from 'snarkjs'
import { startServer, waitFor, type TestServer, settled } from '../helpers/app.js'
import { buildMlpOnnx } from '../helpers/onnx-fixture.js'
import { postMultipart } from '../helpers/multipart.js'

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z))

async function upload (server: TestServer, name: string, bytes: Uint8Array, spec: Record<string, unknown> = {}): Promise<void> {
  const res = await postMultipart(`${server.url}/models`, { model: { bytes, filename: `${name}.onnx` }, spec: JSON.stringify({ name, ...spec }) })
  if (res.status !== 201) throw new Error(JSON.stringify(res.body))
}

async function circuitSettled (server: TestServer, name: string): Promise<any> {
  return await waitFor(async () => {
    const res = await server.call('GET', `/models/${name}`)
    return ['ready', 'failed', 'unsupported'].includes(res.body.circuit?.status) ? res.body : undefined
  }, 240_000, 250)
}

const proofSettled = async (server: TestServer, id: string): Promise<any> => await settled(server, `/proofs/${id}`, 100)

const FEATURES = Array.from({ length: 10 }, (_, i) => `f${i}`)

const ROWS = [
  [0.1, 0.5, 0.9, 0.3, 0.7, 0.2, 0.8, 0.4, 0.6, 0.05],
  [0.9, 0.1, 0.2, 0.8, 0.3, 0.7, 0.4, 0.6, 0.5, 0.95],
  [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
]

t.test('proofs over real HTTP', async (t) => {
  const server = await startServer()
  t.teardown(server.close)
  await upload(server, 'zk', buildMlpOnnx({ seed: 7, fixedBatch: true }).bytes)
  await upload(server, 'zk-other', buildMlpOnnx({ seed: 9 }).bytes, { features: FEATURES })
  const zk = await circuitSettled(server, 'zk')
  t.equal(zk.circuit.status, 'ready', zk.circuit.error)
  t.equal(zk.provable, true)
  t.equal(zk.proof_system, 'groth16')
  t.ok(zk.circuit.constraints > 1000)
  t.match(zk.circuit.vk_sha256, /^[0-9a-f]{64}$/)
  t.equal(zk.circuit.ptau.secure, false, 'the development ptau is labelled insecure')
  const health = await server.call('GET', '/health')
  t.equal(health.body.ptau.secure, false)
  await circuitSettled(server, 'zk-other')

  const predicted = await server.call('POST', '/predict', { model: 'zk', instances: ROWS })
  t.equal(predicted.status, 200, JSON.stringify(predicted.body))
  const proofs = await Promise.all(predicted.body.predictions.map(async (p: any) => {
    t.equal(p.proof.status, 'queued')
    return await proofSettled(server, p.proof.id)
  }))

  t.test('the proven output equals the served one', async (t) => {
    proofs.forEach((proof, r) => {
      t.equal(proof.status, 'succeeded', proof.error)
      const served = predicted.body.predictions[r]
      t.ok(Math.abs(sigmoid(proof.output.logit) - served.probability) <= 1e-3, `row ${r}: ${sigmoid(proof.output.logit)} vs ${served.probability}`)
      t.equal(proof.output.label, served.label, `row ${r} label`)
      t.same(proof.served, { probability: served.probability, label: served.label })
      t.equal(proof.public_signals.length, 12, 'logit, label, 10 inputs')
      t.ok(proof.prove_ms > 0)
    })
  })

  t.test('verification: by id, by bundle, and every tampering fails', async (t) => {
    const id = proofs[0].id
    const byId = await server.call('POST', `/proofs/${id}/verify`)
    t.same(byId.body.verified, true)
    const bundle = (await server.call('GET', `/proofs/${id}/download`)).body
    t.same(Object.keys(bundle).sort(), ['model', 'proof', 'proof_system', 'public_signals', 'verification_key'])
    t.same(bundle.model.name, 'zk')
    const good = await server.call('POST', '/proofs/verify', bundle)
    t.equal(good.body.verified, true, JSON.stringify(good.body))

    const signals = [...bundle.public_signals]
    signals[5] = (BigInt(signals[5]) + 1n).toString()
    const tamperedSignal = await server.call('POST', '/proofs/verify', { ...bundle, public_signals: signals })
    t.equal(tamperedSignal.body.verified, false, 'a changed input')
    const flippedLabel = [...bundle.public_signals]
    flippedLabel[1] = flippedLabel[1] === '1' ? '0' : '1'
    t.equal((await server.call('POST', '/proofs/verify', { ...bundle, public_signals: flippedLabel })).body.verified, false, 'a flipped label')

    const proof = structuredClone(bundle.proof)
    proof.pi_a[0] = (BigInt(proof.pi_a[0]) + 1n).toString()
    t.equal((await server.call('POST', '/proofs/verify', { ...bundle, proof })).body.verified, false, 'a changed proof point')
    const swapped = structuredClone(bundle.proof)
    swapped.pi_a = bundle.proof.pi_c
    swapped.pi_c = bundle.proof.pi_a
    t.equal((await server.call('POST', '/proofs/verify', { ...bundle, proof: swapped })).body.verified, false, 'swapped points')

    // Checked against the other version's key: refused by hash, and by the key itself.
    const other = (await server.call('GET', '/models/zk-other')).body
    const otherKey = await server.call('POST', '/proofs/verify', { ...bundle, model: { name: 'zk-other', version: 1, onnx_sha256: other.onnx_sha256 } })
    t.equal(otherKey.body.verified, false, 'another model version\'s key rejects it')
    const wrongHash = await server.call('POST', '/proofs/verify', { ...bundle, model: { ...bundle.model, onnx_sha256: other.onnx_sha256 } })
    t.equal(wrongHash.body.verified, false)
    t.match(wrongHash.body.reason, /onnx_sha256/)
    t.equal(good.body.vk_matches_registry, true, 'the bundle carries the registry\'s key')

    // The bundle's own key (what `zkpredict proof verify FILE` and stock snarkjs check with) against the registry's.
    t.equal(await snarkjs.groth16.verify(bundle.verification_key, bundle.public_signals, bundle.proof), true, 'offline: it verifies')
    t.equal(otherKey.body.vk_matches_registry, false)
    t.match(otherKey.body.reason, /the bundle's verification key differs from the registry's for model 'zk-other' version 1, and the proof does not verify/,
      'the API says why it disagrees with an offline check of the same bundle')
    const otherVk = (await server.call('GET', '/models/zk-other/versions/1/verification-key')).body
    t.equal(await snarkjs.groth16.verify(otherVk, bundle.public_signals, bundle.proof), false, 'offline with a swapped-in key: it does not')
    const swappedKey = await server.call('POST', '/proofs/verify', { ...bundle, verification_key: otherVk })
    t.equal(swappedKey.body.verified, true, 'the registry\'s key still verifies it')
    t.equal(swappedKey.body.vk_matches_registry, false)
    t.match(swappedKey.body.reason, /the bundle's verification key differs from the registry's for model 'zk' version 1; the proof verifies against the registry's key/)
    const garbage = await server.call('POST', '/proofs/verify', { ...bundle, proof: { pi_a: 'x' } })
    t.equal(garbage.status < 500, true)
    t.equal(garbage.body.verified === true, false)

    const vk = await server.call('GET', '/models/zk/versions/1/verification-key')
    t.same(vk.body, bundle.verification_key)
    const sol = await server.call('GET', '/models/zk/versions/1/verifier.sol')
    t.match(sol.body, /contract Groth16Verifier/)
  })

  t.test('an unsupported op: not provable, with the reason; predictions still served', async (t) => {
    await upload(server, 'tanh', buildMlpOnnx({ seed: 3, firstActivation: 'Tanh' }).bytes)
    const version = await circuitSettled(server, 'tanh')
    t.equal(version.circuit.status, 'unsupported')
    t.equal(version.provable, false)
    t.match(version.not_provable_reason, /Tanh/)
    const plain = await server.call('POST', '/predict', { model: 'tanh', instances: [ROWS[0]] })
    t.equal(plain.status, 200)
    t.equal(plain.body.predictions[0].proof, undefined)
    const asked = await server.call('POST', '/predict', { model: 'tanh', instances: [ROWS[0]], proof: true })
    t.equal(asked.status, 422)
    t.match(asked.body.message, /not provable: .*Tanh/)
  })

  t.test('a row outside the ranges the circuit proves: its prediction, proof "unprovable" naming the feature, no job', async (t) => {
    const version = (await server.call('GET', '/models/zk-other/versions/1')).body
    const ranges = version.circuit.input_ranges
    t.same(ranges.map((r: any) => r.feature), FEATURES)
    // A model without a scaler: each input within +-256 of 0 (quantize.ts, "The supported input range").
    t.same([ranges[9].min, ranges[9].max], [-256, 256])
    const row = Object.fromEntries(FEATURES.map((f, i) => [f, ROWS[0][i]]))
    const res = await server.call('POST', '/predict', { model: 'zk-other', instances: [{ ...row, f9: 1000 }], proof: true })
    t.equal(res.status, 200, JSON.stringify(res.body))
    const [prediction] = res.body.predictions
    t.ok(prediction.probability >= 0 && prediction.probability <= 1)
    t.same(prediction.proof, { status: 'unprovable', reason: 'row 0: f9 = 1000 is outside the range the circuit can prove, [-256, 256)' })
  })

  t.test('a proof of an unknown id, or not yet made, gets a clear 4xx', async (t) => {
    t.equal((await server.call('GET', '/proofs/nope')).status, 404)
    t.equal((await server.call('GET', '/proofs/nope/download')).status, 404)
    t.equal((await server.call('POST', '/proofs/nope/verify')).status, 404)
  })
})

t.test('queued proofs survive a restart and are made after it', async (t) => {
  const first = await startServer({}, { keepDataDir: true })
  await upload(first, 'zk', buildMlpOnnx({ seed: 7 }).bytes)
  await circuitSettled(first, 'zk')
  const predicted = await first.call('POST', '/predict', { model: 'zk', instances: [ROWS[0], ROWS[1], ROWS[2], ROWS[0], ROWS[1]] })
  t.equal(predicted.status, 200)
  await first.close() // at once: most of the five are still queued
  const second = await startServer({}, { dataDir: first.dataDir })
  t.teardown(second.close)
  for (const p of predicted.body.predictions) {
    const proof = await proofSettled(second, p.proof.id)
    t.equal(proof.status, 'succeeded', proof.error)
  }
})
