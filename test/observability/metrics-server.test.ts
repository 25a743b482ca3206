import { execFileSync } from 'node:child_process'
import t from 'tap'
import '../helpers/child-env.js'
import { request } from 'undici'
import { WorkQueue } from '../../src/jobs/work-queue.js'
import { publishProof } from '../../src/observability/events.js'
import { ServiceMetrics } from '../../src/observability/metrics.js'
import { serveMetrics } from '../../src/observability/metrics-server.js'
import { parseExposition, sampleValue } from '../helpers/prometheus.js'

const hasParser = ((): boolean => {
  try { execFileSync('/usr/bin/python3', ['-c', 'import prometheus_client'], { stdio: 'ignore' }); return true } catch { return false }
})()
if (!hasParser && process.env.CI === 'true') throw new Error('python3-prometheus-client is not installed: apt-get install -y python3-prometheus-client')

t.test('a worker process serves its own registry on its own port: its queue depths and its proof events', { skip: hasParser ? false : 'python3-prometheus-client is not installed' }, async (t) => {
  // What a queue worker would build: its queue as the depth source, itself as the events' source.
  const queue = new WorkQueue('proof', 1, 10)
  const worker = {}
  const stranger = {}
  const metrics = new ServiceMetrics({ sources: [worker], queues: [queue] })
  t.teardown(() => { metrics.close() })
  const server = await serveMetrics(metrics, { port: 0 })
  t.teardown(server.close)
  const scrape = async (): Promise<ReturnType<typeof parseExposition>> => {
    const res = await request(`http://127.0.0.1:${server.port}/metrics`)
    t.equal(res.statusCode, 200)
    return parseExposition(await res.body.text())
  }

  let release: () => void = () => {}
  const blocked = new Promise<void>((resolve) => { release = resolve })
  for (let i = 0; i < 3; i++) queue.push(async () => await blocked)
  const during = await scrape()
  t.equal(sampleValue(during, 'zkpredict_queue_jobs', { queue: 'proof', state: 'active' }), 1)
  t.equal(sampleValue(during, 'zkpredict_queue_jobs', { queue: 'proof', state: 'waiting' }), 2)
  t.ok(sampleValue(during, 'zkpredict_queue_oldest_waiting_seconds', { queue: 'proof' }) >= 0)

  publishProof({ source: worker, state: 'succeeded', proof_system: 'groth16', mode: 'bullmq', seconds: 0.2 })
  publishProof({ source: stranger, state: 'succeeded', proof_system: 'groth16', mode: 'bullmq', seconds: 0.2 })
  release()
  await new Promise((resolve) => setImmediate(resolve))
  const after = await scrape()
  t.equal(sampleValue(after, 'zkpredict_proof_jobs_total', { state: 'succeeded', mode: 'bullmq' }), 1, 'only its own events count')
  t.equal(sampleValue(after, 'zkpredict_proof_duration_seconds_sum', { mode: 'bullmq' }), 0.2)
  t.ok(sampleValue(after, 'process_resident_memory_bytes') > 0)
  t.equal((await request(`http://127.0.0.1:${server.port}/other`)).statusCode, 404)
})
