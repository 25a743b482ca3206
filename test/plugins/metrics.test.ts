import { execFileSync } from 'node:child_process'
import t from 'tap'
import { settled, startServer, type TestServer } from '../helpers/app.js'
import { parseExposition, sampleValue, type ParsedFamily } from '../helpers/prometheus.js'

const hasParser = ((): boolean => {
  try { execFileSync('/usr/bin/python3', ['-c', 'import prometheus_client'], { stdio: 'ignore' }); return true } catch { return false }
})()
// In CI the parser is installed by .ci/run (python3-prometheus-client): there a missing parser fails the test.
if (!hasParser && process.env.CI === 'true') throw new Error('python3-prometheus-client is not installed: apt-get install -y python3-prometheus-client')

async function scrape (server: TestServer, headers: Record<string, string> = {}): Promise<ParsedFamily[]> {
  const res = await server.call('GET', '/metrics', undefined, headers)
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}: ${JSON.stringify(res.body)}`)
  if (!String(res.headers['content-type']).startsWith('text/plain; version=0.0.4')) throw new Error(`content type ${String(res.headers['content-type'])}`)
  return parseExposition(res.body as string)
}

const ROW = [2.1e7, 9.5e6, 1850.2, 0, 8.1e9, 1.9e7, 8.7e6, 0, 7.7e9, 0.031]

t.test('a scrape parses as Prometheus text, and the counters move as training, requests and proofs happen', { skip: hasParser ? false : 'python3-prometheus-client is not installed' }, async (t) => {
  const server = await startServer()
  t.teardown(server.close)

  const before = await scrape(server)
  const families = new Map(before.map((f) => [f.name, f]))
  // Every family has a help text (the README lists them), and the process metrics are there.
  for (const f of before) t.not(f.help, '', `${f.name} has a help text`)
  for (const name of ['process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_p99_seconds', 'zkpredict_queue_jobs', 'zkpredict_queue_oldest_waiting_seconds']) {
    t.ok(families.has(name), `${name} is exposed`)
  }
  t.equal(families.get('rest_server_requests_duration_seconds')?.type, 'histogram')
  t.same(['circuit', 'proof', 'training'].map((q) => sampleValue(before, 'zkpredict_queue_jobs', { queue: q, state: 'waiting' })), [0, 0, 0])

  const job = await server.call('POST', '/train', { model: 'm', recipe: 'tutorial', epochs: 1, data: { synthetic: { days: 200 } } })
  t.equal(job.status, 202)
  const trained = await settled(server, `/train/${job.body.id as string}`)
  t.equal(trained.status, 'succeeded', trained.error)
  const model = trained.model as { name: string, version: number }
  const circuitStatus = async (): Promise<string> => (await server.call('GET', `/models/m/versions/${model.version}`)).body.circuit.status

  // Proofs asked while the circuit builds wait in the proof queue (PROOF_WORKERS=1: one task is taken and waits for the
  // circuit, the other two wait in the queue). If the build ends before the scrape, they may already be moving on.
  const withProof = await server.call('POST', '/predict', { model: 'm', instances: [ROW, ROW, ROW], proof: true })
  t.equal(withProof.status, 200)
  const during = await scrape(server)
  if (await circuitStatus() !== 'ready') {
    t.equal(sampleValue(during, 'zkpredict_queue_jobs', { queue: 'proof', state: 'waiting' }), 2, 'two proofs wait')
    t.equal(sampleValue(during, 'zkpredict_queue_jobs', { queue: 'proof', state: 'active' }), 1, 'one is taken (waiting for its circuit)')
    t.ok(sampleValue(during, 'zkpredict_queue_oldest_waiting_seconds', { queue: 'proof' }) >= 0)
  } else {
    t.ok(sampleValue(during, 'zkpredict_queue_jobs', { queue: 'proof' }) <= 3)
  }
  const proofs = []
  for (const p of withProof.body.predictions) proofs.push(await settled(server, p.proof.href as string))
  for (const proof of proofs) t.equal(proof.status, 'succeeded', proof.error)

  const requests = 3
  for (let i = 0; i < requests; i++) {
    const res = await server.call('POST', '/predict', { model: 'm', instances: [ROW, ROW.map((v) => v * 2)], proof: false })
    t.equal(res.status, 200)
  }
  t.equal((await server.call('POST', '/predict', { model: 'nope', instances: [ROW] })).status, 404)

  const after = await scrape(server)
  const delta = (name: string, labels: Record<string, string> = {}): number => sampleValue(after, name, labels) - sampleValue(before, name, labels)
  const v = { model_name: 'm', model_version: String(model.version) }
  t.equal(delta('zkpredict_training_jobs_total', { state: 'queued', recipe: 'tutorial' }), 1)
  t.equal(delta('zkpredict_training_jobs_total', { state: 'running', recipe: 'tutorial' }), 1)
  t.equal(delta('zkpredict_training_jobs_total', { state: 'succeeded', recipe: 'tutorial' }), 1)
  t.equal(delta('zkpredict_training_duration_seconds_count', { recipe: 'tutorial', status: 'succeeded' }), 1)
  t.equal(delta('zkpredict_circuit_builds_total', { proof_system: 'groth16', status: 'ready' }), 1)
  t.equal(delta('zkpredict_circuit_build_duration_seconds_count', { proof_system: 'groth16' }), 1)
  t.equal(delta('model_infer_request_success_total', v), requests + 1, 'one inference per /predict request')
  t.equal(delta('model_infer_rows_total', v), requests * 2 + 3)
  t.equal(delta('model_infer_request_failure_total', v), 0)
  t.equal(delta('model_infer_request_duration_seconds_count', v), requests + 1)
  t.ok(delta('model_infer_request_duration_seconds_sum', v) > 0)
  const p = { proof_system: 'groth16', mode: 'embedded' }
  t.equal(delta('zkpredict_proof_jobs_total', { ...p, state: 'queued' }), 3)
  t.equal(delta('zkpredict_proof_jobs_total', { ...p, state: 'proving' }), 3)
  t.equal(delta('zkpredict_proof_jobs_total', { ...p, state: 'succeeded' }), 3)
  t.equal(delta('zkpredict_proof_jobs_total', { ...p, state: 'failed' }), 0)
  t.equal(delta('zkpredict_proof_duration_seconds_count', p), 3)
  const proveSeconds = proofs.reduce((a, x) => a + (x.prove_ms as number) / 1000, 0)
  t.ok(Math.abs(sampleValue(after, 'zkpredict_proof_duration_seconds_sum', p) - proveSeconds) < 1e-6, 'the histogram holds the proofs\' prove_ms')
  t.equal(delta('zkpredict_proof_queue_wait_seconds_count', p), 3)
  t.equal(delta('rest_server_requests_total', { method: 'POST', route: '/predict', status: '200' }), requests + 1)
  t.equal(sampleValue(after, 'zkpredict_queue_oldest_waiting_seconds', { queue: 'proof' }), 0)
  t.equal(delta('rest_server_requests_total', { method: 'POST', route: '/predict', status: '404' }), 1)
  t.equal(delta('rest_server_requests_duration_seconds_count', { method: 'POST', route: '/predict', status: '200' }), requests + 1)
  t.equal(delta('rest_server_requests_total', { method: 'POST', route: '/train', status: '202' }), 1)
  t.equal(sampleValue(after, 'zkpredict_queue_jobs', { queue: 'proof', state: 'waiting' }), 0)
})

t.test('METRICS=false: no /metrics; with read keys required, /metrics needs a key', async (t) => {
  const off = await startServer({ METRICS: false })
  t.teardown(off.close)
  t.equal((await off.call('GET', '/metrics')).status, 404)

  const keyed = await startServer({ API_KEYS: 'k1', API_KEYS_REQUIRED_FOR_READ: true })
  t.teardown(keyed.close)
  t.equal((await keyed.call('GET', '/metrics')).status, 401)
  const ok = await keyed.call('GET', '/metrics', undefined, { 'x-api-key': 'k1' })
  t.equal(ok.status, 200)
  t.match(ok.body, /# TYPE rest_server_requests_total counter/)
})
