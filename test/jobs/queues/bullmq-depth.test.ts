import t from 'tap'
import { pino } from 'pino'
import { Redis } from 'ioredis'
import type { FastifyBaseLogger } from 'fastify'
import { Queues } from '../../../src/jobs/queues/bullmq.js'
import { ServiceMetrics } from '../../../src/observability/metrics.js'
import { redisForTest } from '../../helpers/redis.js'
import { parseExposition, sampleValue } from '../../helpers/prometheus.js'

// BullMQ mode: the metrics' queue depths come from the queues themselves (getJobCounts), read at scrape time.
t.test('BullMQ queues report their depth to /metrics: waiting, active, oldest waiting', async (t) => {
  const url = await redisForTest(t)
  if (url == null) return
  const prefix = `d${process.pid}${Date.now()}`
  const log = pino({ level: 'silent' }) as unknown as FastifyBaseLogger
  const queues = new Queues(log, {
    url, prefix, lockMs: 30_000, stalledIntervalMs: 30_000, proofAttempts: 3, trainAttempts: 3, trainRetryDelayMs: 10_000, proofQueueLimit: 100, trainQueueLimit: 10,
  })
  const redis = new Redis(url)
  t.teardown(async () => {
    await queues.close()
    const keys = await redis.keys(`${prefix}:*`)
    if (keys.length > 0) await redis.del(...keys)
    redis.disconnect()
  })
  const sources = queues.depthSources()
  t.same(sources.map((s) => s.name), ['proof', 'circuit', 'training'], 'named like the embedded queues')
  t.same(await sources[0].depth(), { waiting: 0, active: 0, oldestWaitingMs: null }, 'an empty queue')

  // No worker takes from these queues: what is added waits.
  const dispatch = queues.proofDispatch()
  t.equal(dispatch.mode, 'bullmq')
  const created = new Date().toISOString()
  for (const id of ['p1', 'p2', 'p3']) {
    await dispatch.enqueue({ id, status: 'queued', created, model: 'm', version: 1, proof_system: 'groth16', inputs: [1], served: { probability: 0.5, label: 1 } })
  }
  const depth = await sources[0].depth()
  t.equal(depth.waiting, 3)
  t.equal(depth.active, 0)
  t.ok(depth.oldestWaitingMs != null && depth.oldestWaitingMs >= 0, 'the oldest waiting job has an age')

  const metrics = new ServiceMetrics({ sources: [], queues: sources }, { defaultMetrics: false })
  t.teardown(() => { metrics.close() })
  const scrape = parseExposition(await metrics.scrape())
  t.equal(sampleValue(scrape, 'zkpredict_queue_jobs', { queue: 'proof', state: 'waiting' }), 3)
  t.equal(sampleValue(scrape, 'zkpredict_queue_jobs', { queue: 'training', state: 'waiting' }), 0)
})
