import t, { type Test } from 'tap'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import { DATASET_NAMES } from '../../../src/data/types.js'
import { build, type InjectedApp } from '../../helpers/build.js'
import { waitFor } from '../../helpers/app.js'
import { datasetFiles } from '../../helpers/data-fixtures.js'
import { dropPrefix, redisForTest } from '../../helpers/redis.js'

const settled = async (api: InjectedApp, id: string): Promise<any> => await waitFor(async () => {
  const res = await api.call('GET', `/train/${id}`)
  return res.body.status === 'succeeded' || res.body.status === 'failed' ? res.body : undefined
}, 300_000, 200)

/** The BullMQ 'training' queue of a test's prefix, to read job states and attempts as BullMQ keeps them. */
function trainingQueue (t: Test, url: string, prefix: string): Queue {
  const connection = new Redis(url, { maxRetriesPerRequest: null })
  const queue = new Queue('training', { connection, prefix })
  t.teardown(async () => {
    await queue.close()
    connection.disconnect()
    await dropPrefix(url, prefix)
  })
  return queue
}

t.test('training on BullMQ: a transient failure is retried with backoff, a bad input fails at once', async (t) => {
  const url = await redisForTest(t)
  if (url == null) return
  const prefix = `tr${process.pid}x${Date.now()}`
  const training = trainingQueue(t, url, prefix)

  // A data host: `flaky` answers 503 to its first request (the host restarting), `down` always, `missing` is a bad URL.
  const files = datasetFiles(4)
  const hits: Record<string, number> = {}
  const host = http.createServer((req, res) => {
    const [kind, name] = (req.url ?? '').slice(1).split('/')
    hits[`${kind}/${name}`] = (hits[`${kind}/${name}`] ?? 0) + 1
    const file = Object.values(files).find((f) => f.filename === name)
    if (file == null || kind === 'missing') { res.statusCode = 404; res.end(); return }
    if (kind === 'down' || (kind === 'flaky' && hits[`${kind}/${name}`] === 1)) { res.statusCode = 503; res.end('restarting'); return }
    res.end(file.bytes)
  })
  await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve))
  t.teardown(() => host.close())
  const base = `http://127.0.0.1:${(host.address() as AddressInfo).port}`
  const sources = (kind: string): Record<string, string> => Object.fromEntries(DATASET_NAMES.map((n) => [n, `${base}/ok/${files[n].filename}`]).concat([['token_prices', `${base}/${kind}/${files.token_prices.filename}`]]))

  // One process with the API and a training worker (ROLE=all): the job goes through Redis all the same.
  const api = await build(t, {
    config: { REDIS_URL: url, REDIS_PREFIX: prefix, ROLE: 'all', WORKER_QUEUES: 'training', TRAIN_ATTEMPTS: 2, TRAIN_RETRY_DELAY_MS: 300 },
  })
  const submit = async (model: string, kind: string): Promise<string> => {
    const res = await api.call('POST', '/train', { model, recipe: 'tutorial', epochs: 1, data: { sources: sources(kind) } })
    t.equal(res.status, 202, JSON.stringify(res.body))
    return res.body.id
  }

  const flaky = await settled(api, await submit('flaky', 'flaky'))
  t.equal(flaky.status, 'succeeded', `the second attempt trains: ${flaky.error as string}`)
  t.equal(flaky.error, undefined, 'a succeeded job carries no error of the attempt before')
  t.equal(hits['flaky/token_prices.parquet'], 2, 'the 503 was retried once')
  t.same(flaky.model, { name: 'flaky', version: 1 })

  const missing = await settled(api, await submit('missing', 'missing'))
  t.equal(missing.status, 'failed')
  t.match(missing.error, /token_prices: GET .*missing\/token_prices\.parquet answered HTTP 404/)
  t.equal(hits['missing/token_prices.parquet'], 1, 'a bad URL is not retried')
  const missingJob = await training.getJob(missing.id)
  t.equal(await missingJob?.getState(), 'failed', 'BullMQ failed it (UnrecoverableError)')
  t.equal(missingJob?.attemptsMade, 1)

  const down = await settled(api, await submit('down', 'down'))
  t.equal(down.status, 'failed', 'after TRAIN_ATTEMPTS tries the job fails')
  t.match(down.error, /answered HTTP 503/)
  t.equal(hits['down/token_prices.parquet'], 2, 'tried TRAIN_ATTEMPTS (2) times')
  const downJob = await training.getJob(down.id)
  t.equal(await downJob?.getState(), 'failed')
  t.equal(downJob?.attemptsMade, 2)
})
