import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { once } from 'node:events'
import { createServer } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { Redis } from 'ioredis'
import { sleep } from './lib.js'

export async function freePort (): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  return typeof address === 'object' && address != null ? address.port : 0
}

export function redisVersion (): string {
  return spawnSync(process.env.REDIS_SERVER ?? 'redis-server', ['--version'], { encoding: 'utf8' }).stdout.split(' ')[2]?.replace('v=', '') ?? '?'
}

export interface BenchRedis { url: string, port: number, pid: number | undefined, stop: () => Promise<void> }

/**
 * A redis-server of the benchmark's own (REDIS_SERVER or PATH) on a free loopback port, noeviction,
 * in a temporary directory removed by stop(). `aof`: as production runs it (the proof runs); off where
 * only the API's start-up is measured (a million records would write ~1.5 GB of AOF for nothing).
 */
export async function startRedis (options: { aof: boolean }): Promise<BenchRedis> {
  const binary = process.env.REDIS_SERVER ?? 'redis-server'
  if (spawnSync(binary, ['--version']).status !== 0) throw new Error('this benchmark needs redis-server (apt-get install redis-server)')
  const port = await freePort()
  const dir = mkdtempSync(path.join(os.tmpdir(), 'zk-bench-redis-'))
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', options.aof ? 'yes' : 'no',
    '--appendfsync', 'everysec', '--maxmemory-policy', 'noeviction', '--save', ''], { stdio: 'ignore' })
  const killOnExit = (): void => { if (child.exitCode == null) child.kill('SIGKILL') }
  process.once('exit', killOnExit)
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
  return {
    url,
    port,
    pid: child.pid,
    stop: async () => {
      if (child.exitCode == null) { child.kill('SIGTERM'); await once(child, 'exit') }
      process.removeListener('exit', killOnExit)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
