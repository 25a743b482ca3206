import t from 'tap'
import { readdirSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import { build, multipartBody } from '../../helpers/build.js'
import { buildMlpOnnx } from '../../helpers/onnx-fixture.js'
import { dropPrefix, redisForTest } from '../../helpers/redis.js'
import { loadConfig } from '../../../src/config.js'

/** Threads of this process (Linux): a prover worker thread is one more. */
const threads = (): number => readdirSync('/proc/self/task').length

const ROWS = [[0.1, 0.5, 0.9, 0.3, 0.7, 0.2, 0.8, 0.4, 0.6, 0.05], [0.9, 0.1, 0.2, 0.8, 0.3, 0.7, 0.4, 0.6, 0.5, 0.95]]

t.test('ROLE=api needs REDIS_URL: embedded, nothing else would ever prove its proofs', async (t) => {
  t.throws(() => loadConfig({ ROLE: 'api' }), /ROLE=api needs REDIS_URL/)
  t.equal(loadConfig({ ROLE: 'api', REDIS_URL: 'redis://127.0.0.1:1' }).ROLE, 'api')
})

t.test('ROLE=api proves nothing: no prover thread; its proofs and circuit builds wait in the queues for workers', {
  skip: process.platform !== 'linux' ? 'counts threads in /proc' : false,
}, async (t) => {
  const url = await redisForTest(t)
  if (url == null) return
  const prefix = `api${process.pid}x${Date.now()}`
  const connection = new Redis(url, { maxRetriesPerRequest: null })
  const proofs = new Queue('proofs', { connection, prefix })
  const circuits = new Queue('circuits', { connection, prefix })
  t.teardown(async () => {
    await proofs.close()
    await circuits.close()
    connection.disconnect()
    await dropPrefix(url, prefix)
  })
  const settings = { REDIS_URL: url, REDIS_PREFIX: prefix, PROOF_WORKERS: 3 }
  // libuv starts its 4 pool threads at the first asynchronous fs call: start them before counting.
  await readdir(tmpdir())

  let before = threads()
  const api = await build(t, { config: { ...settings, ROLE: 'api' } })
  const apiThreads = threads() - before
  t.equal(apiThreads, 0, 'an API process starts no thread: no prover pool (PROOF_WORKERS=3 would be 3)')

  const { payload, headers } = multipartBody({ model: { bytes: buildMlpOnnx({ seed: 7 }).bytes, filename: 'm.onnx' }, spec: JSON.stringify({ name: 'apirole' }) })
  const registered = await api.inject({ method: 'POST', url: '/models', payload, headers })
  t.equal(registered.statusCode, 201, registered.body)
  const res = await api.call('POST', '/predict', { model: 'apirole', instances: ROWS, proof: true })
  t.equal(res.status, 200, JSON.stringify(res.body))
  const ids = res.body.predictions.map((p: any) => p.proof.id as string)
  t.equal(ids.length, 2)
  // Everything the API accepted is in the queues, for workers: the circuit build and both proofs.
  t.same(await circuits.getJobCounts('waiting', 'active', 'completed'), { waiting: 1, active: 0, completed: 0 }, 'the circuit build waits for a worker')
  t.same(await proofs.getJobCounts('waiting', 'active', 'completed'), { waiting: 2, active: 0, completed: 0 }, 'both proofs wait for a worker')
  t.same((await proofs.getJobs(['waiting'])).map((job) => job.id).sort(), [...ids].sort())
  for (const id of ids) t.equal((await api.call('GET', `/proofs/${id as string}`)).body.status, 'queued')
  const model = await api.call('GET', '/models/apirole')
  t.equal(model.body.circuit.status, 'pending', 'no circuit was built here')

  // The control: the same settings with ROLE=all (a process that proves) do start the 3 prover threads counted above.
  before = threads()
  await build(t, { config: { ...settings, ROLE: 'all', WORKER_QUEUES: 'training' } })
  t.ok(threads() - before >= 3, `a proving process shows its prover threads (${threads() - before} more)`)
})
