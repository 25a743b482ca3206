import t from 'tap'
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import { startServer } from '../../helpers/app.js'
import { buildMlpOnnx } from '../../helpers/onnx-fixture.js'
import { postMultipart } from '../../helpers/multipart.js'
import { redisForTest } from '../../helpers/redis.js'

/**
 * Issue 12, item 3 in REDIS_URL mode: the queued proofs of a deleted version fail with "version N was deleted",
 * their BullMQ jobs leave the queue, and the DELETE reply counts them. An API replica without workers (ROLE=api)
 * keeps every proof it is asked for waiting in the queue, so the count is exact.
 */
t.test('BullMQ: DELETE fails the queued proofs of the version and takes them out of the queue', async (t) => {
  const url = await redisForTest(t)
  if (url == null) return
  const prefix = `del${process.pid}${Date.now()}`
  const server = await startServer({ REDIS_URL: url, REDIS_PREFIX: prefix, ROLE: 'api', MAX_PROOFS_PER_REQUEST: 10 })
  const redis = new Redis(url)
  const proofs = new Queue('proofs', { connection: redis, prefix })
  t.teardown(async () => {
    await server.close()
    await proofs.close()
    const keys = await redis.keys(`${prefix}:*`)
    if (keys.length > 0) await redis.del(...keys)
    redis.disconnect()
  })

  const bytes = buildMlpOnnx({ seed: 7, fixedBatch: true }).bytes
  for (const name of ['gone', 'kept']) {
    const up = await postMultipart(`${server.url}/models`, { model: { bytes, filename: 'm.onnx' }, spec: JSON.stringify({ name }) })
    t.equal(up.status, 201, JSON.stringify(up.body))
  }
  const row = [0.1, 0.5, 0.9, 0.3, 0.7, 0.2, 0.8, 0.4, 0.6, 0.05]
  const gone = await server.call('POST', '/predict', { model: 'gone', instances: [row, row, row], proof: true })
  const kept = await server.call('POST', '/predict', { model: 'kept', instances: [row], proof: true })
  t.equal(gone.status, 200, JSON.stringify(gone.body))
  t.equal(kept.status, 200)
  t.equal(await proofs.count(), 4, 'four proofs wait: no worker takes them')

  const del = await server.call('DELETE', '/models/gone/versions/1')
  t.equal(del.status, 200, JSON.stringify(del.body))
  t.same(del.body, { name: 'gone', version: 1, deleted: true, cancelled_proofs: 3 })
  for (const p of gone.body.predictions) {
    const proof = await server.call('GET', `/proofs/${p.proof.id as string}`)
    t.equal(proof.body.status, 'failed')
    t.match(proof.body.error, /model 'gone' version 1 was deleted before this proof was made/)
  }
  const other = await server.call('GET', `/proofs/${kept.body.predictions[0].proof.id as string}`)
  t.equal(other.body.status, 'queued', "another model's proof is untouched")
  t.equal(await proofs.count(), 1, 'the cancelled jobs left the queue')
  const again = await server.call('DELETE', '/models/gone/versions/1')
  t.equal(again.status, 404)
  t.equal(again.body.error, 'version_deleted')
})
