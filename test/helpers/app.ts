import './child-env.js'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { request } from 'undici'
import { buildApp, type App } from '../../src/app.js'
import { loadConfig, type Config } from '../../src/config.js'
import { TEST_CIRCUIT_CACHE } from './circuit-cache.js'

export interface TestServer {
  app: App
  url: string
  dataDir: string
  /** JSON request to the listening server over real HTTP (undici). */
  call: (method: string, urlPath: string, body?: unknown, headers?: Record<string, string>) => Promise<{ status: number, body: any, headers: Record<string, unknown> }>
  close: () => Promise<void>
}

/**
 * Starts the real app on a random loopback port over a fresh DATA_DIR (or a given one, to test
 * restarts). The embedded default training is off unless a test turns it on.
 */
export async function startServer (overrides: Partial<Config> = {}, options: { dataDir?: string, keepDataDir?: boolean } = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? await mkdtemp(path.join(tmpdir(), 'zkpredict-test-'))
  // The event-loop delay check is off unless a test is about overload: on a loaded test machine it would answer 503 to anything.
  const config = loadConfig({}, { LOG_LEVEL: 'silent', PORT: 0, HOST: '127.0.0.1', DEFAULT_MODELS: false, OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: 0, CIRCUIT_BUILD_CACHE_DIR: TEST_CIRCUIT_CACHE, ...overrides, DATA_DIR: dataDir })
  const app = await buildApp({ config })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  const port = typeof address === 'object' && address != null ? address.port : 0
  const url = `http://127.0.0.1:${port}`
  const call: TestServer['call'] = async (method, urlPath, body, headers = {}) => {
    const isBinary = body instanceof Uint8Array
    const response = await request(url + urlPath, {
      method: method as 'GET',
      headers: body === undefined ? headers : { 'content-type': isBinary ? 'application/octet-stream' : 'application/json', ...headers },
      body: body === undefined ? undefined : isBinary ? body : typeof body === 'string' ? body : JSON.stringify(body),
    })
    const text = await response.body.text()
    let parsed: unknown = text
    try { parsed = JSON.parse(text) } catch {}
    return { status: response.statusCode, body: parsed, headers: response.headers as Record<string, unknown> }
  }
  return {
    app,
    url,
    dataDir,
    call,
    close: async () => {
      await app.close()
      if (options.keepDataDir !== true && options.dataDir == null) await rm(dataDir, { recursive: true, force: true })
    },
  }
}

/** Polls until `check` returns a value (not undefined) or the time runs out. */
export async function waitFor<T> (check: () => Promise<T | undefined>, timeoutMs = 120_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
}

/** Polls a training job or a proof (`/train/{id}`, `/proofs/{id}`) until it has succeeded or failed; returns its body. */
export async function settled (server: TestServer, href: string, everyMs = 200): Promise<any> {
  return await waitFor(async () => {
    const res = await server.call('GET', href)
    return res.body.status === 'succeeded' || res.body.status === 'failed' ? res.body : undefined
  }, 240_000, everyMs)
}
