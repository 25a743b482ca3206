/**
 * Bounded state: node dist/bench/records.js [--records 1000000] [--runs 3]
 * Start-up to ready and RSS of the API with 0 and with --records stored proof records, in both modes:
 * embedded (files under DATA_DIR/proofs) and REDIS_URL (one hash per record in Redis). The records are
 * written straight in each store's format, in bulk: files by a few worker threads (bench/records-writer.ts),
 * Redis by `redis-cli --pipe` (Redis' documented mass insertion). Everything is removed at the end.
 * Needs redis-server and redis-cli (REDIS_SERVER or PATH); starts its own Redis on a free port.
 */
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { Worker } from 'node:worker_threads'
import { Redis } from 'ioredis'
import { request } from 'undici'
import { fmt, loadavg, median, sleep, spread, type Section } from './lib.js'
import { startService } from './service.js'
import { redisVersion, startRedis } from './redis.js'
import { newTimeId, timeOfId } from '../src/jobs/queues/ids.js'

const DAY = 86_400_000
/** The records span 29 days: all within the default PROOF_RETENTION (30 days), none swept while measuring. */
const SPAN_MS = 29 * DAY

function rssMiB (pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024
}

const field = (): string => BigInt('0x' + randomBytes(31).toString('hex')).toString() // a BN254 field element's size (~76 digits)

/**
 * A succeeded Groth16 record as the service stores it (src/jobs/proof-record.ts: the same fields, field
 * elements of full size; ~1.4 KiB), split around its id and creation time so that a million are made by
 * concatenation. Start-up and RSS do not depend on the bytes inside; the disk and Redis memory figures do.
 */
export function recordTemplate (): [string, string, string] {
  const started = new Date().toISOString()
  const record = {
    id: '@@ID@@',
    status: 'succeeded',
    created: '@@CREATED@@',
    model: 'bench',
    version: 1,
    proof_system: 'groth16',
    inputs: [2.1e7, 9.5e6, 1850.2, 0, 8.1e9, 1.9e7, 8.7e6, 0, 7.7e9, 0.031],
    served: { probability: 0.1234567, label: 0 },
    started,
    finished: started,
    public_signals: Array.from({ length: 12 }, field),
    proof: {
      pi_a: [field(), field(), '1'],
      pi_b: [[field(), field()], [field(), field()], ['1', '0']],
      pi_c: [field(), field(), '1'],
      protocol: 'groth16',
      curve: 'bn128',
    },
    output: { logit: -1.9573, probability: 0.1234567, label: 0 },
    prove_ms: 161.2,
    completions: 1,
  }
  const text = JSON.stringify(record)
  const [head, rest] = text.split('@@ID@@')
  const [middle, tail] = rest.split('@@CREATED@@')
  return [head, middle, tail]
}

/** `count` records as files, spread over SPAN_MS back from now, by `threads` worker threads; returns the oldest id. */
async function fillFiles (dir: string, count: number, template: [string, string, string], threads = 4): Promise<string> {
  const now = Date.now()
  const stepMs = SPAN_MS / count
  const per = Math.ceil(count / threads)
  // Each thread answers with the id of its oldest record; the last thread holds the oldest of all.
  const oldest = await Promise.all(Array.from({ length: threads }, async (_, k) => {
    const worker = new Worker(new URL('./records-writer.js', import.meta.url), {
      workerData: { dir, template, now, stepMs, from: k * per, to: Math.min(count, (k + 1) * per) },
    })
    let last = ''
    worker.on('message', (id: string) => { last = id })
    return await new Promise<string>((resolve, reject) => {
      worker.once('error', reject)
      worker.once('exit', (code) => { if (code === 0) resolve(last); else reject(new Error(`records writer exited with ${code}`)) })
    })
  }))
  // Written back to disk before the start-ups are timed: a flush of gigabytes would compete with them.
  spawnSync('sync')
  return oldest.filter((id) => id !== '').at(-1) ?? ''
}

/** RESP, the protocol redis-cli --pipe reads: one command as an array of bulk strings. */
function resp (args: string[]): string {
  let out = `*${args.length}\r\n`
  for (const arg of args) out += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`
  return out
}

/**
 * `count` records in the Redis store's format (src/jobs/queues/redis-proof-store.ts: a hash of status,
 * record and completions, expiring at creation + retention), streamed to `redis-cli --pipe`; returns the oldest id.
 */
async function fillRedis (port: number, prefix: string, count: number, template: [string, string, string], retentionMs: number): Promise<string> {
  const cli = spawn(process.env.REDIS_CLI ?? 'redis-cli', ['-p', String(port), '--pipe'], { stdio: ['pipe', 'pipe', 'inherit'] })
  let report = ''
  cli.stdout.on('data', (chunk: Buffer) => { report += chunk.toString() })
  const done = new Promise<number>((resolve, reject) => { cli.once('exit', (code) => resolve(code ?? 1)); cli.once('error', reject) })
  const now = Date.now()
  const stepMs = SPAN_MS / count
  let oldest = ''
  let batch = ''
  for (let i = 0; i < count; i++) {
    const time = Math.floor(now - i * stepMs)
    const id = newTimeId(time)
    oldest = id
    const key = `${prefix}:proof:${id}`
    batch += resp(['HSET', key, 'status', 'succeeded', 'record', template[0] + id + template[1] + new Date(time).toISOString() + template[2], 'completions', '1'])
    batch += resp(['PEXPIREAT', key, String(time + retentionMs)])
    if (i % 2000 === 1999 || i === count - 1) {
      if (!cli.stdin.write(batch)) await new Promise((resolve) => cli.stdin.once('drain', resolve))
      batch = ''
    }
  }
  cli.stdin.end()
  const code = await done
  const errors = /errors: (\d+)/.exec(report)?.[1]
  if (code !== 0 || errors !== '0') throw new Error(`redis-cli --pipe failed (exit ${code}): ${report.trim()}`)
  return oldest
}

interface Startup { ms: number, rss: number, probe: number | null }

/** Spawn to the first 200 of /health/ready (DEFAULT_MODELS off: ready once it listens and has read its state), then RSS. */
async function startupAndRss (dataDir: string, env: Record<string, string>, probeId: string | null): Promise<Startup> {
  const t0 = performance.now()
  const service = await startService(dataDir, env)
  try {
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
    return { ms, rss: rssMiB(service.child.pid as number), probe }
  } finally {
    await service.stop()
  }
}

export async function benchRecords (options: { records: number, runs?: number, step?: (s: string) => void }): Promise<Section> {
  const step = options.step ?? ((s: string) => console.error(s))
  const runs = options.runs ?? 3
  const n = options.records
  const template = recordTemplate()
  const results: Record<string, Startup[]> = {}
  const measure = async (key: string, dir: string, env: Record<string, string>, probe: string | null): Promise<void> => {
    results[key] = []
    for (let i = 0; i < runs; i++) results[key].push(await startupAndRss(dir, env, probe))
  }
  const embeddedDir = mkdtempSync(path.join(os.tmpdir(), 'zk-bench-records-'))
  const redisDataDir = mkdtempSync(path.join(os.tmpdir(), 'zk-bench-records-api-'))
  const redis = await startRedis({ aof: false })
  let fillFilesS = 0
  let fillRedisS = 0
  let du = '?'
  let usedMemory = 0
  try {
    step(`records: start-up with an empty embedded store (${runs} runs)`)
    await measure('embedded, 0', embeddedDir, {}, null)
    step(`records: writing ${n} proof records as files`)
    let t0 = performance.now()
    const oldestFile = await fillFiles(path.join(embeddedDir, 'proofs'), n, template)
    fillFilesS = (performance.now() - t0) / 1000
    du = spawnSync('du', ['-sh', path.join(embeddedDir, 'proofs')], { encoding: 'utf8' }).stdout.split('\t')[0]
    step(`records: start-up with ${n} files (${runs} runs)`)
    await measure(`embedded, ${n}`, embeddedDir, {}, oldestFile)

    const redisEnv = { REDIS_URL: redis.url, REDIS_PREFIX: 'records', ROLE: 'api' }
    step(`records: start-up with an empty Redis store (${runs} runs)`)
    await measure('Redis, 0', redisDataDir, redisEnv, null)
    step(`records: writing ${n} proof records to Redis`)
    t0 = performance.now()
    const oldestKey = await fillRedis(redis.port, 'records', n, template, 30 * DAY)
    fillRedisS = (performance.now() - t0) / 1000
    const info = new Redis(redis.url)
    usedMemory = Number(/used_memory:(\d+)/.exec(await info.info('memory'))?.[1] ?? 0) / 2 ** 20
    const keys = await info.dbsize()
    info.disconnect()
    if (keys < n) throw new Error(`Redis holds ${keys} keys, expected ${n}`)
    step(`records: start-up with ${n} records in Redis (${runs} runs)`)
    await measure(`Redis, ${n}`, redisDataDir, redisEnv, oldestKey)
    if (timeOfId(oldestKey) == null) throw new Error('not a UUIDv7 id')
  } finally {
    step('records: removing the records')
    // rm -rf of a million files: faster than Node's recursive rm, and the bench must leave nothing behind.
    spawnSync('rm', ['-rf', embeddedDir, redisDataDir])
    await redis.stop()
  }

  const ms = (key: string): number => median(results[key].map((x) => x.ms))
  const rss = (key: string): number => median(results[key].map((x) => x.rss))
  const row = (mode: string, count: number | string): string => {
    const key = `${mode}, ${count}`
    const base = `${mode}, 0`
    const s = results[key]
    return `| ${mode} | ${typeof count === 'number' ? count.toLocaleString('en-US') : count} | ${spread(s.map((x) => x.ms), 0)} | ${fmt(ms(key) / ms(base), 2)} | ${spread(s.map((x) => x.rss), 1)} | ${fmt(rss(key) / rss(base), 3)} | ${s[0].probe ?? '-'} |`
  }
  const markdown = [
    `Command: \`node dist/bench/records.js --records ${n} --runs ${runs}\` (also part of \`npm run bench\`); ${os.cpus().length} cores, Node ${process.version}, Redis ${redisVersion()}; load average at the end ${loadavg()} (1/5/15 min; the machine is shared).`,
    '',
    `Start-up (spawn of \`node dist/src/server.js\` to the first 200 of /health/ready) and RSS of the API process ${fmt(0.5, 1)} s later, median of ${runs} (min-max); ratios against the empty store of the same mode. Embedded: the default ROLE, records under DATA_DIR/proofs. Redis: ROLE=api with REDIS_URL. The ${n.toLocaleString('en-US')} succeeded Groth16 records (~${fmt(template.join('').length / 1024, 1)} KiB each, spread over 29 days) were written in ${fmt(fillFilesS, 0)} s as files (${du} on disk, 4 writer threads) and in ${fmt(fillRedisS, 0)} s to Redis (\`redis-cli --pipe\`; used_memory ${fmt(usedMemory, 0)} MiB). "GET" is the status of GET /proofs/{the oldest id} on the full store (200: found from its id alone).`,
    '',
    '| store | records | start-up ms | vs empty | RSS MiB | vs empty | GET |',
    '|---|---:|---|---:|---|---:|---|',
    row('embedded', 0),
    row('embedded', n),
    row('Redis', 0),
    row('Redis', n),
    '',
    'Why it stays flat: neither store keeps a map of records. Embedded start-up reads only `proofs/pending/` (unfinished proofs) and lists the ~30 day directories for the retention sweep, which then removes expired hours one file at a time in the background; a GET opens one path computed from the UUIDv7 id. With Redis nothing is read at start; a GET is one HGET.',
  ].join('\n')
  const slowest = Math.max(ms(`embedded, ${n}`), ms(`Redis, ${n}`))
  const probes = [results[`embedded, ${n}`][0].probe, results[`Redis, ${n}`][0].probe]
  const ratios = [rss(`embedded, ${n}`) / rss('embedded, 0'), rss(`Redis, ${n}`) / rss('Redis, 0')]
  return {
    title: 'Bounded state: start-up and RSS with a million stored proofs',
    markdown,
    goals: [
      { goal: `with ${n.toLocaleString('en-US')} stored proof records, start-up to ready at most 5 s, in both modes`, met: slowest <= 5000, measured: `embedded ${fmt(ms(`embedded, ${n}`), 0)} ms, Redis ${fmt(ms(`Redis, ${n}`), 0)} ms (medians)` },
      { goal: `with ${n.toLocaleString('en-US')} stored proof records, RSS within 10% of an empty store, in both modes`, met: ratios.every((r) => r <= 1.1), measured: `embedded ${fmt(ratios[0], 3)}x, Redis ${fmt(ratios[1], 3)}x` },
      { goal: 'with the full store, GET /proofs/{the oldest id} answers 200 in both modes (found from its id, nothing indexed)', met: probes.every((p) => p === 200), measured: `embedded ${probes[0] ?? '-'}, Redis ${probes[1] ?? '-'}` },
    ],
  }
}

if (process.argv[1]?.endsWith('records.js') === true) {
  const { values } = parseArgs({ options: { records: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '3' } } })
  const t0 = performance.now()
  const section = await benchRecords({ records: Number(values.records), runs: Number(values.runs) })
  console.log(`## ${section.title}\n\n${section.markdown}\n\n${section.goals.map((g) => `Goal: ${g.goal}: ${g.met === true ? 'met' : 'not met'} (${g.measured}).`).join('\n')}`)
  console.error(`records benchmark: ${fmt((performance.now() - t0) / 1000, 0)} s in all`)
}
