import t from 'tap'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { JobStore, type StoredJob } from '../src/jobs/job-store.js'

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
