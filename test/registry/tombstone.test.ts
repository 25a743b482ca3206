import t from 'tap'
import { readdir, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import { settled, startServer, waitFor, type TestServer } from '../helpers/app.js'
import { buildMlpOnnx } from '../helpers/onnx-fixture.js'
import { postMultipart } from '../helpers/multipart.js'

/**
 * Issue 12, item 3: deleting a version must not orphan its proofs. A tombstone stays (meta, circuit state,
 * verification key), so its finished proofs stay verifiable and downloadable; its queued proofs fail with
 * "version N was deleted", and the DELETE reply counts them. Embedded mode (REDIS_URL: test/jobs/queues/).
 */

const ROWS = Array.from({ length: 12 }, (_, r) => Array.from({ length: 10 }, (_, i) => ((r * 7 + i * 3) % 10) / 10))
const model = buildMlpOnnx({ seed: 7, fixedBatch: true }).bytes

async function circuitReady (server: TestServer, name: string): Promise<void> {
  const view = await waitFor(async () => {
    const res = await server.call('GET', `/models/${name}`)
    return ['ready', 'failed', 'unsupported'].includes(res.body.circuit?.status) ? res.body : undefined
  }, 240_000, 250)
  if (view.circuit.status !== 'ready') throw new Error(JSON.stringify(view.circuit))
}

const exists = async (file: string): Promise<boolean> => await stat(file).then(() => true, () => false)

t.test('a deleted version is a tombstone: finished proofs verify, queued ones fail and are counted', async (t) => {
  // One prover thread: of the twelve proofs asked for just before the DELETE, all but the first are still queued.
  const server = await startServer({ PROOF_WORKERS: 1, MAX_PROOFS_PER_REQUEST: 20 }, { keepDataDir: true })
  let open = true
  t.teardown(async () => {
    if (open) await server.close()
    await rm(server.dataDir, { recursive: true, force: true })
  })
  const up = await postMultipart(`${server.url}/models`, { model: { bytes: model, filename: 'm.onnx' }, spec: JSON.stringify({ name: 'tomb' }) })
  t.equal(up.status, 201)
  await circuitReady(server, 'tomb')
  const before = await server.call('POST', '/predict', { model: 'tomb', instances: [ROWS[0]], proof: true })
  const finished = await settled(server, `/proofs/${before.body.predictions[0].proof.id as string}`, 100)
  t.equal(finished.status, 'succeeded', finished.error)
  const bundleBefore = await server.call('GET', `/proofs/${finished.id as string}/download`)
  t.equal(bundleBefore.status, 200)

  const queued = await server.call('POST', '/predict', { model: 'tomb', instances: ROWS, proof: true })
  t.equal(queued.status, 200)
  const del = await server.call('DELETE', '/models/tomb/versions/1')
  t.equal(del.status, 200, JSON.stringify(del.body))
  t.match(del.body, { name: 'tomb', version: 1, deleted: true, cancelled_proofs: Number })
  t.ok(del.body.cancelled_proofs >= 1, `cancelled ${del.body.cancelled_proofs as number} queued proofs`)

  t.test('its queued proofs fail with "version 1 was deleted", as many as the reply said', async (t) => {
    const outcomes = await Promise.all(queued.body.predictions.map(async (p: any) => await settled(server, `/proofs/${p.proof.id as string}`, 100)))
    const cancelled = outcomes.filter((o) => o.status === 'failed' && /version 1 was deleted before this proof was made/.test(o.error))
    // The reply counts the proofs the DELETE failed itself; one the prover thread took from the queue during the DELETE
    // fails on its own with the same reason (measured: 9 counted, 11 with the reason, of 12, on a loaded machine).
    t.ok(cancelled.length >= del.body.cancelled_proofs, `${cancelled.length} failed as deleted, ${del.body.cancelled_proofs as number} counted`)
    for (const o of outcomes) {
      // A proof already being made when the DELETE came either finished (and verifies below) or says the version went away.
      if (o.status === 'failed') t.match(o.error, /model 'tomb' version 1 was deleted/)
      else t.equal(o.status, 'succeeded')
    }
    for (const o of outcomes.filter((o) => o.status === 'succeeded')) {
      t.equal((await server.call('POST', `/proofs/${o.id as string}/verify`)).body.verified, true)
    }
  })

  t.test('its finished proof stays verifiable and downloadable (was 404 model does not exist)', async (t) => {
    const verified = await server.call('POST', `/proofs/${finished.id as string}/verify`)
    t.equal(verified.status, 200, JSON.stringify(verified.body))
    t.equal(verified.body.verified, true)
    const bundle = await server.call('GET', `/proofs/${finished.id as string}/download`)
    t.equal(bundle.status, 200, JSON.stringify(bundle.body))
    t.same(bundle.body, bundleBefore.body, 'the same bundle as before the delete')
    const offline = await server.call('POST', '/proofs/verify', bundle.body)
    t.equal(offline.body.verified, true, 'a bundle of a deleted version verifies against its tombstone key')
    const vk = await server.call('GET', '/models/tomb/versions/1/verification-key')
    t.equal(vk.status, 200)
    t.same(vk.body, bundle.body.verification_key)
  })

  t.test('the tombstone is readable, never served, and keeps only the small files', async (t) => {
    const view = await server.call('GET', '/models/tomb/versions/1')
    t.equal(view.status, 200)
    t.match(view.body, { status: 'deleted', deleted_at: String, provable: false, aliases: [], onnx_sha256: /^[0-9a-f]{64}$/ })
    const predict = await server.call('POST', '/predict', { model: 'tomb', version: 1, instances: [ROWS[0]], proof: false })
    t.equal(predict.status, 404)
    t.match(predict.body, { error: 'version_deleted', message: /version 1 was deleted/ })
    t.equal((await server.call('GET', '/models/tomb/versions/1/model.onnx')).status, 404)
    t.equal((await server.call('GET', '/models/tomb')).status, 404, 'no version left to serve')
    t.equal((await server.call('DELETE', '/models/tomb/versions/1')).status, 404, 'deleted once')
    const dir = path.join(server.dataDir, 'models', 'tomb', '1')
    t.same((await readdir(dir)).sort(), ['circuit', 'circuit.json', 'deleted.json', 'meta.json'])
    t.same((await readdir(path.join(dir, 'circuit'))).sort(), ['verification_key.json', 'verifier.sol'])
    t.notOk(await exists(path.join(dir, 'model.onnx')))
  })

  t.test('after a restart: still verifiable; the number is never reused', async (t) => {
    await server.close()
    open = false
    const again = await startServer({}, { dataDir: server.dataDir })
    t.teardown(again.close)
    const verified = await again.call('POST', `/proofs/${finished.id as string}/verify`)
    t.equal(verified.body.verified, true, JSON.stringify(verified.body))
    t.equal((await again.call('GET', '/models/tomb/versions/1')).body.status, 'deleted')
    const next = await postMultipart(`${again.url}/models`, { model: { bytes: model, filename: 'm.onnx' }, spec: JSON.stringify({ name: 'tomb' }) })
    t.equal(next.body.version, 2)
    t.match((await again.call('GET', '/models')).body.models.find((m: any) => m.name === 'tomb'), { versions: [2], deleted: [1] })
  })
})
