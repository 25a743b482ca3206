import { spawn, type ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import os from 'node:os'
import { once } from 'node:events'
import autocannon from 'autocannon'

/** autocannon's figures: rps is the mean; rpsMedian/rpsMin/rpsMax are over its one-second samples. */
export interface LoadResult { rps: number, rpsMedian: number, rpsMin: number, rpsMax: number, p50: number, p99: number, errors: number, non2xx: number }

/** autocannon against a loopback URL, bounded in time. */
export async function load (url: string, body: string, connections: number, seconds: number, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<LoadResult> {
  const result = await autocannon({ url, method: 'POST', body, headers, connections, duration: seconds, pipelining: 1 })
  const r = result.requests
  return { rps: r.average, rpsMedian: r.p50, rpsMin: r.min, rpsMax: r.max, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.timeouts, non2xx: result.non2xx }
}

/** Starts a node script as a child process and waits for the line it prints (e.g. its port). */
export async function startChild (script: string, env: Record<string, string>, execArgv: string[] = []): Promise<{ child: ChildProcess, firstLine: string }> {
  const child = spawn(process.execPath, [...execArgv, script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
  // A benchmark that fails must not leave its servers running.
  const killOnExit = (): void => { if (child.exitCode == null) child.kill('SIGKILL') }
  process.once('exit', killOnExit)
  child.once('exit', () => process.removeListener('exit', killOnExit))
  let buffer = ''
  const firstLine = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      // The port is a line of digits; with logging on, log lines come before it.
      buffer += chunk.toString()
      const port = /^(\d+)$/m.exec(buffer)
      if (port != null) { resolve(port[1]); buffer = '' } else if (buffer.length > 1e6) buffer = buffer.slice(-1000)
    })
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)))
  })
  return { child, firstLine }
}

export async function stopChild (child: ChildProcess): Promise<void> {
  if (child.exitCode != null) return
  child.kill('SIGTERM')
  await once(child, 'exit')
}

export function machine (): string {
  const cpus = os.cpus()
  return `${cpus.length} x ${cpus[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}, Node ${process.version}`
}

export function median (values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

export function percentile (values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

export function fmt (n: number, digits = 1): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
}

/** One goal of issue 7, as a benchmark section reports it. */
export interface Goal { goal: string, met: boolean | null, measured: string, limit?: string }

/** What each benchmark module hands to bench/run.ts: markdown for BENCHMARKS.md and its goals. */
export interface Section { title: string, markdown: string, goals: Goal[] }

/** "median (min-max)" of a sample. */
export function spread (values: number[], digits = 1): string {
  if (values.length === 0) return '-'
  if (values.length === 1) return fmt(values[0], digits)
  return `${fmt(median(values), digits)} (${fmt(Math.min(...values), digits)}-${fmt(Math.max(...values), digits)})`
}

export function loadavg (): string {
  return os.loadavg().map((x) => x.toFixed(2)).join(' / ')
}

export const sleep = async (ms: number): Promise<void> => await new Promise((resolve) => setTimeout(resolve, ms))

/**
 * CPU seconds a process has used so far (Linux /proc; zeros elsewhere or once it has exited), split into its
 * main thread (tid = pid: the event loop) and all its other threads (worker threads such as a prover, GC, libuv).
 */
export function processCpu (pid: number | undefined): { main: number, others: number } {
  const out = { main: 0, others: 0 }
  if (pid == null) return out
  const tick = 100 // USER_HZ on Linux
  let tasks: string[]
  try { tasks = readdirSync(`/proc/${pid}/task`) } catch { return out }
  for (const tid of tasks) {
    try {
      // Fields after the ')' that ends the thread's name: utime and stime are the 12th and 13th.
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      const seconds = (Number(fields[11]) + Number(fields[12])) / tick
      if (tid === String(pid)) out.main += seconds
      else out.others += seconds
    } catch {} // a thread that ended meanwhile
  }
  return out
}
