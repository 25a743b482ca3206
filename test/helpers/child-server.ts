import './child-env.js'
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { request } from 'undici'
import { TEST_CIRCUIT_CACHE } from './circuit-cache.js'

const SERVER = fileURLToPath(new URL('../../src/server.js', import.meta.url))

export interface ChildServer {
  url: string
  child: ChildProcess
  /** Everything the process wrote to stdout and stderr (its logs) so far. */
  output: () => string
  call: (method: string, urlPath: string, body?: unknown, headers?: Record<string, string>) => Promise<{ status: number, body: any, headers: Record<string, unknown> }>
  /** kill -9: no shutdown hook runs, exactly like a crash or an OOM kill. */
  kill: () => Promise<void>
  /** A graceful stop (SIGTERM). */
  stop: () => Promise<void>
}

/**
 * The real server (`node dist/src/server.js`) as a child process over `dataDir`, on a port it picks
 * itself and prints (PRINT_PORT=1). Used where a test must kill the process, not just close the app.
 */
export async function spawnServer (dataDir: string, env: Record<string, string> = {}): Promise<ChildServer> {
  const child = spawn(process.execPath, [SERVER], {
    env: { ...process.env, DATA_DIR: dataDir, PORT: '0', PRINT_PORT: '1', HOST: '127.0.0.1', LOG_LEVEL: 'warn', DEFAULT_MODELS: 'false', CIRCUIT_BUILD_CACHE_DIR: TEST_CIRCUIT_CACHE, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const port = await new Promise<number>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8')
      const line = output.split('\n').find((l) => /^\d+$/.test(l.trim()))
      if (line != null) resolve(Number(line.trim()))
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString('utf8') })
    child.once('exit', (code, signal) => reject(new Error(`the server exited (${signal ?? code}) before listening:\n${output}`)))
  })
  const url = `http://127.0.0.1:${port}`
  const call: ChildServer['call'] = async (method, urlPath, body, headers = {}) => {
    const response = await request(url + urlPath, {
      method: method as 'GET',
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await response.body.text()
    let parsed: unknown = text
    try { parsed = JSON.parse(text) } catch {}
    return { status: response.statusCode, body: parsed, headers: response.headers as Record<string, unknown> }
  }
  return {
    url,
    child,
    call,
    output: () => output,
    kill: async () => { if (child.exitCode == null && child.signalCode == null) child.kill('SIGKILL'); await exited },
    stop: async () => { if (child.exitCode == null && child.signalCode == null) child.kill('SIGTERM'); await exited },
  }
}
