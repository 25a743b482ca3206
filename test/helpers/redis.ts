import './child-env.js'
import tap, { type Test } from 'tap'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Redis } from 'ioredis'

/**
 * Tests that need Redis get a real one: TEST_REDIS_URL (set by .ci/run, scripts/ci/start-redis.sh),
 * or a `redis-server` they start themselves (REDIS_SERVER or PATH) when they must restart it. Without
 * one a test FAILS in CI (CI=true) and skips with this reason on a developer's machine.
 */
export function redisServerBinary (): string | null {
  const binary = process.env.REDIS_SERVER ?? 'redis-server'
  return spawnSync(binary, ['--version'], { encoding: 'utf8' }).status === 0 ? binary : null
}

export const MISSING_REDIS = 'needs Redis: set TEST_REDIS_URL (scripts/ci/start-redis.sh starts one) or install redis-server (apt-get install redis-server)'

/** What a test does without Redis: fail in CI, skip elsewhere. */
export function withoutRedis (t: Test): void {
  if (process.env.CI === 'true') t.fail(`${MISSING_REDIS} (CI=true: a missing Redis fails the suite)`)
  else t.comment(`skipped: ${MISSING_REDIS}`)
}

export async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address != null ? address.port : 0))
    })
  })
}

/** A redis-server of the test's own (AOF on, noeviction), restartable on the same port and directory. */
export class OwnRedis {
  private child: ChildProcess | undefined
  private constructor (readonly binary: string, readonly port: number, readonly dir: string) {}

  static async start (binary: string): Promise<OwnRedis> {
    const redis = new OwnRedis(binary, await freePort(), await mkdtemp(path.join(tmpdir(), 'zk-redis-')))
    await redis.startProcess()
    return redis
  }

  get url (): string { return `redis://127.0.0.1:${this.port}` }

  private async startProcess (): Promise<void> {
    this.child = spawn(this.binary, [
      '--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--appendonly', 'yes',
      '--maxmemory-policy', 'noeviction', '--save', '', '--daemonize', 'no',
    ], { stdio: 'ignore' })
    const deadline = Date.now() + 20_000
    for (;;) {
      const client = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
      client.on('error', () => undefined) // refused until redis-server listens
      const ok = await client.connect().then(async () => await client.ping(), () => null)
      client.disconnect()
      if (ok === 'PONG') return
      if (Date.now() > deadline) throw new Error(`redis-server did not answer on port ${this.port}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  /** SIGTERM (Redis flushes its AOF and exits), then the same port and directory again: the AOF is replayed. */
  async restart (): Promise<void> {
    await this.stopProcess()
    await this.startProcess()
  }

  private async stopProcess (): Promise<void> {
    const child = this.child
    if (child == null || child.exitCode != null || child.signalCode != null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
  }

  async stop (): Promise<void> {
    await this.stopProcess()
    await rm(this.dir, { recursive: true, force: true })
  }
}

/**
 * A Redis URL for a test that does not restart Redis: TEST_REDIS_URL, else a redis-server of its own
 * (stopped at teardown); null (the test failed in CI, or is skipped elsewhere) when there is none.
 */
export async function redisForTest (t: Test): Promise<string | null> {
  const url = process.env.TEST_REDIS_URL
  if (url != null && url !== '') return url
  const binary = redisServerBinary()
  if (binary == null) {
    withoutRedis(t)
    return null
  }
  // Stopped after the whole file, not with this test: the apps a test builds close in its teardowns, and a
  // client closing against a stopped Redis would wait for it for ever.
  const own = await OwnRedis.start(binary)
  tap.teardown(async () => { await own.stop() })
  return own.url
}

/** Removes every key of a test's prefix (its queues and records) from a shared Redis. */
export async function dropPrefix (url: string, prefix: string): Promise<void> {
  const redis = new Redis(url)
  const keys = await redis.keys(`${prefix}:*`)
  if (keys.length > 0) await redis.del(...keys)
  redis.disconnect()
}
