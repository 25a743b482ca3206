import './child-env.js'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import { buildApp, type App } from '../../src/app.js'
import { loadConfig, type Config } from '../../src/config.js'
import { TEST_CIRCUIT_CACHE } from './circuit-cache.js'
import type { Services } from '../../src/services/index.js'

/** The slice of tap's `t` the helper needs: a teardown that runs when the test ends. */
interface Teardown { teardown: (fn: () => unknown) => void }

export interface InjectedApp {
  app: App
  dataDir: string
  /** A JSON request through app.inject (no socket): status, parsed body, headers. */
  call: (method: string, url: string, body?: unknown, headers?: Record<string, string>) => Promise<{ status: number, body: any, headers: LightMyRequestResponse['headers'] }>
  inject: (options: InjectOptions) => Promise<LightMyRequestResponse>
}

/**
 * The real app (every plugin and route, real services over a fresh DATA_DIR) for route, access,
 * validation and hostile-input tests, spoken to with `app.inject`: no port, no socket. tap's
 * teardown closes it and removes the directory. The embedded default training is off unless asked.
 */
export async function build (t: Teardown, options: { config?: Partial<Config>, services?: Services, dataDir?: string } = {}): Promise<InjectedApp> {
  const dataDir = options.dataDir ?? await mkdtemp(path.join(tmpdir(), 'zkpredict-test-'))
  // The event-loop delay check is off unless a test is about overload: on a loaded test machine it would answer 503 to anything.
  const config = loadConfig({}, { LOG_LEVEL: 'silent', DEFAULT_MODELS: false, OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: 0, CIRCUIT_BUILD_CACHE_DIR: TEST_CIRCUIT_CACHE, ...options.config, DATA_DIR: dataDir })
  const app = await buildApp({ config, services: options.services })
  t.teardown(async () => {
    await app.close()
    if (options.dataDir == null) await rm(dataDir, { recursive: true, force: true })
  })
  await app.ready()
  const call: InjectedApp['call'] = async (method, url, body, headers = {}) => {
    const isBinary = body instanceof Uint8Array
    const res = await app.inject({
      method: method as 'GET',
      url,
      headers: body === undefined ? headers : { 'content-type': isBinary ? 'application/octet-stream' : 'application/json', ...headers },
      payload: body === undefined ? undefined : isBinary ? Buffer.from(body) : typeof body === 'string' ? body : JSON.stringify(body),
    })
    let parsed: unknown = res.body
    try { parsed = JSON.parse(res.body) } catch {}
    return { status: res.statusCode, body: parsed, headers: res.headers }
  }
  return { app, dataDir, call, inject: async (opts) => await app.inject(opts) }
}

/**
 * A multipart/form-data body for inject: files as octet-stream parts, strings as fields, `{ json }` as a field typed
 * application/json (what `curl -F 'spec={...};type=application/json'` and OpenAPI 3.1's default encoding send).
 */
export const MULTIPART_BOUNDARY = 'zkpredictTestBoundary'
type Part = { bytes: Uint8Array, filename: string } | { json: string } | string
export function multipartBody (parts: Record<string, Part>): { payload: Buffer, headers: Record<string, string> } {
  const boundary = MULTIPART_BOUNDARY
  const chunks: Buffer[] = []
  for (const [name, value] of Object.entries(parts)) {
    if (typeof value === 'string') {
      chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`))
    } else if ('json' in value) {
      chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\nContent-Type: application/json\r\n\r\n${value.json}\r\n`))
    } else {
      const head = `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${value.filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`
      chunks.push(Buffer.from(head), Buffer.from(value.bytes), Buffer.from('\r\n'))
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`))
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }
}
