/**
 * /predict with metrics on (the default) against METRICS=false, in one run:
 *   node dist/bench/metrics.js [--seconds 3] [--rounds 4]   (trains a small model first)
 * and as a section of `npm run bench`. Both services run side by side over the same DATA_DIR and
 * take turns (on, off, on, off, ...), so that a change in the machine's load hits both alike.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { fmt, load, loadavg, median, type LoadResult, type Section } from './lib.js'
import { predictBody, startService, trainBenchModel } from './service.js'

export async function benchMetrics (dataDir: string, model: string, seconds: number, rounds: number, env: Record<string, string> = {}): Promise<Section & { ratio: number }> {
  const on = await startService(dataDir, { ...env, METRICS: 'true' })
  const off = await startService(dataDir, { ...env, METRICS: 'false' })
  try {
    const body = predictBody(model, 1)
    const runs: { on: LoadResult[], off: LoadResult[] } = { on: [], off: [] }
    const loadAtStart = loadavg()
    for (const s of [on, off]) await load(`${s.url}/predict`, body, 32, 1) // warm-up: model loaded, JIT warm
    for (let r = 0; r < rounds; r++) {
      // Alternate which goes first, so neither always runs right after the other's load.
      const order = r % 2 === 0 ? [['on', on], ['off', off]] as const : [['off', off], ['on', on]] as const
      for (const [name, s] of order) {
        const result = await load(`${s.url}/predict`, body, 32, seconds)
        if (result.errors + result.non2xx > 0) throw new Error(`${name}: ${result.errors} errors, ${result.non2xx} non-2xx`)
        runs[name].push(result)
      }
    }
    const rpsOn = median(runs.on.map((x) => x.rps))
    const rpsOff = median(runs.off.map((x) => x.rps))
    const ratio = rpsOn / rpsOff
    const markdown = [
      `/predict, 1 row, no proof, 32 connections, autocannon ${seconds} s per run, ${rounds} rounds alternating (order swapped every round); both services in their own process over one DATA_DIR, model \`${model}\`. Load average at the start: ${loadAtStart}; at the end: ${loadavg()}.`,
      '',
      '| metrics | req/s per run | median req/s | p50 / p99 ms (median of runs) |',
      '|---|---|---:|---:|',
      `| on (METRICS=true, the default) | ${runs.on.map((x) => fmt(x.rps, 0)).join(', ')} | ${fmt(rpsOn, 0)} | ${median(runs.on.map((x) => x.p50))} / ${median(runs.on.map((x) => x.p99))} |`,
      `| off (METRICS=false) | ${runs.off.map((x) => fmt(x.rps, 0)).join(', ')} | ${fmt(rpsOff, 0)} | ${median(runs.off.map((x) => x.p50))} / ${median(runs.off.map((x) => x.p99))} |`,
      '',
      `With metrics on, /predict runs at ${fmt(ratio * 100, 0)}% of its throughput with them off. Per request the service counts and times the HTTP request (one onResponse hook, cached label children) and the inference (a diagnostics-channel message); queue depths and process metrics are read only when /metrics is scraped.`,
    ].join('\n')
    return { title: 'Metrics on against off (`/predict`)', markdown, ratio, goals: [{ goal: '/predict with metrics on >= 90% of metrics off', met: ratio >= 0.9, measured: `${fmt(ratio * 100, 0)}% (${fmt(rpsOn, 0)} vs ${fmt(rpsOff, 0)} req/s)` }] }
  } finally {
    await on.stop()
    await off.stop()
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '3' }, rounds: { type: 'string', default: '4' } } })
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'zkpredict-bench-metrics-'))
  try {
    const trainer = await startService(dataDir, { LOG_LEVEL: 'silent' })
    try { await trainBenchModel(trainer.url, 'bench') } finally { await trainer.stop() }
    const section = await benchMetrics(dataDir, 'bench', Number(values.seconds), Number(values.rounds), { LOG_LEVEL: 'silent' })
    console.log(`## ${section.title}\n\n${section.markdown}\n\nGoal: ${section.goals[0].goal}: ${section.goals[0].met === true ? 'met' : 'not met'} (${section.goals[0].measured}).`)
  } finally {
    rmSync(dataDir, { recursive: true, force: true })
  }
}
