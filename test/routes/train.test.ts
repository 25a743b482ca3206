import t from 'tap'
import http from 'node:http'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import { DATASET_NAMES } from '../../src/data/types.js'
import { startServer, waitFor, type TestServer, settled } from '../helpers/app.js'
import { postMultipart } from '../helpers/multipart.js'
import { datasetFiles } from '../helpers/data-fixtures.js'
import { snapshotsApart } from '../helpers/data-dir.js'

const finished = async (server: TestServer, id: string): Promise<any> => await settled(server, `/train/${id}`)

t.test('training jobs over real HTTP', async (t) => {
  const server = await startServer()
  t.teardown(server.close)

  t.test('a synthetic job is accepted with 202, reports progress and registers a version', async (t) => {
    const res = await server.call('POST', '/train', { model: 'synth', recipe: 'tutorial', window: 7, seed: 1, epochs: 2, data: { synthetic: { seed: 5, days: 200 } } })
    t.equal(res.status, 202, JSON.stringify(res.body))
    t.equal(res.body.status, 'queued')
    t.equal(res.body.href, `/train/${res.body.id}`)
    const job = await finished(server, res.body.id)
    t.equal(job.status, 'succeeded', job.error)
    t.same(job.model, { name: 'synth', version: 1 })
    t.ok(job.dataset.train_rows > 0 && job.dataset.test_rows > 0)
    t.equal(job.metrics.cv.length, 5)
    t.type(job.backend, 'string')
    t.equal(job.progress.epochs, 2)
    const version = await server.call('GET', '/models/synth/versions/1')
    t.equal(version.body.recipe, 'tutorial')
    t.equal(version.body.features.length, 10)
    t.equal(version.body.features[9], 'volatility_7day')
    const list = await server.call('GET', '/train')
    t.equal(list.body.jobs[0].id, res.body.id)
    // The trained model serves predictions by feature name at once.
    const row = Object.fromEntries(version.body.features.map((f: string, i: number) => [f, i + 1]))
    const predicted = await server.call('POST', '/predict', { model: 'synth', instances: [row], proof: false })
    t.equal(predicted.status, 200)
    t.ok(predicted.body.predictions[0].probability >= 0 && predicted.body.predictions[0].probability <= 1)
  })

  t.test('uploaded files (CSV with epoch-ns days, Parquet) train a model', async (t) => {
    const files = datasetFiles(9)
    const res = await postMultipart(`${server.url}/train`, { spec: JSON.stringify({ model: 'uploaded', recipe: 'default', window: 3, epochs: 2 }), ...files })
    t.equal(res.status, 202, JSON.stringify(res.body))
    const job = await finished(server, res.body.id)
    t.equal(job.status, 'succeeded', job.error)
    t.equal(job.spec.data, 'upload')
    t.same(job.model, { name: 'uploaded', version: 1 })
  })

  t.test('URL sources are fetched over HTTP; a missing column fails the job naming file and column', async (t) => {
    const files = datasetFiles(4)
    const broken = new TextEncoder().encode('date,price,token\n2023-01-01,1,WETH\n')
    const fileServer = http.createServer((req, res) => {
      const name = (req.url ?? '').slice(1)
      if (name === 'broken.csv') { res.end(broken); return }
      const file = Object.values(files).find((f) => f.filename === name)
      if (file == null) { res.statusCode = 404; res.end(); return }
      res.end(file.bytes)
    })
    await new Promise<void>((resolve) => fileServer.listen(0, '127.0.0.1', resolve))
    t.teardown(() => fileServer.close())
    const base = `http://127.0.0.1:${(fileServer.address() as AddressInfo).port}`
    const sources = Object.fromEntries(DATASET_NAMES.map((n) => [n, `${base}/${files[n].filename}`]))
    const ok = await server.call('POST', '/train', { model: 'from-urls', epochs: 2, data: { sources } })
    t.equal(ok.status, 202)
    const job = await finished(server, ok.body.id)
    t.equal(job.status, 'succeeded', job.error)
    t.equal(job.spec.data, 'urls')

    const bad = await server.call('POST', '/train', { model: 'broken', epochs: 2, data: { sources: { ...sources, token_prices: `${base}/broken.csv` } } })
    const failed = await finished(server, bad.body.id)
    t.equal(failed.status, 'failed')
    t.match(failed.error, /token_prices/)
    t.match(failed.error, /market_cap/)
    const missing = await server.call('POST', '/train', { model: 'missing', epochs: 2, data: { sources: { ...sources, liquidations_v2: `${base}/nope.csv` } } })
    const failed404 = await finished(server, missing.body.id)
    t.equal(failed404.status, 'failed')
    t.match(failed404.error, /404/)
  })

  t.test('bad specs get a 400 at submission', async (t) => {
    const sources = Object.fromEntries(DATASET_NAMES.map((n) => [n, `http://127.0.0.1:1/${n}.csv`]))
    const cases: Array<[string, unknown, RegExp]> = [
      ['unknown recipe', { model: 'x', recipe: 'magic' }, /body\/recipe must be one of "tutorial", "default"/],
      ['window 5', { model: 'x', window: 5 }, /body\/window must be one of 3, 7/],
      ['file URL', { model: 'x', data: { sources: { ...sources, token_prices: 'file:///etc/passwd' } } }, /data\.sources\.token_prices: only http and https URLs are allowed, not file:/],
      ['not a URL', { model: 'x', data: { sources: { ...sources, liquidations_v3: 'http://' } } }, /data\.sources\.liquidations_v3/],
      ['missing source', { model: 'x', data: { sources: { liquidations_v2: 'http://a/b.csv' } } }, /body\/data/],
      ['bad model name', { model: 'A B' }, /body\/model/],
      ['no model', { recipe: 'default' }, /model/],
    ]
    for (const [label, body, message] of cases) {
      const res = await server.call('POST', '/train', body)
      t.equal(res.status, 400, `${label}: ${JSON.stringify(res.body)}`)
      t.match(res.body.message, message, label)
    }
    const unknownJob = await server.call('GET', '/train/does-not-exist')
    t.equal(unknownJob.status, 404)
    const noSpec = await postMultipart(`${server.url}/train`, { liquidations_v2: { bytes: new Uint8Array([1]), filename: 'a.csv' } })
    t.equal(noSpec.status, 400)
    t.match(noSpec.body.message, /missing|spec/)
  })

  t.test('an unreachable URL fails the job cleanly; the service stays up', async (t) => {
    const sources = Object.fromEntries(DATASET_NAMES.map((n) => [n, `http://127.0.0.1:1/${n}.csv`]))
    const res = await server.call('POST', '/train', { model: 'unreachable', epochs: 2, data: { sources } })
    t.equal(res.status, 202)
    const job = await finished(server, res.body.id)
    t.equal(job.status, 'failed')
    t.match(job.error, /127\.0\.0\.1:1/)
    t.equal((await server.call('GET', '/health/live')).status, 200)
  })
})

t.test('after a restart, a job that was running is failed and a queued one runs', async (t) => {
  const first = await startServer({}, { keepDataDir: true })
  const running = await first.call('POST', '/train', { model: 'slow', epochs: 200, data: { synthetic: { days: 200 } } })
  const queued = await first.call('POST', '/train', { model: 'waiting', epochs: 2, data: { synthetic: { days: 200 } } })
  await waitFor(async () => ((await first.call('GET', `/train/${running.body.id}`)).body.status === 'running' ? true : undefined))
  // Simulate the process dying: the app is closed without the jobs finishing.
  await first.close()
  // The stopped run has recorded its end before close() returned (it used to be written just after, into a
  // DATA_DIR the caller may already be removing), and nothing is written after close().
  const record = JSON.parse(await readFile(path.join(first.dataDir, 'jobs', 'train', `${running.body.id}.json`), 'utf8'))
  t.equal(record.status, 'failed', 'the interrupted run is recorded as such when close() returns')
  t.match(record.error, /interrupted/)
  const [before, after] = await snapshotsApart(first.dataDir, 1000)
  t.same(after, before, 'nothing in DATA_DIR changed after close()')
  const second = await startServer({}, { dataDir: first.dataDir })
  t.teardown(second.close)
  const interrupted = await second.call('GET', `/train/${running.body.id}`)
  t.equal(interrupted.body.status, 'failed')
  t.match(interrupted.body.error, /interrupted/)
  const resumed = await finished(second, queued.body.id)
  t.equal(resumed.status, 'succeeded', resumed.error)
})
