/**
 * Scale-out benchmark: node dist/bench/scale-out.js [--proofs 40]
 * Proofs/s with one and with two worker processes (BullMQ on a real Redis; the API idle): proofs are
 * queued while the queue is paused, the workers started, then the queue resumed and timed to the last
 * result. Start-up and RSS with a million stored records: bench/records.ts.
 * Needs redis-server (REDIS_SERVER or PATH); starts its own on a free port and removes it after.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { once } from 'node:events'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import { fmt, loadavg, sleep, type Section } from './lib.js'
import { json, predictBody, startService, trainBenchModel } from './service.js'
import { redisVersion, startRedis } from './redis.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const WORKER_SCRIPT = path.join(here, '..', 'src', 'worker.js')

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

export async function benchScaleOut (options: { proofs: number, step?: (s: string) => void }): Promise<Section> {
  const step = options.step ?? ((s: string) => console.error(s))
  const redis = await startRedis({ aof: true })
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'zk-bench-scale-'))
  const prefix = 'bench'
  const shared = { REDIS_URL: redis.url, REDIS_PREFIX: prefix, DATA_DIR: dataDir, PROOF_WORKERS: '1', LOG_LEVEL: 'silent' }
  const children: ChildProcess[] = []
  const connection = new Redis(redis.url, { maxRetriesPerRequest: null })
  const queue = new Queue('proofs', { connection, prefix })
  let api: Awaited<ReturnType<typeof startService>> | undefined
  try {
    // A model and its circuit, made through the queues (one worker), then the API stays idle.
    step('scale-out: training the bench model through a worker')
    api = await startService(dataDir, { ...shared, ROLE: 'api', RATE_LIMIT_WRITE_MAX: '0' })
    const builder = await startWorker(shared)
    children.push(builder)
    await trainBenchModel(api.url, 'bench')
    await stop(builder)
    const rates: Record<number, number> = {}
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
      let statuses: Array<string | null> = []
      for (;;) {
        statuses = await Promise.all(ids.map(async (id) => await connection.hget(`${prefix}:proof:${id}`, 'status')))
        if (statuses.every((s) => s === 'succeeded' || s === 'failed')) break
        await sleep(100)
      }
      const seconds = (performance.now() - t0) / 1000
      const failed = statuses.filter((s) => s === 'failed').length
      if (failed > 0) throw new Error(`${failed} of ${options.proofs} proofs failed with ${workers} worker(s): no throughput to report`)
      rates[workers] = options.proofs / seconds
      for (const child of running) await stop(child)
    }
    const loadAfterProofs = loadavg()
    const one = rates[1]
    const two = rates[2]
    const markdown = [
      `Command: \`node dist/bench/scale-out.js --proofs ${options.proofs}\` (also part of \`npm run bench\`); ${os.cpus().length} cores, Node ${process.version}, Redis ${redisVersion()} (AOF on); load average after the proof runs ${loadAfterProofs} (1/5/15 min; the machine is shared).`,
      '',
      '| worker processes (1 prover thread each), API idle | proofs | proofs/s | vs one worker |',
      '|---|---|---|---|',
      `| 1 | ${options.proofs} | ${fmt(one, 2)} | 1.00 |`,
      `| 2 | ${options.proofs} | ${fmt(two, 2)} | ${fmt(two / one, 2)} |`,
      '',
      `Per core: one worker process with one prover thread keeps one core busy: ${fmt(one, 2)} proofs/s per core in this run.`,
    ].join('\n')
    return {
      title: 'Scale-out: proofs/s with one and two worker processes',
      markdown,
      goals: [
        { goal: 'two worker processes give at least 1.7x the proof throughput of one', met: two / one >= 1.7, measured: `${fmt(two / one, 2)}x (${fmt(one, 2)} -> ${fmt(two, 2)} proofs/s)` },
      ],
    }
  } finally {
    for (const child of children) await stop(child)
    await api?.stop()
    await queue.close()
    connection.disconnect()
    await redis.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

if (process.argv[1]?.endsWith('scale-out.js') === true) {
  const { values } = parseArgs({ options: { proofs: { type: 'string', default: '40' } } })
  const t0 = performance.now()
  const section = await benchScaleOut({ proofs: Number(values.proofs) })
  console.log(`## ${section.title}\n\n${section.markdown}\n\n${section.goals.map((g) => `Goal: ${g.goal}: ${g.met === true ? 'met' : 'not met'} (${g.measured}).`).join('\n')}`)
  console.error(`scale-out benchmark: ${fmt((performance.now() - t0) / 1000, 0)} s in all`)
}
