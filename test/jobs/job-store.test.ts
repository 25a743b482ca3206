import t from 'tap'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { FastifyBaseLogger } from 'fastify'
import { JobStore, type StoredJob } from '../../src/jobs/job-store.js'
import { TrainJobs } from '../../src/jobs/train-jobs.js'
import { Registry } from '../../src/registry/registry.js'
import { inspectOnnx } from '../../src/onnx/inspect.js'
import { buildMlpOnnx } from '../helpers/onnx-fixture.js'

interface CountingJob extends StoredJob { step: number }

t.test('what a restart reads is the last state saved, however the writes interleave', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'zkpredict-jobstore-'))
  t.teardown(async () => await rm(dir, { recursive: true, force: true }))
  const store = new JobStore<CountingJob>(dir)
  await store.init()
  const created = new Date().toISOString()
  // Progress saves are fired without waiting (as training does), then the final one.
  const writes: Array<Promise<void>> = []
  for (let step = 1; step <= 60; step++) writes.push(store.save({ id: 'job', status: step === 60 ? 'succeeded' : 'running', created, step }))
  await Promise.all(writes)
  t.equal(store.get('job')?.step, 60)
  const reread = new JobStore<CountingJob>(dir)
  const [job] = await reread.init()
  t.equal(job.step, 60, 'the file holds the final state, not a late progress write')
  t.equal(job.status, 'succeeded')
  t.same((await readdir(dir)).filter((f) => f.endsWith('.tmp')), [], 'no temporary files remain')
})

t.test('a training job that registered its model just before a crash is recorded as succeeded at restart', async (t) => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'zkpredict-jobstore-'))
  t.teardown(async () => await rm(dataDir, { recursive: true, force: true }))
  const registry = new Registry(path.join(dataDir, 'models'))
  await registry.init()
  const onnx = buildMlpOnnx({ seed: 1 }).bytes
  const summary = inspectOnnx(onnx)
  await registry.register({ name: 'crashed', source: 'trained', onnx, inputs: summary.inputs, outputs: summary.outputs, features: null, threshold: 0.5, proof_system: 'groth16', dataset: { train_rows: 10, test_rows: 5, test_positives: 1 }, job: 'registered-job' })
  // Both jobs were 'running' on disk when the process died; only one got as far as registering.
  const jobsDir = path.join(dataDir, 'jobs', 'train')
  const store = new JobStore<StoredJob & Record<string, unknown>>(jobsDir)
  const created = new Date().toISOString()
  const spec = { model: 'crashed', recipe: 'tutorial', window: 7, seed: 0, data: 'synthetic' }
  await store.save({ id: 'registered-job', status: 'running', created, href: '/train/registered-job', spec, request: {} })
  await store.save({ id: 'cut-job', status: 'running', created, href: '/train/cut-job', spec, request: {} })

  const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined } as unknown as FastifyBaseLogger
  const jobs = new TrainJobs(registry, { dir: jobsDir, uploadsDir: path.join(dataDir, 'uploads'), concurrency: 1, queueLimit: 1, limits: { maxBytes: 1024, timeoutMs: 1000 }, defaultProofSystem: 'groth16', register: async (input) => await registry.register(input) }, silent)
  t.same(await jobs.init(), [], 'nothing to resume')
  const registered = await jobs.get('registered-job')
  t.equal(registered.status, 'succeeded')
  t.same(registered.model, { name: 'crashed', version: 1 })
  t.same(registered.dataset, { train_rows: 10, test_rows: 5, test_positives: 1 })
  const cut = await jobs.get('cut-job')
  t.equal(cut.status, 'failed')
  t.match(cut.error, /interrupted/)
  await jobs.close()
})
