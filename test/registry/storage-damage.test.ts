import t from 'tap'
import { readdir, readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { DATASET_NAMES } from '../../src/data/types.js'
import { settled, startServer, waitFor, type TestServer } from '../helpers/app.js'
import { spawnServer } from '../helpers/child-server.js'
import { buildMlpOnnx } from '../helpers/onnx-fixture.js'
import { postMultipart } from '../helpers/multipart.js'

/**
 * Issue 12, item 2: a damaged file in DATA_DIR is the server's fault, said once and loudly. The files are cut in half
 * on disk between two runs of the real service (and once while it runs), as a disk fault or a cut-off copy leaves them.
 */

const ROW = [0.1, 0.5, 0.9, 0.3, 0.7, 0.2, 0.8, 0.4, 0.6, 0.05]
const provable = buildMlpOnnx({ seed: 7, fixedBatch: true }).bytes
const unprovable = buildMlpOnnx({ seed: 3, firstActivation: 'Tanh' }).bytes // no circuit build

async function upload (url: string, name: string, bytes: Uint8Array): Promise<{ status: number, body: any }> {
  return await postMultipart(`${url}/models`, { model: { bytes, filename: `${name}.onnx` }, spec: JSON.stringify({ name }) })
}

async function circuitReady (server: TestServer, name: string, version: number): Promise<void> {
  const view = await waitFor(async () => {
    const res = await server.call('GET', `/models/${name}/versions/${version}`)
    return ['ready', 'failed', 'unsupported'].includes(res.body.circuit?.status) ? res.body : undefined
  }, 240_000, 250)
  if (view.circuit.status !== 'ready') throw new Error(`circuit of ${name} v${version}: ${JSON.stringify(view.circuit)}`)
}

async function cutInHalf (file: string): Promise<void> {
  const bytes = await readFile(file)
  await writeFile(file, bytes.subarray(0, Math.floor(bytes.byteLength / 2)))
}

async function findFile (dir: string, name: string): Promise<string> {
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name === name) return path.join(entry.parentPath, entry.name)
  }
  throw new Error(`${name} not found under ${dir}`)
}

const damagedLines = (logs: string, file: string): string[] =>
  logs.split('\n').filter((line) => line.includes('stored file is damaged') && line.includes(file))

/**
 * How many damage lines name `file`, once at least one has come through: the child writes its log line before it answers,
 * but the test reads the child's stdout pipe on its own schedule, so the line may arrive after the HTTP answer (CI, jobs 4).
 */
async function damageLogged (server: { output: () => string }, file: string): Promise<number> {
  return await waitFor(async () => {
    const n = damagedLines(server.output(), file).length
    return n > 0 ? n : undefined
  }, 30_000, 20)
}

t.test('damaged stored files: found at start, logged once, listed as damaged, answered 500 storage_damaged', async (t) => {
  // ---- first run: write what will be damaged ----
  const first = await startServer({}, { keepDataDir: true })
  const dataDir = first.dataDir
  let firstOpen = true
  t.teardown(async () => {
    if (firstOpen) await first.close()
    await rm(dataDir, { recursive: true, force: true })
  })
  t.equal((await upload(first.url, 'dmg', provable)).status, 201)
  t.equal((await upload(first.url, 'dmg', provable)).status, 201)
  t.equal((await upload(first.url, 'cut', unprovable)).status, 201)
  await circuitReady(first, 'dmg', 1)
  await circuitReady(first, 'dmg', 2)
  const predicted = await first.call('POST', '/predict', { model: 'dmg', version: 1, instances: [ROW, ROW], proof: true })
  t.equal(predicted.status, 200, JSON.stringify(predicted.body))
  const [kept, cut] = predicted.body.predictions.map((p: any) => p.proof.id as string)
  for (const id of [kept, cut]) t.equal((await settled(first, `/proofs/${id}`, 100)).status, 'succeeded')
  const sources = Object.fromEntries(DATASET_NAMES.map((n) => [n, `http://127.0.0.1:1/${n}.csv`]))
  const job = await first.call('POST', '/train', { model: 'never', epochs: 1, data: { sources } })
  t.equal(job.status, 202)
  t.equal((await settled(first, `/train/${job.body.id}`)).status, 'failed')
  await first.close()
  firstOpen = false

  // ---- damage from outside, between two runs ----
  await cutInHalf(path.join(dataDir, 'models', 'dmg', '1', 'circuit', 'verification_key.json'))
  await cutInHalf(path.join(dataDir, 'models', 'cut', '1', 'meta.json'))
  await cutInHalf(await findFile(path.join(dataDir, 'proofs'), `${cut}.json`))
  await cutInHalf(path.join(dataDir, 'jobs', 'train', `${job.body.id as string}.json`))

  // ---- second run: the real server process, whose stdout is its log ----
  const server = await spawnServer(dataDir)
  t.teardown(server.kill)

  t.test('each damaged file is logged at start, with its path and reason', async (t) => {
    const logs = server.output()
    for (const file of ['models/dmg/1/circuit/verification_key.json', 'models/cut/1/meta.json', `jobs/train/${job.body.id as string}.json`]) {
      const lines = damagedLines(logs, file)
      t.equal(lines.length, 1, `${file} logged once`)
      t.match(JSON.parse(lines[0]), { level: 50, file, reason: /JSON/ })
    }
  })

  t.test('GET /models lists damaged versions with the reason; the others are served', async (t) => {
    const list = await server.call('GET', '/models')
    const dmg = list.body.models.find((m: any) => m.name === 'dmg')
    t.same(dmg.versions, [2])
    t.match(dmg.damaged, [{ version: 1, file: 'models/dmg/1/circuit/verification_key.json', reason: /not valid JSON/ }])
    const cutModel = list.body.models.find((m: any) => m.name === 'cut')
    t.ok(cutModel != null, 'a model whose only version is damaged is still listed (it was hidden before)')
    t.same(cutModel.versions, [])
    t.match(cutModel.damaged, [{ version: 1, file: 'models/cut/1/meta.json' }])
    const view = await server.call('GET', '/models/dmg/versions/1')
    t.equal(view.status, 200)
    t.equal(view.body.status, 'damaged')
    t.equal(view.body.provable, false)
    t.equal(view.body.damage.file, 'models/dmg/1/circuit/verification_key.json')
    t.equal((await server.call('GET', '/models/dmg/versions/2')).body.status, 'ready')
    const noMeta = await server.call('GET', '/models/cut/versions/1')
    t.equal(noMeta.status, 500)
    t.match(noMeta.body, { error: 'storage_damaged', where: { item: "model 'cut' version 1", file: 'models/cut/1/meta.json' } })
  })

  t.test('every route that meets the damaged key answers 500 storage_damaged naming it (was 400 bad_request)', async (t) => {
    const routes: Array<[string, string, unknown?]> = [
      ['POST', `/proofs/${kept}/verify`],
      ['GET', `/proofs/${kept}/download`],
      ['GET', '/models/dmg/versions/1/verification-key'],
      ['GET', '/models/dmg/versions/1/verifier.sol'],
      ['POST', '/predict', { model: 'dmg', version: 1, instances: [ROW], proof: false }],
      ['GET', '/models/dmg/versions/1/model.onnx'],
    ]
    for (const [method, url, body] of routes) {
      const res = await server.call(method, url, body)
      t.equal(res.status, 500, `${method} ${url}: ${JSON.stringify(res.body)}`)
      t.equal(res.body.error, 'storage_damaged', `${method} ${url}`)
      t.match(res.body.message, /models\/dmg\/1\/circuit\/verification_key\.json is damaged/)
      t.equal(res.body.where.item, "model 'dmg' version 1")
    }
    const served = await server.call('POST', '/predict', { model: 'dmg', instances: [ROW], proof: false })
    t.equal(served.status, 200, 'latest (version 2) is still served')
    t.equal(served.body.version, 2)
  })

  t.test('a damaged proof record or job record is a 500 naming it, never a silent 404 or a 400', async (t) => {
    const proof = await server.call('GET', `/proofs/${cut}`)
    t.equal(proof.status, 500, JSON.stringify(proof.body))
    t.match(proof.body, { error: 'storage_damaged', where: { item: `proof '${cut}'` } })
    t.match(proof.body.where.file, new RegExp(`^proofs/.*/${cut}\\.json$`))
    const again = await server.call('GET', `/proofs/${cut}`)
    t.equal(again.status, 500)
    t.equal(await damageLogged(server, `${cut}.json`), 1, 'a damaged proof record is logged once, when first read')
    const job2 = await server.call('GET', `/train/${job.body.id as string}`)
    t.equal(job2.status, 500, JSON.stringify(job2.body))
    t.match(job2.body, { error: 'storage_damaged', where: { item: `training job '${job.body.id as string}'` } })
    const jobs = await server.call('GET', '/train')
    t.match(jobs.body.damaged, [{ id: job.body.id, file: `jobs/train/${job.body.id as string}.json`, reason: /JSON/ }])
  })

  t.test('version numbers are never reused: a new version after a damaged meta.json is 2 (was ENOTEMPTY renaming into 1)', async (t) => {
    const res = await upload(server.url, 'cut', unprovable)
    t.equal(res.status, 201, JSON.stringify(res.body))
    t.equal(res.body.version, 2)
    const list = await server.call('GET', '/models')
    t.same(list.body.models.find((m: any) => m.name === 'cut').versions, [2])
  })

  t.test('a file damaged while the service runs: 500 storage_damaged, logged once, the version marked damaged', async (t) => {
    await cutInHalf(path.join(dataDir, 'models', 'dmg', '2', 'circuit', 'verification_key.json'))
    for (let i = 0; i < 2; i++) {
      const res = await server.call('GET', '/models/dmg/versions/2/verification-key')
      t.equal(res.status, 500, JSON.stringify(res.body))
      t.equal(res.body.error, 'storage_damaged')
    }
    t.equal(await damageLogged(server, 'models/dmg/2/circuit/verification_key.json'), 1)
    const list = await server.call('GET', '/models')
    const dmg = list.body.models.find((m: any) => m.name === 'dmg')
    t.same(dmg.versions, [])
    t.same(dmg.damaged.map((d: any) => d.version), [1, 2])
    const predict = await server.call('POST', '/predict', { model: 'dmg', instances: [ROW], proof: false })
    t.equal(predict.status, 500, 'latest is damaged: said, not silently replaced by an older version')
    t.equal(predict.body.error, 'storage_damaged')
    t.equal(damagedLines(server.output(), 'models/dmg/2/circuit/verification_key.json').length, 1, 'still logged once after more requests')
  })

  t.test('deleting a damaged version clears it from the list; its number stays taken', async (t) => {
    for (const v of [1, 2]) t.equal((await server.call('DELETE', `/models/dmg/versions/${v}`)).status, 200)
    const res = await upload(server.url, 'dmg', provable)
    t.equal(res.body.version, 3)
    const list = await server.call('GET', '/models')
    t.match(list.body.models.find((m: any) => m.name === 'dmg'), { versions: [3], deleted: [1, 2] })
    t.notOk(list.body.models.find((m: any) => m.name === 'dmg').damaged)
  })
})
