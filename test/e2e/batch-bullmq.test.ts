/**
 * `proof: "batch"` in the BullMQ mode (issue 15): the batch goes through the same proofs queue, weighs
 * its rows against PROOF_QUEUE_LIMIT (counted from Redis by an API that did not queue it), and a proofs
 * worker builds the batch circuit and proves it. Two apps on one Redis and one DATA_DIR: the first
 * takes only circuit builds (so queued proofs wait), the second only proofs.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t, { type Test } from 'tap'
import { Redis } from 'ioredis'
import { build, multipartBody } from '../helpers/build.js'
import { waitFor } from '../helpers/app.js'
import { AAVE_LIKE_SCALER, rng } from '../helpers/mlp-onnx.js'
import { redisForTest } from '../helpers/redis.js'

const fixture = new Uint8Array(readFileSync(new URL('../../../test/fixtures/proof-small.onnx', import.meta.url)))
const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z))

function rows (n: number, seed: number): number[][] {
  const g = rng(seed)
  const { min, max } = AAVE_LIKE_SCALER
  return Array.from({ length: n }, () => min.map((m, i) => (max[i] === m ? m : m + (max[i] - m) * g())))
}

t.test('a batch proof through BullMQ: one job weighing its rows, proven by a worker', async (t) => {
  const url = await redisForTest(t)
  if (url == null) return
  const dataDir = await mkdtemp(path.join(tmpdir(), 'zk-batch-bullmq-'))
  t.teardown(async () => { await rm(dataDir, { recursive: true, force: true }) })
  // The apps live in a subtest: they close (its teardowns) before Redis stops (this test's).
  await t.test('two apps on one Redis', async (t) => { await scenario(t, url as string, dataDir) })
})

async function scenario (t: Test, url: string, dataDir: string): Promise<void> {
  const shared = { REDIS_URL: url, REDIS_PREFIX: `b${process.pid}${Date.now() % 100000}`, MAX_BATCH_PROOF: 4, PROOF_QUEUE_LIMIT: 6 }
  const api = await build(t, { dataDir, config: { ...shared, WORKER_QUEUES: 'circuits' } })
  const up = multipartBody({ model: { bytes: fixture, filename: 'small.onnx' }, spec: JSON.stringify({ name: 'small' }) })
  t.equal((await api.inject({ method: 'POST', url: '/models', ...up })).statusCode, 201)
  const model = await waitFor(async () => {
    const res = await api.call('GET', '/models/small')
    return ['ready', 'failed', 'unsupported'].includes(res.body.circuit?.status) ? res.body : undefined
  }, 300_000, 250)
  t.equal(model.circuit.status, 'ready', model.circuit.error)

  const X = rows(3, 41)
  const predicted = await api.call('POST', '/predict', { model: 'small', instances: X, proof: 'batch' })
  t.equal(predicted.status, 200, JSON.stringify(predicted.body))
  const id = predicted.body.predictions[0].proof.id as string
  t.same(predicted.body.predictions.map((p: any) => [p.proof.id, p.proof.row]), [[id, 0], [id, 1], [id, 2]])

  // A second API counts the waiting batch from Redis: 3 rows of a limit of 6 leave room for 3, not 4.
  const other = await build(t, { dataDir, config: { ...shared, ROLE: 'api' } })
  const full = await other.call('POST', '/predict', { model: 'small', instances: rows(4, 42), proof: 'batch' })
  t.equal(full.status, 503, JSON.stringify(full.body))
  t.match(full.body.message, /proof queue is full \(3 waiting, limit 6\)/)
  const fits = await other.call('POST', '/predict', { model: 'small', instances: rows(3, 43), proof: 'batch' })
  t.equal(fits.status, 200, JSON.stringify(fits.body))

  // A proofs worker takes both batches, builds the batch circuit of 4 rows once and proves them.
  const worker = await build(t, { dataDir, config: { ...shared, WORKER_QUEUES: 'proofs' } })
  for (const handle of [id, fits.body.predictions[0].proof.id as string]) {
    const proof = await waitFor(async () => {
      const res = await api.call('GET', `/proofs/${handle}`)
      return res.body.status === 'succeeded' || res.body.status === 'failed' ? res.body : undefined
    }, 600_000, 250)
    t.equal(proof.status, 'succeeded', proof.error)
    t.equal(proof.batch.rows.length, 3)
    t.equal(proof.batch.size, 4)
    proof.batch.rows.forEach((row: any, r: number) => {
      t.ok(Math.abs(sigmoid(row.output.logit) - row.served.probability) <= 1e-3, `batch ${handle} row ${r}`)
    })
    const verified = await worker.call('POST', `/proofs/${handle}/verify`)
    t.equal(verified.body.verified, true, JSON.stringify(verified.body))
  }
  // Taken batches no longer weigh on the queue: their extra rows left the sorted set the APIs count.
  const redis = new Redis(url)
  t.teardown(() => { redis.disconnect() })
  t.equal(await redis.zcard(`${shared.REDIS_PREFIX}:proofs:batch-rows`), 0)
}
