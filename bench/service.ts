import type { ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { cp, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { request } from 'undici'
import { startChild, stopChild } from './lib.js'

/** The service as `npm start` runs it (dist/src/server.js), in its own process, for benchmarks. */
export interface RunningService {
  url: string
  child: ChildProcess
  startedMs: number
  stop: () => Promise<void>
}

const here = path.dirname(fileURLToPath(import.meta.url))
export const SERVER_SCRIPT = path.join(here, '..', 'src', 'server.js')
export const BARE_SCRIPT = path.join(here, 'bare-server.js')

/**
 * The service runs with its default budgets (src/plugins/app/rate-limit.ts): predictions and reads are
 * unlimited, so one load generator (one client) is never answered 429; writes keep their limit.
 */

export async function startService (dataDir: string, env: Record<string, string> = {}, execArgv: string[] = []): Promise<RunningService> {
  const t0 = performance.now()
  const { child, firstLine } = await startChild(SERVER_SCRIPT, { DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent', DEFAULT_MODELS: 'false', PRINT_PORT: '1', ...env }, execArgv)
  return { url: `http://127.0.0.1:${firstLine.trim()}`, child, startedMs: performance.now() - t0, stop: async () => await stopChild(child) }
}

export async function startBare (execArgv: string[] = []): Promise<{ url: string, stop: () => Promise<void> }> {
  const { child, firstLine } = await startChild(BARE_SCRIPT, {}, execArgv)
  return { url: `http://127.0.0.1:${firstLine.trim()}`, stop: async () => await stopChild(child) }
}

/** A server that answers /predict, in its own process, for the A/B benchmarks. */
export interface PredictTarget { name: 'service' | 'baseline' | 'bare', url: string, child: ChildProcess }

/**
 * The servers an A/B of /predict compares, on a data directory of their own: the bench model is trained (and its circuit
 * built) there first, so that no background work runs during a measurement; then this build's service, another build's
 * (`baseline`, a dist folder, e.g. main's) when given, and the bare Fastify route, each with `execArgv`. `stop` stops
 * them all and removes their data.
 */
export async function startPredictTargets (options: { baseline?: string, execArgv?: string[] } = {}):
Promise<{ targets: PredictTarget[], stop: () => Promise<void> }> {
  const execArgv = options.execArgv ?? []
  const dataDir = await mkdtemp(path.join(tmpdir(), 'zkpredict-ab-'))
  const stops: Array<() => Promise<void>> = [async () => { await rm(dataDir, { recursive: true, force: true }) }]
  const stop = async (): Promise<void> => { for (const s of stops.reverse()) await s() }
  try {
    const trainer = await startService(dataDir)
    stops.push(trainer.stop)
    await trainBenchModel(trainer.url)
    await stops.pop()?.()
    const targets: PredictTarget[] = []
    const service = await startService(dataDir, {}, execArgv)
    stops.push(service.stop)
    targets.push({ name: 'service', url: `${service.url}/predict`, child: service.child })
    if (options.baseline != null) {
      // A data directory of its own, so that neither service reads or writes the other's files (the registry's
      // startup check, the job store); a shared one was suspected of biasing A/B runs, which A/A runs did not confirm.
      const baselineDir = `${dataDir}-baseline`
      await cp(dataDir, baselineDir, { recursive: true })
      stops.push(async () => { await rm(baselineDir, { recursive: true, force: true }) })
      const { child, firstLine } = await startChild(path.join(path.resolve(options.baseline), 'src', 'server.js'),
        { DATA_DIR: baselineDir, PORT: '0', LOG_LEVEL: 'silent', DEFAULT_MODELS: 'false', PRINT_PORT: '1' }, execArgv)
      stops.push(async () => await stopChild(child))
      targets.push({ name: 'baseline', url: `http://127.0.0.1:${firstLine.trim()}/predict`, child })
    }
    const bare = await startChild(BARE_SCRIPT, {}, execArgv)
    stops.push(async () => await stopChild(bare.child))
    targets.push({ name: 'bare', url: `http://127.0.0.1:${bare.firstLine.trim()}/predict`, child: bare.child })
    return { targets, stop }
  } catch (err) {
    await stop()
    throw err
  }
}

export async function json (method: string, url: string, body?: unknown): Promise<any> {
  const res = await request(url, { method: method as 'GET', headers: body == null ? {} : { 'content-type': 'application/json' }, body: body == null ? undefined : JSON.stringify(body) })
  const text = await res.body.text()
  if (res.statusCode >= 400) throw new Error(`${method} ${url}: ${res.statusCode} ${text}`)
  return JSON.parse(text)
}

const sleep = async (ms: number): Promise<void> => await new Promise((resolve) => setTimeout(resolve, ms))

/**
 * A model as the service trains it (scaler in the graph, 10-32-16-1), trained quickly (1 epoch) on
 * synthetic data; waits until its circuit is built so that no background build competes with a
 * measurement.
 */
export async function trainBenchModel (url: string, name = 'bench'): Promise<void> {
  const job = await json('POST', `${url}/train`, { model: name, recipe: 'tutorial', epochs: 1, data: { synthetic: { days: 200 } } })
  let state = job
  while (state.status !== 'succeeded') {
    if (state.status === 'failed') throw new Error(state.error)
    await sleep(200)
    state = await json('GET', `${url}/train/${job.id as string}`)
  }
  await waitProvable(url, name)
}

export async function waitProvable (url: string, name: string, timeoutMs = 300_000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (Date.now() < until) {
    // 404 until the model's first version is registered
    const meta = await json('GET', `${url}/models/${name}/versions/latest`).catch(() => null)
    if (meta?.provable === true) return
    await sleep(250)
  }
  throw new Error(`model ${name}: no circuit after ${timeoutMs} ms`)
}

/** A realistic row (10 features, the tutorial's order) and bodies of 1 and 100 rows. */
export const ROW = [2.1e7, 9.5e6, 1850.2, 0, 8.1e9, 1.9e7, 8.7e6, 0, 7.7e9, 0.031]
export function rowsOf (n: number): number[][] {
  return Array.from({ length: n }, (_, i) => ROW.map((v) => v * (1 + i / 1000)))
}
export function predictBody (model: string, rows: number, proof = false): string {
  return JSON.stringify({ model, instances: rowsOf(rows), proof })
}

/** Resident set size of a process, from /proc (Linux), in MiB; null elsewhere. */
export function rssMiB (pid: number | undefined): number | null {
  if (pid == null) return null
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = /VmRSS:\s+(\d+)/.exec(status)?.[1]
    return kb == null ? null : Number(kb) / 1024
  } catch {
    return null
  }
}
export function peakRssMiB (pid: number | undefined): number | null {
  if (pid == null) return null
  try {
    const kb = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
    return kb == null ? null : Number(kb) / 1024
  } catch {
    return null
  }
}

/** Samples a process's RSS every 100 ms until stopped; returns the highest seen (MiB). */
export function sampleRss (pid: number | undefined): { stop: () => number } {
  let max = rssMiB(pid) ?? 0
  const timer = setInterval(() => { max = Math.max(max, rssMiB(pid) ?? 0) }, 100)
  return { stop: () => { clearInterval(timer); return Math.max(max, rssMiB(pid) ?? 0) } }
}
