import t from 'tap'
import { execFileSync, fork } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { withoutTapLoader } from './helpers/child-env.js'

/**
 * test/helpers/child-env.ts: the processes tests start (spawned or forked, as the service forks its circuit
 * builds) carry no tap process-info loader, and every other option is kept.
 */
t.test('withoutTapLoader drops tap\'s loader in both forms and keeps the rest', async (t) => {
  const pi = 'file:///x/node_modules/@tapjs/processinfo/dist/esm/import.mjs'
  t.same(withoutTapLoader(['--enable-source-maps', `--import=${pi}`, '--import', '/tmp/mine.mjs']), ['--enable-source-maps', '--import', '/tmp/mine.mjs'])
  t.same(withoutTapLoader(['--import', pi, '--max-old-space-size=512']), ['--max-old-space-size=512'])
  t.same(withoutTapLoader(['--import=/tmp/mine.mjs']), ['--import=/tmp/mine.mjs'])
})

t.test('a spawned and a forked child start without it', async (t) => {
  t.notMatch(process.env.NODE_OPTIONS ?? '', /@tapjs[\\/]processinfo/, 'NODE_OPTIONS')
  t.notMatch(process.execArgv.join(' '), /@tapjs[\\/]processinfo/, 'process.execArgv (what fork() passes on)')
  const probe = 'console.log(JSON.stringify([process.execArgv, process.env.NODE_OPTIONS ?? "", Object.keys(globalThis).filter((k) => /processinfo/i.test(k))]))'
  const spawned = JSON.parse(execFileSync(process.execPath, ['-e', probe], { encoding: 'utf8' }))
  t.notMatch(JSON.stringify(spawned), /@tapjs[\\/]processinfo/)
  const dir = mkdtempSync(path.join(tmpdir(), 'zkp-child-env-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(path.join(dir, 'probe.cjs'), probe)
  const forked = await new Promise<string>((resolve, reject) => {
    // fork() with no execArgv given passes process.execArgv on, as the service's circuit builds are forked
    const child = fork(path.join(dir, 'probe.cjs'), [], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] })
    let out = ''
    child.stdout?.on('data', (c: Buffer) => { out += c.toString('utf8') })
    child.once('error', reject)
    child.once('exit', () => resolve(out))
  })
  t.match(forked, /^\[\[/, forked)
  t.notMatch(forked, /@tapjs[\\/]processinfo/)
})
