import t from 'tap'
import '../helpers/child-env.js'

import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The README's start command, `npm start`, stopped the way a process manager or a shell stops it:
 * SIGTERM to the PID the user started (npm's). The server must receive it, close gracefully, say
 * what happens to running work, and leave no node process behind. `npm start` used to run
 * `sh -c "node dist/src/server.js"`: npm passed SIGTERM to sh, sh died, and the server ran on,
 * orphaned.
 */

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..')

function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Polls `check` every 50 ms until it is true or `timeoutMs` has passed; says whether it became true. */
async function until (check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) return false
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return true
}

t.test('SIGTERM to the PID of `npm start` stops the server it started', async (t) => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'zkpredict-start-'))
  // --ignore-scripts runs the start script itself without prestart (the build): this test runs beside
  // others that read dist/, which a rebuild would rewrite under them.
  const npm = spawn('npm', ['start', '--ignore-scripts', '--silent'], {
    cwd: REPO,
    env: {
      ...process.env, DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', DEFAULT_MODELS: 'false', ONNXRUNTIME_NODE_INSTALL: 'skip',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  npm.stdout.on('data', (chunk: Buffer) => { output += chunk.toString('utf8') })
  npm.stderr.on('data', (chunk: Buffer) => { output += chunk.toString('utf8') })
  const npmExited = new Promise<number | string | null>((resolve) => npm.once('exit', (code, signal) => resolve(signal ?? code)))
  const logs = (): Array<Record<string, any>> => output.split('\n').flatMap((line) => {
    try { return [JSON.parse(line)] } catch { return [] }
  })
  const server: { pid?: number } = {}
  t.teardown(async () => {
    // Whatever the outcome, nothing of this test keeps running.
    if (server.pid != null && alive(server.pid)) process.kill(server.pid, 'SIGKILL')
    if (npm.exitCode == null && npm.signalCode == null) npm.kill('SIGKILL')
    await rm(dataDir, { recursive: true, force: true })
  })

  const listening = await until(() => logs().some((l) => /Server listening/.test(String(l.msg))), 120_000)
  t.ok(listening, listening ? 'the server started' : `the server did not start:\n${output}`)
  if (!listening) return
  const pid = Number(logs().find((l) => /Server listening/.test(String(l.msg)))?.pid)
  server.pid = pid
  t.ok(alive(pid), `the server logs its pid (${pid})`)

  process.kill(npm.pid as number, 'SIGTERM')
  t.ok(await until(() => npm.exitCode != null || npm.signalCode != null, 30_000), 'npm exits')
  t.equal(await npmExited, 0, 'npm start exits 0 after a graceful stop')
  t.ok(await until(() => !alive(pid), 15_000), `no node process of npm start remains (pid ${pid})`)

  const closing = logs().find((l) => l.signal === 'SIGTERM')
  t.ok(closing, closing != null ? 'the server received SIGTERM itself' : `the server logged no SIGTERM:\n${output}`)
  t.match(String(closing?.msg), /running training job .*fails.*submit it again/, 'the shutdown log says what happens to a running training job')
})
