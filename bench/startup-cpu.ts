/**
 * Start-up CPU by phase: node dist/bench/startup-cpu.js [--runs 3]
 * CPU seconds (user + system, all threads of this process) to import the app's modules, build the app and reach
 * app.ready() (route validators and response serializers compiled), with DEFAULT_MODELS off and an empty DATA_DIR,
 * as bench/records.ts starts the server. CPU rather than wall time: on a shared machine the wall time of a start-up
 * grows with the load (17 s at a load of 16 for a 6.9 s CPU start-up), its CPU does not.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const cpu = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000 }

async function phases (): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'zk-bench-startup-'))
  const t0 = cpu()
  const { loadConfig } = await import('../src/config.js')
  const { buildApp } = await import('../src/app.js')
  const t1 = cpu()
  const app = await buildApp({ config: loadConfig({ ...process.env, DATA_DIR: dataDir, DEFAULT_MODELS: 'false', LOG_LEVEL: 'silent', PORT: '0' }) })
  const t2 = cpu()
  await app.ready()
  const t3 = cpu()
  await app.close()
  rmSync(dataDir, { recursive: true, force: true })
  console.log(JSON.stringify({ import_ms: Math.round(t1 - t0), build_ms: Math.round(t2 - t1), ready_ms: Math.round(t3 - t2), total_ms: Math.round(t3 - t0) }))
}

if (process.argv[2] === '--child') {
  await phases()
} else if (process.argv[1]?.endsWith('startup-cpu.js') === true) {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } })
  console.log('| run | import ms CPU | build ms CPU | ready ms CPU | total ms CPU |\n|---|---:|---:|---:|---:|')
  for (let i = 0; i < Number(values.runs); i++) {
    // A fresh process each run: module loading is part of what is measured.
    const out = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child'], { encoding: 'utf8' })
    const r = JSON.parse(out.stdout.trim().split('\n').at(-1) ?? '{}')
    console.log(`| ${i + 1} | ${r.import_ms} | ${r.build_ms} | ${r.ready_ms} | ${r.total_ms} |`)
  }
  console.log(`\nload average ${os.loadavg().map((x) => x.toFixed(2)).join(' / ')}`)
}
