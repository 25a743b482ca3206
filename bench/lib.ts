import { spawn, type ChildProcess } from 'node:child_process'
import os from 'node:os'
import { once } from 'node:events'
import autocannon from 'autocannon'

export interface LoadResult { rps: number, p50: number, p99: number, errors: number, non2xx: number }

/** autocannon against a loopback URL, bounded in time. */
export async function load (url: string, body: string, connections: number, seconds: number, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<LoadResult> {
  const result = await autocannon({ url, method: 'POST', body, headers, connections, duration: seconds, pipelining: 1 })
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors, non2xx: result.non2xx }
}

/** Starts a node script as a child process and waits for the line it prints (e.g. its port). */
export async function startChild (script: string, env: Record<string, string>): Promise<{ child: ChildProcess, firstLine: string }> {
  const child = spawn(process.execPath, [script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
  let buffer = ''
  const firstLine = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString()
      const newline = buffer.indexOf('\n')
      if (newline >= 0) resolve(buffer.slice(0, newline))
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
