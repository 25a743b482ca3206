/**
 * Scale-out benchmark: node dist/bench/scale-out.js [--proofs 40] [--records 1000000]
 * - proofs/s with one and with two worker processes (BullMQ on a real Redis; the API idle): proofs
 *   are queued while the queue is paused, the workers started, then the queue resumed and timed;
 * - start-up to ready and RSS of the API with 0 and with --records stored proof records, embedded
 *   (files under DATA_DIR/proofs) and with REDIS_URL (hashes in Redis).
 * Needs redis-server (REDIS_SERVER or PATH); starts its own on a free port and removes it after.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { once } from 'node:events'
import { createServer } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import { request } from 'undici'
import { fmt, loadavg, sleep, spread, type Section } from './lib.js'
import { json, predictBody, startService, trainBenchModel } from './service.js'
import { newTimeId } from '../src/jobs/queues/ids.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const WORKER_SCRIPT = path.join(here, '..', 'src', 'worker.js')
const DAY = 86_400_000

async function freePort (): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  return typeof address === 'object' && address != null ? address.port : 0
}

async function startRedis (): Promise<{ url: string, stop: () => Promise<void> }> {
  const binary = process.env.REDIS_SERVER ?? 'redis-server'
  if (spawnSync(binary, ['--version']).status !== 0) throw new Error('the scale-out benchmark needs redis-server (apt-get install redis-server)')
  const port = await freePort()
  const dir = mkdtempSync(path.join(os.tmpdir(), 'zk-bench-redis-'))
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--maxmemory-policy', 'noeviction', '--save', ''], { stdio: 'ignore' })
  const url = `redis://127.0.0.1:${port}`
  for (let i = 0; ; i++) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
    client.on('error', () => undefined)
    const ok = await client.connect().then(async () => await client.ping(), () => null)
    client.disconnect()
    if (ok === 'PONG') break
    if (i > 400) throw new Error('redis-server did not start')
    await sleep(50)
  }
  return { url, stop: async () => { child.kill('SIGTERM'); await once(child, 'exit'); rmSync(dir, { recursive: true, force: true }) } }
}

async function startWorker (env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [WORKER_SCRIPT], { env: { ...process.env, LOG_LEVEL: 'silent', PRINT_READY: '1', ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
  process.once('exit', () => { if (child.exitCode == null) child.kill('SIGKILL') })
  let out = ''
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => { out += chunk.toString(); if (out.includes('worker ready')) resolve() })
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}`)))
  })
  return child
}

async function stop (child: ChildProcess): Promise<void> {
  if (child.exitCode != null || child.signalCode != null) return
  child.kill('SIGTERM')
  await once(child, 'exit')
}

function rssMiB (pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024
}

/** Spawn to the first 200 of /health/ready (DEFAULT_MODELS off: ready once it listens and has read its state), and RSS then. */
async function startupAndRss (dataDir: string, env: Record<string, string>, probeId?: string): Promise<{ ms: number, rss: number, probe: number | null }> {
  const t0 = performance.now()
  const service = await startService(dataDir, env)
  for (;;) {
    const res = await request(`${service.url}/health/ready`).catch(() => null)
    if (res != null) { await res.body.dump(); if (res.statusCode === 200) break }
    await sleep(10)
  }
  const ms = performance.now() - t0
  let probe: number | null = null
  if (probeId != null) {
    const res = await request(`${service.url}/proofs/${probeId}`)
    probe = res.statusCode
    await res.body.dump()
  }
  await sleep(500) // let the first garbage collections settle
  const rss = rssMiB(service.child.pid as number)
  await service.stop()
  return { ms, rss, probe }
}

/** `count` succeeded proof records like `sample`, created over the last 29 days (ids carry the time). */
function * records (sample: Record<string, unknown>, count: number): Generator<{ id: string, text: string }> {
  const now = Date.now()
  const step = (29 * DAY) / count
  for (let i = 0; i < count; i++) {
    const id = newTimeId(Math.floor(now - i * step))
    yield { id, text: JSON.stringify({ ...sample, id, created: new Date(now - i * step).toISOString() }) }
  }
}

function fillFiles (dir: string, sample: Record<string, unknown>, count: number): string {
  const made = new Set<string>()
  let last = ''
  for (const { id, text } of records(sample, count)) {
    const t = parseInt(id.slice(0, 8) + id.slice(9, 13), 16)
    const iso = new Date(t).toISOString()
    const hourDir = path.join(dir, iso.slice(0, 10), iso.slice(11, 13))
    if (!made.has(hourDir)) { mkdirSync(hourDir, { recursive: true }); made.add(hourDir) }
    writeFileSync(path.join(hourDir, `${id}.json`), text)
    last = id
  }
  return last
}

async function fillRedis (url: string, prefix: string, sample: Record<string, unknown>, count: number): Promise<string> {
  const redis = new Redis(url)
  let pipeline = redis.pipeline()
  let n = 0
  let last = ''
  for (const { id, text } of records(sample, count)) {
    const key = `${prefix}:proof:${id}`
    pipeline.hset(key, 'status', 'succeeded', 'record', text, 'completions', '1').pexpireat(key, parseInt(id.slice(0, 8) + id.slice(9, 13), 16) + 30 * DAY)
    last = id
    if (++n % 5000 === 0) { await pipeline.exec(); pipeline = redis.pipeline() }
  }
  await pipeline.exec()
  redis.disconnect()
  return last
}

export async function benchScaleOut (options: { proofs: number, records: number, step?: (s: string) => void }): Promise<Section> {
  const step = options.step ?? ((s: string) => console.error(s))
  const redis = await startRedis()
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'zk-bench-scale-'))
  const prefix = 'bench'
  const shared = { REDIS_URL: redis.url, REDIS_PREFIX: prefix, DATA_DIR: dataDir, PROOF_WORKERS: '1', LOG_LEVEL: 'silent' }
  const children: ChildProcess[] = []
  try {
    // A model and its circuit, made through the queues (one worker), then the API stays idle.
    step('scale-out: training the bench model through a worker')
    const api = await startService(dataDir, { ...shared, ROLE: 'api', RATE_LIMIT_WRITE_MAX: '0' })
    const builder = await startWorker(shared)
    await trainBenchModel(api.url, 'bench')
    await stop(builder)
    const queue = new Queue('proofs', { connection: new Redis(redis.url, { maxRetriesPerRequest: null }), prefix })
    const inspect = new Redis(redis.url)
    const rates: Record<number, number> = {}
    let sample: Record<string, unknown> = {}
    for (const workers of [1, 2]) {
      step(`scale-out: ${options.proofs} proofs with ${workers} worker process(es)`)
      await queue.pause()
      const ids: string[] = []
      while (ids.length < options.proofs) {
        const res = await json('POST', `${api.url}/predict`, JSON.parse(predictBody('bench', Math.min(20, options.proofs - ids.length), true)))
        for (const p of res.predictions) ids.push(p.proof.id)
      }
      const running: ChildProcess[] = []
      for (let i = 0; i < workers; i++) running.push(await startWorker({ ...shared, WORKER_QUEUES: 'proofs' }))
      children.push(...running)
      // Timed from resume to the last result: includes each worker loading the circuit on its first proof (~0.2 s).
      const t0 = performance.now()
      await queue.resume()
      for (;;) {
        const statuses = await Promise.all(ids.map(async (id) => await inspect.hget(`${prefix}:proof:${id}`, 'status')))
        if (statuses.every((s) => s === 'succeeded' || s === 'failed')) break
        await sleep(100)
      }
      const seconds = (performance.now() - t0) / 1000
      rates[workers] = options.proofs / seconds
      sample = JSON.parse(await inspect.hget(`${prefix}:proof:${ids[0]}`, 'record') ?? '{}')
      for (const child of running) await stop(child)
    }
    await queue.close()
    inspect.disconnect()
    await api.stop()
    const loadAfterProofs = loadavg()

    // Start-up and RSS: 0 and N stored records, each mode.
    const startup: Record<string, Array<{ ms: number, rss: number, probe: number | null }>> = {}
    const measure = async (key: string, dir: string, env: Record<string, string>, probe?: string): Promise<void> => {
      startup[key] = []
      for (let i = 0; i < 3; i++) startup[key].push(await startupAndRss(dir, env, probe))
    }
    const emptyDir = mkdtempSync(path.join(os.tmpdir(), 'zk-bench-empty-'))
    await measure('embedded, 0 records', emptyDir, { RATE_LIMIT_WRITE_MAX: '0' })
    step(`scale-out: writing ${options.records} proof records as files`)
    let t0 = performance.now()
    const lastFile = fillFiles(path.join(emptyDir, 'proofs'), sample, options.records)
    const fillFilesS = (performance.now() - t0) / 1000
    await measure(`embedded, ${options.records} records`, emptyDir, { RATE_LIMIT_WRITE_MAX: '0' }, lastFile)
    const du = spawnSync('du', ['-sh', path.join(emptyDir, 'proofs')], { encoding: 'utf8' }).stdout.split('\t')[0]
    rmSync(emptyDir, { recursive: true, force: true })
    const redisEnv = { REDIS_URL: redis.url, REDIS_PREFIX: 'startup', ROLE: 'api', RATE_LIMIT_WRITE_MAX: '0' }
    const modelsDir = mkdtempSync(path.join(os.tmpdir(), 'zk-bench-api-'))
    await measure('Redis, 0 records', modelsDir, redisEnv)
    step(`scale-out: writing ${options.records} proof records to Redis`)
    t0 = performance.now()
    const lastKey = await fillRedis(redis.url, 'startup', sample, options.records)
    const fillRedisS = (performance.now() - t0) / 1000
    const info = new Redis(redis.url)
    const usedMemory = Number(/used_memory:(\d+)/.exec(await info.info('memory'))?.[1] ?? 0) / 2 ** 20
    info.disconnect()
    await measure(`Redis, ${options.records} records`, modelsDir, redisEnv, lastKey)
    rmSync(modelsDir, { recursive: true, force: true })

    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
    const row = (key: string, base: string): string => {
      const s = startup[key]
      const ms = median(s.map((x) => x.ms))
      const rss = median(s.map((x) => x.rss))
      const baseRss = median(startup[base].map((x) => x.rss))
      const baseMs = median(startup[base].map((x) => x.ms))
      return `| ${key} | ${spread(s.map((x) => x.ms), 0)} | ${fmt(ms / baseMs, 2)} | ${spread(s.map((x) => x.rss), 1)} | ${fmt(rss / baseRss, 3)} | ${s[0].probe ?? '-'} |`
    }
    const one = rates[1]
    const two = rates[2]
    const markdown = [
      `Command: \`node dist/bench/scale-out.js --proofs ${options.proofs} --records ${options.records}\` (also part of \`npm run bench\`); ${os.cpus().length} cores, Node ${process.version}, Redis ${spawnSync(process.env.REDIS_SERVER ?? 'redis-server', ['--version'], { encoding: 'utf8' }).stdout.split(' ')[2]?.replace('v=', '')}; load average after the proof runs ${loadAfterProofs} (1/5/15 min; the machine is shared).`,
      '',
      '| worker processes (1 prover thread each), API idle | proofs | proofs/s | vs one worker |',
      '|---|---|---|---|',
      `| 1 | ${options.proofs} | ${fmt(one, 2)} | 1.00 |`,
      `| 2 | ${options.proofs} | ${fmt(two, 2)} | ${fmt(two / one, 2)} |`,
      '',
      `Per core: one worker process with one prover thread keeps one core busy: ${fmt(one, 2)} proofs/s per core in this run.`,
      '',
      `Start-up (spawn to the first 200 of /health/ready) and RSS of the API process, median of 3 (min-max); ratios against the empty store of the same mode. The ${options.records} records were written in ${fmt(fillFilesS, 0)} s as files (${du} on disk) and in ${fmt(fillRedisS, 0)} s to Redis (used_memory ${fmt(usedMemory, 0)} MiB); "GET" is the status of GET /proofs/{the oldest id} on the full store.`,
      '',
      '| store | start-up ms | vs empty | RSS MiB | vs empty | GET |',
      '|---|---|---|---|---|---|',
      row('embedded, 0 records', 'embedded, 0 records'),
      row(`embedded, ${options.records} records`, 'embedded, 0 records'),
      row('Redis, 0 records', 'Redis, 0 records'),
      row(`Redis, ${options.records} records`, 'Redis, 0 records'),
    ].join('\n')
    const startupMs = Math.max(...Object.values(startup).map((s) => median(s.map((x) => x.ms))))
    const rssRatios = ['embedded', 'Redis'].map((mode) => median(startup[`${mode}, ${options.records} records`].map((x) => x.rss)) / median(startup[`${mode}, 0 records`].map((x) => x.rss)))
    return {
      title: 'Scale-out: workers, and state that stays bounded',
      markdown,
      goals: [
        { goal: 'two worker processes give at least 1.7x the proof throughput of one', met: two / one >= 1.7, measured: `${fmt(two / one, 2)}x (${fmt(one, 2)} -> ${fmt(two, 2)} proofs/s)` },
        { goal: `with ${options.records} stored proof records, start-up to ready at most 5 s, in both modes`, met: startupMs <= 5000, measured: `slowest median ${fmt(startupMs, 0)} ms` },
        { goal: `with ${options.records} stored proof records, RSS within 10% of an empty store, in both modes`, met: rssRatios.every((r) => r <= 1.1), measured: `embedded ${fmt(rssRatios[0], 3)}x, Redis ${fmt(rssRatios[1], 3)}x` },
      ],
    }
  } finally {
    for (const child of children) await stop(child)
    await redis.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

if (process.argv[1]?.endsWith('scale-out.js') === true) {
  const { values } = parseArgs({ options: { proofs: { type: 'string', default: '40' }, records: { type: 'string', default: '1000000' } } })
  const section = await benchScaleOut({ proofs: Number(values.proofs), records: Number(values.records) })
  console.log(`## ${section.title}\n\n${section.markdown}\n\n${section.goals.map((g) => `Goal: ${g.goal}: ${g.met === true ? 'met' : 'not met'} (${g.measured}).`).join('\n')}`)
}
