import t from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import { spawnServer, type ChildServer } from '../helpers/child-server.js'
import { waitFor } from '../helpers/app.js'
import { OwnRedis, redisServerBinary, withoutRedis } from '../helpers/redis.js'

/**
 * Scale-out end to end: two API processes (ROLE=api) and two worker processes on one Redis and one
 * shared DATA_DIR. It trains and predicts with proofs through both APIs; SIGKILLs a worker while it
 * proves, an API right after it accepted a request, and restarts Redis once (AOF). Then every
 * accepted proof must have succeeded and verify, none proved twice (one result write each), none
 * lost, and both APIs answer the same for every id.
 */
const WORKER = fileURLToPath(new URL('../../src/worker.js', import.meta.url))

interface WorkerProcess { child: ChildProcess, output: () => string, kill: () => Promise<void>, stop: () => Promise<void> }

async function spawnWorker (env: Record<string, string>): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [WORKER], { env: { ...process.env, LOG_LEVEL: 'warn', PRINT_READY: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString('utf8'); if (output.includes('worker ready')) resolve() })
    child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString('utf8') })
    child.once('exit', (code, signal) => reject(new Error(`the worker exited (${signal ?? code}) before it was ready:\n${output}`)))
  })
  const alive = (): boolean => child.exitCode == null && child.signalCode == null
  return {
    child,
    output: () => output,
    kill: async () => { if (alive()) child.kill('SIGKILL'); await exited },
    stop: async () => { if (alive()) child.kill('SIGTERM'); await exited },
  }
}

const ROW = [0.1, 0.5, 0.9, 0.3, 0.7, 0.2, 0.8, 0.4, 0.6, 0.05]
const rows = (n: number, salt: number): number[][] => Array.from({ length: n }, (_, i) => ROW.map((x, j) => x + ((i + salt) * 7 + j) % 13 / 100))

t.test('two APIs and two workers on one Redis: proofs survive a killed worker, a killed API and a Redis restart', async (t) => {
  const binary = redisServerBinary()
  if (binary == null) return withoutRedis(t)
  const redis = await OwnRedis.start(binary)
  const dataDir = await mkdtemp(path.join(tmpdir(), 'zk-e2e-'))
  const prefix = `e2e${process.pid}`
  // Short locks so that a SIGKILLed worker's job is recovered within seconds, not BullMQ's default 30 s.
  const shared = {
    REDIS_URL: redis.url,
    REDIS_PREFIX: prefix,
    DATA_DIR: dataDir,
    DEFAULT_MODELS: 'false',
    PROOF_WORKERS: '1',
    WORKER_LOCK_MS: '4000',
    WORKER_STALLED_INTERVAL_MS: '1000',
    RATE_LIMIT_WRITE_MAX: '0',
    OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0',
  }
  const workers: WorkerProcess[] = []
  const apis: ChildServer[] = []
  const inspect = new Redis(redis.url, { maxRetriesPerRequest: null })
  inspect.on('error', () => undefined) // refused while Redis restarts; commands wait and retry
  const proofQueue = new Queue('proofs', { connection: inspect, prefix })
  t.teardown(async () => {
    for (const w of workers) await w.kill()
    for (const a of apis) await a.kill()
    await proofQueue.close()
    inspect.disconnect()
    await redis.stop()
    await rm(dataDir, { recursive: true, force: true })
  })

  workers.push(await spawnWorker(shared), await spawnWorker(shared))
  apis.push(await spawnServer(dataDir, { ...shared, ROLE: 'api' }), await spawnServer(dataDir, { ...shared, ROLE: 'api' }))
  const [api1, api2] = apis

  // ---- training through API 1, followed through API 2 ------------------------------------------
  const submitted = await api1.call('POST', '/train', { model: 'e2e', recipe: 'tutorial', epochs: 3, data: { synthetic: { seed: 3, days: 200 } } })
  t.equal(submitted.status, 202, JSON.stringify(submitted.body))
  const trained = await waitFor(async () => {
    const res = await api2.call('GET', `/train/${submitted.body.id as string}`)
    return res.body.status === 'succeeded' || res.body.status === 'failed' ? res.body : undefined
  }, 180_000, 250)
  t.equal(trained.status, 'succeeded', `training ran on a worker: ${JSON.stringify(trained.error)}`)
  // The version registered by a worker is seen by both APIs (pub/sub), and its circuit gets built once.
  for (const api of [api1, api2]) {
    const ready = await waitFor(async () => {
      const res = await api.call('GET', '/models/e2e')
      return res.status === 200 && res.body.circuit?.status === 'ready' ? res.body : undefined
    }, 180_000, 250)
    t.equal(ready.version, 1)
  }
  const page = await api2.call('GET', '/train?limit=1')
  t.equal(page.body.jobs[0].id, submitted.body.id, 'training jobs are listed from Redis by every API')

  // ---- proofs through both APIs ----------------------------------------------------------------
  const accepted: string[] = []
  const predict = async (api: ChildServer, n: number, salt: number): Promise<void> => {
    const res = await api.call('POST', '/predict', { model: 'e2e', instances: rows(n, salt), proof: true })
    t.equal(res.status, 200, JSON.stringify(res.body).slice(0, 300))
    for (const p of res.body.predictions) accepted.push(p.proof.id)
  }
  for (let i = 0; i < 4; i++) await predict(i % 2 === 0 ? api1 : api2, 3, i * 3)

  // A worker dies in the middle of proving: once both workers are proving, SIGKILL worker 0.
  const proving = await waitFor(async () => {
    const statuses = await Promise.all(accepted.map(async (id) => await inspect.hget(`${prefix}:proof:${id}`, 'status')))
    const ids = accepted.filter((_, i) => statuses[i] === 'proving')
    return ids.length >= 2 ? ids : undefined
  }, 120_000, 20)
  await workers[0].kill()
  // The replacement loads the served circuit into its prover thread before it takes a job.
  const replacement = await spawnWorker({ ...shared, LOG_LEVEL: 'info' })
  workers.push(replacement)
  t.match(replacement.output(), /"circuits":1,.*"msg":"served circuits loaded into the prover threads"/, 'the new worker warmed the served circuit first')

  // An API dies right after it accepted a request.
  const res = await api1.call('POST', '/predict', { model: 'e2e', instances: rows(3, 40), proof: true })
  t.equal(res.status, 200)
  await api1.kill()
  for (const p of res.body.predictions) accepted.push(p.proof.id)
  const api3 = await spawnServer(dataDir, { ...shared, ROLE: 'api' })
  apis.push(api3)

  // Redis restarts once (SIGTERM, AOF replayed); processes reconnect on their own.
  await redis.restart()
  const afterRestart = await waitFor(async () => {
    const r = await api2.call('POST', '/predict', { model: 'e2e', instances: rows(2, 60), proof: true }).catch(() => null)
    return r?.status === 200 ? r : undefined
  }, 60_000, 250)
  for (const p of afterRestart.body.predictions) accepted.push(p.proof.id)
  await predict(api3, 2, 70)

  // ---- every accepted proof: succeeded, verifies, proved once, the same through both APIs ------
  t.equal(new Set(accepted).size, accepted.length, 'proof ids are unique')
  for (const id of accepted) {
    const done = await waitFor(async () => {
      const r = await api2.call('GET', `/proofs/${id}`)
      if (r.status === 404) throw new Error(`proof ${id} was accepted, then lost: ${JSON.stringify(r.body)}`)
      return r.body.status === 'succeeded' || r.body.status === 'failed' ? r.body : undefined
    }, 240_000, 250)
    t.equal(done.status, 'succeeded', `proof ${id}: ${done.error as string ?? ''}`)
    const other = await api3.call('GET', `/proofs/${id}`)
    t.same(other.body, done, `both APIs answer the same for ${id}`)
    const verified = await api3.call('POST', `/proofs/${id}/verify`)
    t.equal(verified.body.verified, true, `proof ${id} verifies`)
    t.equal(Number(await inspect.hget(`${prefix}:proof:${id}`, 'completions')), 1, `proof ${id} has exactly one result`)
  }
  t.ok(accepted.length >= 19, `${accepted.length} proofs accepted`)
  // The killed worker held one of the proofs being proven: BullMQ found it stalled and another worker proved it.
  const stalled = await Promise.all(proving.map(async (id) => (await proofQueue.getJob(id))?.stalledCounter ?? 0))
  t.ok(stalled.some((n) => n >= 1), `a job of the killed worker was recovered as stalled (stalled counters ${stalled.join(', ')})`)
})
