import t, { type Test } from 'tap'

import net from 'node:net'
import { createHash } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { request } from 'undici'
import { waitFor } from '../helpers/app.js'
import { spawnServer, type ChildServer } from '../helpers/child-server.js'
import { buildMlpOnnx } from '../helpers/onnx-fixture.js'
import { postMultipart } from '../helpers/multipart.js'

/**
 * kill -9 in the middle of training, proving, a model upload, a training upload and registry
 * writes; after each restart on the same DATA_DIR: finished models and proofs are intact,
 * interrupted jobs are failed or resumed (never stuck), no half-written file is left to read,
 * and every listed version loads and predicts.
 */

const ROWS = [
  [0.1, 0.5, 0.9, 0.3, 0.7, 0.2, 0.8, 0.4, 0.6, 0.05],
  [0.9, 0.1, 0.2, 0.8, 0.3, 0.7, 0.4, 0.6, 0.5, 0.95],
  [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
  [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.1, 0.2],
]
const ENV = { TRAIN_CONCURRENCY: '1', PROOF_WORKERS: '1' }

async function upload (server: ChildServer, name: string, bytes: Uint8Array): Promise<{ status: number, body: any }> {
  return await postMultipart(`${server.url}/models`, { model: { bytes, filename: `${name}.onnx` }, spec: JSON.stringify({ name }) })
}

async function settled (server: ChildServer, urlPath: string, done: (body: any) => boolean, timeoutMs = 240_000): Promise<any> {
  return await waitFor(async () => {
    const res = await server.call('GET', urlPath)
    return done(res.body) ? res.body : undefined
  }, timeoutMs, 100)
}

const proofDone = (b: any): boolean => b.status === 'succeeded' || b.status === 'failed'
const jobDone = (b: any): boolean => b.status === 'succeeded' || b.status === 'failed'

/** Every file under `dir` (relative paths). */
async function walk (dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const rel = path.join(prefix, entry.name)
    if (entry.isDirectory()) out.push(rel + '/', ...await walk(path.join(dir, entry.name), rel))
    else out.push(rel)
  }
  return out
}

/** The on-disk invariants after a restart: no temporary or staging leftovers, every JSON file whole. */
async function checkDataDir (t: Test, dataDir: string): Promise<void> {
  const files = await walk(dataDir)
  const leftovers = files.filter((f) => /(^|\/)\.staging-|\.tmp(\/|$)|\.tmp-/.test(f))
  t.same(leftovers, [], 'no temporary or staging files remain')
  for (const file of files.filter((f) => f.endsWith('.json'))) {
    const text = await readFile(path.join(dataDir, file), 'utf8')
    try { JSON.parse(text) } catch { t.fail(`${file} is not whole JSON`) }
  }
}

/** Every listed version loads: its ONNX file matches its recorded hash and it serves a prediction. */
async function checkEveryVersionServes (t: Test, server: ChildServer): Promise<number> {
  const models = (await server.call('GET', '/models')).body.models as Array<{ name: string, versions: number[] }>
  let count = 0
  for (const model of models) {
    for (const version of model.versions) {
      const meta = (await server.call('GET', `/models/${model.name}/versions/${version}`)).body
      const onnx = await request(`${server.url}/models/${model.name}/versions/${version}/model.onnx`)
      const bytes = Buffer.from(await onnx.body.arrayBuffer())
      t.equal(createHash('sha256').update(bytes).digest('hex'), meta.onnx_sha256, `${model.name} v${version}: model.onnx is the registered file`)
      const predicted = await server.call('POST', '/predict', { model: model.name, version, instances: [ROWS[0]], proof: false })
      t.equal(predicted.status, 200, `${model.name} v${version} predicts: ${JSON.stringify(predicted.body)}`)
      count++
    }
  }
  return count
}

/** Starts a multipart upload and stops sending halfway: the server is mid-read when it dies. */
async function startPartialUpload (server: ChildServer, urlPath: string, fieldName: string, filename: string, bytes: Uint8Array): Promise<net.Socket> {
  const boundary = 'CrashBoundary'
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="${fieldName}"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`
  const tail = `\r\n--${boundary}--\r\n`
  const total = Buffer.byteLength(head) + bytes.byteLength + Buffer.byteLength(tail)
  const { port } = new URL(server.url)
  const socket = net.connect(Number(port), '127.0.0.1')
  socket.on('error', () => undefined)
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()))
  socket.write(`POST ${urlPath} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${total}\r\n\r\n`)
  socket.write(head)
  socket.write(bytes.subarray(0, Math.floor(bytes.byteLength / 2)))
  return socket
}

t.test('kill -9 during training, proving, uploads and registry writes loses nothing', async (t) => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'zkpredict-crash-'))
  t.teardown(async () => await rm(dataDir, { recursive: true, force: true }))
  const servers: ChildServer[] = []
  t.teardown(async () => { for (const s of servers) await s.kill() })
  const start = async (): Promise<ChildServer> => { const s = await spawnServer(dataDir, ENV); servers.push(s); return s }

  // ---- first life: a finished model with finished proofs, then work in flight --------------
  const first = await start()
  t.equal((await upload(first, 'zk', buildMlpOnnx({ seed: 7 }).bytes)).status, 201)
  const zk = await settled(first, '/models/zk', (b) => ['ready', 'failed', 'unsupported'].includes(b.circuit?.status))
  t.equal(zk.circuit.status, 'ready', zk.circuit.error)
  const done = await first.call('POST', '/predict', { model: 'zk', instances: ROWS.slice(0, 2) })
  t.equal(done.status, 200)
  const finishedProofs = []
  for (const p of done.body.predictions) finishedProofs.push(await settled(first, `/proofs/${p.proof.id}`, proofDone))
  t.ok(finishedProofs.every((p) => p.status === 'succeeded'), 'proofs finished before the crash')

  const slow = await first.call('POST', '/train', { model: 'slow', recipe: 'tutorial', epochs: 2000, data: { synthetic: { days: 200 } } })
  const next = await first.call('POST', '/train', { model: 'next', recipe: 'tutorial', epochs: 2, data: { synthetic: { days: 200 } } })
  t.equal(slow.status, 202)
  t.equal(next.status, 202)
  await settled(first, `/train/${slow.body.id}`, (b) => b.status === 'running' && b.progress != null, 60_000)
  const inFlight = await first.call('POST', '/predict', { model: 'zk', instances: ROWS })
  t.equal(inFlight.status, 200)
  const inFlightIds: string[] = inFlight.body.predictions.map((p: any) => p.proof.id)
  await settled(first, `/proofs/${inFlightIds[0]}`, (b) => b.status === 'proving' || proofDone(b), 60_000)
  await first.kill() // mid-training and mid-proof

  // ---- second life: interrupted work is failed or resumed; then crash during uploads -------
  const second = await start()
  const interrupted = (await second.call('GET', `/train/${slow.body.id}`)).body
  t.equal(interrupted.status, 'failed', 'the running training job is failed, not left running')
  t.match(interrupted.error, /interrupted/)
  const resumed = await settled(second, `/train/${next.body.id}`, jobDone)
  t.equal(resumed.status, 'succeeded', `the queued training job resumed: ${resumed.error ?? ''}`)
  for (const id of inFlightIds) {
    const proof = await settled(second, `/proofs/${id}`, proofDone)
    t.equal(proof.status, 'succeeded', `interrupted proof ${id} was made after the restart: ${proof.error ?? ''}`)
  }
  for (const before of finishedProofs) {
    const after = (await second.call('GET', `/proofs/${before.id}`)).body
    t.same(after, before, 'a finished proof is unchanged')
    t.equal((await second.call('POST', `/proofs/${before.id}/verify`)).body.verified, true)
  }

  const model = buildMlpOnnx({ seed: 11, firstActivation: 'Tanh' }).bytes
  const half = await startPartialUpload(second, '/models', 'model', 'half.onnx', model)
  const halfTrain = await startPartialUpload(second, '/train', 'liquidations_v2', 'liq.csv', new Uint8Array(256 * 1024).fill(65))
  // Many registrations at once; the process dies as soon as the first one is written.
  const racing = Array.from({ length: 16 }, async () => await upload(second, 'many', model).catch(() => ({ status: 0, body: null })))
  await waitFor(async () => ((await readdir(path.join(dataDir, 'models', 'many')).catch(() => [])).some((n) => /^\d+$/.test(n)) ? true : undefined), 60_000, 5)
  await waitFor(async () => ((await readdir(path.join(dataDir, 'uploads')).catch(() => [])).length > 0 ? true : undefined), 10_000, 5)
  await second.kill()
  half.destroy()
  halfTrain.destroy()
  const answered = (await Promise.all(racing)).filter((r) => r.status === 201).length

  // ---- third life: every listed version loads; nothing half-written; no job stuck ----------
  const third = await start()
  t.same(await readdir(path.join(dataDir, 'uploads')).catch(() => []), [], 'the cut-off training upload left no files')
  const many = (await third.call('GET', '/models')).body.models.find((m: any) => m.name === 'many')
  t.ok(many != null && many.versions.length >= Math.max(answered, 1), `versions answered 201 before the crash are all there (${answered} answered, ${many?.versions.length} listed)`)
  t.notOk((await third.call('GET', '/models')).body.models.some((m: any) => m.name === 'half'), 'the half-sent upload registered nothing')
  const served = await checkEveryVersionServes(t, third)
  t.ok(served >= 3, `${served} versions load and predict`)
  const jobs = (await third.call('GET', '/train')).body.jobs
  t.ok(jobs.every((j: any) => j.status === 'succeeded' || j.status === 'failed'), 'no training job is left queued or running')
  // Circuits that were pending or building at the crash are built again, not left hanging.
  for (const m of (await third.call('GET', '/models')).body.models) {
    for (const v of m.versions) {
      const version = await settled(third, `/models/${m.name}/versions/${v}`, (b) => ['ready', 'failed', 'unsupported'].includes(b.circuit?.status))
      t.not(version.circuit.status, 'failed', `${m.name} v${v} circuit: ${version.circuit.error ?? ''}`)
    }
  }
  // Checked once the restarted service is idle: a write it is making itself (circuit.json of a
  // resumed build, say) is in flight, not a leftover of the crash.
  await checkDataDir(t, dataDir)
  t.equal((await third.call('GET', '/health/ready')).status, 200)
  t.ok((await stat(path.join(dataDir, 'models', 'zk', '1', 'circuit', 'verification_key.json'))).size > 0)
  await third.stop()
})
