/**
 * Scale-out benchmark: node dist/bench/scale-out.js [--proofs 80]
 * Proofs/s with one and with two worker processes (BullMQ on a real Redis; the API idle): proofs are
 * queued while the queue is paused, the workers started, then the queue resumed and timed to the last
 * result; 1 and 2 workers alternate for --rounds rounds (default 2), and each run says where its time went. Start-up and RSS with a million stored records: bench/records.ts.
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
import { fmt, loadavg, median, processCpu, sleep, type Section } from './lib.js'
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

/** One timed run: rate, where the workers' time went (from the records), and CPU seconds per proof by process. */
interface Run {
  workers: number
  rate: number
  seconds: number
  /** Median per proof, ms: time in the prover thread, and the rest of the worker's time on it (records, queue). */
  proveMs: number
  overheadMs: number
  /** Time from one proof's end to the next one's start in the same worker, median ms (the queue hand-off). */
  handoffMs: number
  /** Share of the run's wall time the workers held a proof (1 = always busy). */
  busy: number
  /** CPU seconds per proof: workers' prover (and other) threads, workers' event loops, the API, Redis, this bench. */
  cpu: { workerThreads: number, workerMain: number, api: number, redis: number, bench: number }
}

interface TimedRecord { started?: string, finished?: string, prove_ms?: number }

/**
 * The stage figures of a run from its records (started/finished are set by the worker, prove_ms by the prover
 * thread). A record does not say which worker made it: the hand-off is estimated by pairing each finish with the
 * next start after it (with w workers the k-th next start is the same worker's in a steady queue).
 */
function stages (records: TimedRecord[], workers: number, seconds: number): Pick<Run, 'proveMs' | 'overheadMs' | 'handoffMs' | 'busy'> {
  const done = records.filter((r) => r.started != null && r.finished != null && r.prove_ms != null)
  const spans = done.map((r) => ({ start: Date.parse(r.started as string), end: Date.parse(r.finished as string), prove: r.prove_ms as number }))
  const starts = spans.map((x) => x.start).sort((a, b) => a - b)
  const handoffs: number[] = []
  for (const x of spans) {
    const next = starts.find((t) => t >= x.end)
    if (next != null) handoffs.push(next - x.end)
  }
  const held = spans.reduce((sum, x) => sum + (x.end - x.start), 0)
  return {
    proveMs: median(spans.map((x) => x.prove)),
    overheadMs: median(spans.map((x) => x.end - x.start - x.prove)),
    handoffMs: handoffs.length > 0 ? median(handoffs) : 0,
    busy: held / (workers * seconds * 1000),
  }
}

export async function benchScaleOut (options: { proofs: number, rounds?: number, dataDir?: string, step?: (s: string) => void }): Promise<Section> {
  const step = options.step ?? ((s: string) => console.error(s))
  const rounds = options.rounds ?? 2
  const redis = await startRedis({ aof: true })
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'zk-bench-scale-'))
  const prefix = 'bench'
  const shared = { REDIS_URL: redis.url, REDIS_PREFIX: prefix, DATA_DIR: dataDir, PROOF_WORKERS: '1', LOG_LEVEL: 'silent' }
  const children: ChildProcess[] = []
  const connection = new Redis(redis.url, { maxRetriesPerRequest: null })
  const queue = new Queue('proofs', { connection, prefix })
  let api: Awaited<ReturnType<typeof startService>> | undefined
  try {
    // A model and its circuit, made through the queues (one worker), then the API stays idle.
    api = await startService(dataDir, { ...shared, ROLE: 'api', RATE_LIMIT_WRITE_MAX: '0' })
    const trained = await json('GET', `${api.url}/models/bench/versions/latest`).then((m) => m?.provable === true, () => false)
    if (!trained) {
      step('scale-out: training the bench model through a worker')
      const builder = await startWorker(shared)
      children.push(builder)
      await trainBenchModel(api.url, 'bench')
      await stop(builder)
    }
    const runs: Run[] = []
    // Interleaved (1, 2, 1, 2, ...): a change in the machine's load hits both counts alike.
    for (let round = 0; round < rounds; round++) {
      for (const workers of [1, 2]) {
        step(`scale-out: round ${round + 1}/${rounds}, ${options.proofs} proofs with ${workers} worker process(es)`)
        await queue.pause()
        const ids: string[] = []
        while (ids.length < options.proofs) {
          const res = await json('POST', `${api.url}/predict`, JSON.parse(predictBody('bench', Math.min(20, options.proofs - ids.length), true)))
          for (const p of res.predictions) ids.push(p.proof.id)
        }
        const running: ChildProcess[] = []
        for (let i = 0; i < workers; i++) running.push(await startWorker({ ...shared, WORKER_QUEUES: 'proofs' }))
        children.push(...running)
        const cpuOf = (): Run['cpu'] => {
          const w = running.map((c) => processCpu(c.pid))
          const bench = process.cpuUsage()
          return {
            workerThreads: w.reduce((sum, x) => sum + x.others, 0),
            workerMain: w.reduce((sum, x) => sum + x.main, 0),
            api: processCpu(api?.child.pid).main + processCpu(api?.child.pid).others,
            redis: processCpu(redis.pid).main + processCpu(redis.pid).others,
            bench: (bench.user + bench.system) / 1e6,
          }
        }
        // Finished jobs of the earlier runs stay in the queue's completed and failed sets: this run waits for its own.
        const finished = async (): Promise<number> => {
          const counts = await queue.getJobCounts('completed', 'failed')
          return (counts.completed ?? 0) + (counts.failed ?? 0)
        }
        const before = await finished()
        const cpu0 = cpuOf()
        // Timed from resume to the last result, with one count per 100 ms rather than one HGET per proof: with two
        // workers both cores prove, and this process's own CPU comes out of theirs.
        const t0 = performance.now()
        await queue.resume()
        while (await finished() < before + options.proofs) await sleep(100)
        const seconds = (performance.now() - t0) / 1000
        const cpu1 = cpuOf()
        const statuses = await Promise.all(ids.map(async (id) => await connection.hget(`${prefix}:proof:${id}`, 'status')))
        const failed = statuses.filter((s) => s === 'failed').length
        if (failed > 0) throw new Error(`${failed} of ${options.proofs} proofs failed with ${workers} worker(s): no throughput to report`)
        const records = await Promise.all(ids.map(async (id) => JSON.parse(await connection.hget(`${prefix}:proof:${id}`, 'record') ?? '{}') as TimedRecord))
        const perProof = (key: keyof Run['cpu']): number => (cpu1[key] - cpu0[key]) / options.proofs
        runs.push({
          workers,
          rate: options.proofs / seconds,
          seconds,
          ...stages(records, workers, seconds),
          cpu: { workerThreads: perProof('workerThreads'), workerMain: perProof('workerMain'), api: perProof('api'), redis: perProof('redis'), bench: perProof('bench') },
        })
        step(`scale-out: ${fmt(options.proofs / seconds, 2)} proofs/s; load ${loadavg()}`)
        for (const child of running) await stop(child)
      }
    }
    const loadAfterProofs = loadavg()
    const ratios = Array.from({ length: rounds }, (_, r) => runs[2 * r + 1].rate / runs[2 * r].rate)
    const one = median(runs.filter((r) => r.workers === 1).map((r) => r.rate))
    const two = median(runs.filter((r) => r.workers === 2).map((r) => r.rate))
    const ms = (x: number): string => fmt(x, 0)
    const markdown = [
      `Command: \`node dist/bench/scale-out.js --proofs ${options.proofs} --rounds ${rounds}\` (also part of \`npm run bench\`); ${os.cpus().length} cores, Node ${process.version}, Redis ${redisVersion()} (AOF on); load average after the proof runs ${loadAfterProofs} (1/5/15 min; the machine is shared).`,
      '',
      'Runs in the order made (1 and 2 workers interleaved). Per proof: the prover thread\'s time (prove_ms), the rest of the worker\'s time on it (records, queue calls), the hand-off to the next job, and CPU seconds by process.',
      '',
      '| worker processes (1 prover thread each), API idle | proofs | s | proofs/s | prove ms (median) | other ms in the job | hand-off ms | workers busy | CPU s/proof: worker threads / worker event loops / API / Redis / bench |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---|',
      ...runs.map((r) => `| ${r.workers} | ${options.proofs} | ${fmt(r.seconds, 1)} | ${fmt(r.rate, 2)} | ${ms(r.proveMs)} | ${ms(r.overheadMs)} | ${ms(r.handoffMs)} | ${fmt(100 * r.busy, 0)}% | ` +
        `${fmt(r.cpu.workerThreads, 3)} / ${fmt(r.cpu.workerMain, 3)} / ${fmt(r.cpu.api, 3)} / ${fmt(r.cpu.redis, 3)} / ${fmt(r.cpu.bench, 3)} |`),
      '',
      `Two workers against one, round by round: ${ratios.map((x) => `${fmt(x, 2)}x`).join(', ')}; medians ${fmt(one, 2)} -> ${fmt(two, 2)} proofs/s (${fmt(two / one, 2)}x).`,
      '',
      `Per core: one worker process with one prover thread keeps one core busy: ${fmt(one, 2)} proofs/s per core in this run.`,
    ].join('\n')
    return {
      title: 'Scale-out: proofs/s with one and two worker processes',
      markdown,
      goals: [
        { goal: 'two worker processes give at least 1.7x the proof throughput of one', met: two / one >= 1.7, measured: `${fmt(two / one, 2)}x (medians ${fmt(one, 2)} -> ${fmt(two, 2)} proofs/s; rounds ${ratios.map((x) => fmt(x, 2)).join(', ')})` },
      ],
    }
  } finally {
    for (const child of children) await stop(child)
    await api?.stop()
    await queue.close()
    connection.disconnect()
    await redis.stop()
    if (options.dataDir == null) rmSync(dataDir, { recursive: true, force: true })
  }
}

if (process.argv[1]?.endsWith('scale-out.js') === true) {
  // --data-dir: a DATA_DIR kept between runs (the bench model is trained into it once), for iterating.
  const { values } = parseArgs({ options: { proofs: { type: 'string', default: '80' }, rounds: { type: 'string', default: '2' }, 'data-dir': { type: 'string' } } })
  const t0 = performance.now()
  const section = await benchScaleOut({ proofs: Number(values.proofs), rounds: Number(values.rounds), dataDir: values['data-dir'] })
  console.log(`## ${section.title}\n\n${section.markdown}\n\n${section.goals.map((g) => `Goal: ${g.goal}: ${g.met === true ? 'met' : 'not met'} (${g.measured}).`).join('\n')}`)
  console.error(`scale-out benchmark: ${fmt((performance.now() - t0) / 1000, 0)} s in all`)
}
