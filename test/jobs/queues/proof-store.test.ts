import t from 'tap'
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Redis } from 'ioredis'
import { newTimeId, parseRetention, timeOfId } from '../../../src/jobs/queues/ids.js'
import { FileProofStore } from '../../../src/jobs/queues/file-proof-store.js'
import { RedisProofStore } from '../../../src/jobs/queues/redis-proof-store.js'
import { RedisTrainStore } from '../../../src/jobs/queues/train-store.js'
import type { ProofRecord } from '../../../src/jobs/proof-jobs.js'
import type { TrainJobRecord } from '../../../src/jobs/train-jobs.js'
import { startServer } from '../../helpers/app.js'
import { redisForTest } from '../../helpers/redis.js'

const DAY = 86_400_000
const record = (id: string): ProofRecord => ({
  id, status: 'queued', created: new Date(timeOfId(id) ?? Date.now()).toISOString(), model: 'm', version: 1, proof_system: 'groth16', inputs: [1, 2], served: { probability: 0.5, label: 1 },
})

t.test('proof ids carry their creation time; PROOF_RETENTION parses with a unit', async (t) => {
  const at = Date.parse('2026-11-30T13:45:00.123Z')
  const id = newTimeId(at)
  t.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  t.equal(timeOfId(id), at)
  t.equal(timeOfId('0b0e6c2e-6c8e-4d0a-9f3e-2a1b3c4d5e6f'), null, 'a v4 id of an older release has no time')
  t.equal(parseRetention('30d'), 30 * DAY)
  t.equal(parseRetention('90m'), 90 * 60_000)
  t.throws(() => parseRetention('30'), /PROOF_RETENTION '30' must be a whole number and a unit/)
})

t.test('embedded store: one file per record under its hour, results written once, pending names, retention', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'zk-proofstore-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const store = new FileProofStore(dir, 30 * DAY)
  t.same(await store.init(), [])
  const now = Date.now()
  const fresh = newTimeId(now)
  await store.create(record(fresh))
  const iso = new Date(now).toISOString()
  t.ok(await stat(path.join(dir, iso.slice(0, 10), iso.slice(11, 13), `${fresh}.json`)), 'stored under <day>/<hour>/<id>.json')
  t.same(await readdir(path.join(dir, 'pending')), [fresh], 'named as pending until final')
  t.equal(await store.complete({ ...record(fresh), status: 'succeeded', public_signals: ['1'] }), true)
  t.equal(await store.complete({ ...record(fresh), status: 'succeeded', public_signals: ['2'] }), false, 'a second result is refused')
  await store.save({ ...record(fresh), status: 'proving' })
  const stored = await store.get(fresh)
  t.equal(typeof stored === 'object' && stored.status, 'succeeded', 'a late state change never overwrites the result')
  t.same(typeof stored === 'object' && stored.public_signals, ['1'], 'the first result is kept')
  t.equal(await store.completions(fresh), 1)
  t.same(await readdir(path.join(dir, 'pending')), [], 'no longer pending')

  // A record from 40 days ago: expired by its id alone; the sweep removes its day.
  const old = newTimeId(now - 40 * DAY)
  await store.create(record(old))
  t.equal(await store.get(old), 'expired')
  t.equal(await store.get(newTimeId(now - DAY)), undefined, 'an unknown id within the retention does not exist')
  t.equal(await store.sweep(now), 1, 'one hour directory removed')
  t.equal((await readdir(dir)).filter((n) => /^\d{4}/.test(n)).length, 1, 'the current day stays; the emptied old day went')
  t.same(await readdir(path.join(dir, 'pending')), [], 'the expired pending name went with it')

  // What a restart resumes: the pending names, oldest first.
  const a = newTimeId(now - 2000)
  const b = newTimeId(now - 1000)
  await store.create(record(b))
  await store.create(record(a))
  await store.close()
  const reopened = new FileProofStore(dir, 30 * DAY)
  t.same(await reopened.init(), [a, b])
  await reopened.close()
})

t.test('the retention sweep goes hour by hour, oldest first: the hours still kept stay, whole days go once empty', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'zk-proofsweep-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const HOUR = 3_600_000
  const store = new FileProofStore(dir, 10 * HOUR)
  await store.init()
  const now = Date.parse('2026-12-02T12:30:00Z')
  const at = (iso: string): string => newTimeId(Date.parse(iso))
  const lastDay = at('2026-12-01T23:30:00Z') // its hour ended 10 h before 10:00: gone, and its day with it
  const busyHour = Array.from({ length: 300 }, (_, i) => at(`2026-12-02T01:${String(i % 60).padStart(2, '0')}:00Z`))
  const kept = at('2026-12-02T02:15:00Z') // expires at 12:15, but its hour's 02:59 records are kept until 13:00: it stays
  const fresh = at('2026-12-02T11:30:00Z')
  for (const id of [lastDay, ...busyHour, kept, fresh]) await store.create(record(id))
  t.equal(await store.sweep(now), 2, 'two hour directories removed: 2026-12-01/23 and 2026-12-02/01')
  t.same((await readdir(dir)).filter((n) => /^\d{4}/.test(n)), ['2026-12-02'], 'the emptied day went')
  t.same((await readdir(path.join(dir, '2026-12-02'))).sort(), ['02', '11'], 'the hours still kept stay')
  t.equal(await store.sweep(now), 0, 'nothing more to remove')
  await store.close()
})

t.test('an expired proof answers 404 proof_expired; an unknown one proof_not_found', async (t) => {
  const server = await startServer({ PROOF_RETENTION: '1d' })
  t.teardown(server.close)
  const expired = await server.call('GET', `/proofs/${newTimeId(Date.now() - 2 * DAY)}`)
  t.equal(expired.status, 404)
  t.equal(expired.body.error, 'proof_expired')
  t.match(expired.body.message, /PROOF_RETENTION/)
  const unknown = await server.call('GET', `/proofs/${newTimeId()}`)
  t.equal(unknown.status, 404)
  t.equal(unknown.body.error, 'proof_not_found')
})

t.test('Redis stores: hashes with a TTL, one result per proof, training pages', async (t) => {
  const url = await redisForTest(t)
  if (url == null) return
  const redis = new Redis(url)
  const prefix = `t${process.pid}${Date.now()}`
  t.teardown(async () => {
    const keys = await redis.keys(`${prefix}:*`)
    if (keys.length > 0) await redis.del(...keys)
    redis.disconnect()
  })
  const store = new RedisProofStore(redis, prefix, 30 * DAY)
  const id = newTimeId()
  await store.create(record(id))
  await store.create({ ...record(id), status: 'failed' })
  t.equal(await redis.hget(`${prefix}:proof:${id}`, 'status'), 'queued', 'create keeps a record already there')
  const ttl = await redis.pttl(`${prefix}:proof:${id}`)
  t.ok(ttl > 29 * DAY && ttl <= 30 * DAY, `expires with the retention (${ttl} ms)`)
  t.equal(await store.complete({ ...record(id), status: 'succeeded' }), true)
  t.equal(await store.complete({ ...record(id), status: 'succeeded' }), false)
  await store.save({ ...record(id), status: 'proving' })
  const stored = await store.get(id)
  t.equal(typeof stored === 'object' && stored.status, 'succeeded')
  t.equal(await store.completions(id), 1)
  t.equal(await store.get(newTimeId(Date.now() - 31 * DAY)), 'expired')

  const train = new RedisTrainStore(redis, prefix)
  const job = (n: number): TrainJobRecord => ({
    id: `job-${n}`,
    status: 'queued',
    created: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
    href: `/train/job-${n}`,
    spec: { model: 'm', recipe: 'tutorial', window: 7, seed: 0, data: 'synthetic' },
    request: { model: 'm', recipe: 'tutorial', window: 7, seed: 0, data: { synthetic: {} } },
  })
  for (let n = 0; n < 5; n++) await train.create(job(n))
  const first = await train.page(2)
  t.same(first.jobs.map((j) => j.id), ['job-4', 'job-3'], 'newest first')
  const second = await train.page(2, first.next ?? undefined)
  t.same(second.jobs.map((j) => j.id), ['job-2', 'job-1'])
  const last = await train.page(2, second.next ?? undefined)
  t.same(last.jobs.map((j) => j.id), ['job-0'])
  t.equal(last.next, null)
})
