import type { ChildProcess } from 'node:child_process'
import { parseArgs } from 'node:util'
import { fmt, load, loadavg, machine, median } from './lib.js'
import { predictBody, startPredictTargets } from './service.js'

/**
 * Bytes V8 allocates per /predict request (1 row, no proof) against the bare Fastify route: every
 * allocation is later a collection on the main thread, so it is a cost the CPU profile spreads thin.
 *   node dist/bench/alloc-predict.js [--rounds 2] [--seconds 5] [--connections 32] [--baseline DIST]
 * Each server runs with V8's --trace-gc-nvp, which prints after every collection the bytes allocated
 * since the one before (allocated=); their sum over a timed load, divided by the requests served, is the
 * figure. --baseline DIST also measures DIST/src/server.js (another build, e.g. main's) on a copy of the data.
 */
/** Sums --trace-gc-nvp's allocated= over the collections that end while `counting` is on. */
function allocationMeter (child: ChildProcess): { start: () => void, stop: () => { bytes: number, collections: number } } {
  let counting = false
  let bytes = 0
  let collections = 0
  let partial = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n')
    partial = lines.pop() ?? ''
    if (!counting) return
    for (const line of lines) {
      const allocated = / allocated=(\d+)/.exec(line)
      if (allocated != null) { bytes += Number(allocated[1]); collections++ }
    }
  })
  return {
    start: () => { counting = true; bytes = 0; collections = 0 },
    stop: () => { counting = false; return { bytes, collections } },
  }
}

export async function allocPredict (options: { rounds: number, seconds: number, connections: number, baseline?: string }): Promise<string> {
  const servers = await startPredictTargets({ execArgv: ['--trace-gc-nvp'], ...(options.baseline != null ? { baseline: options.baseline } : {}) })
  try {
    const targets = servers.targets
    const body = predictBody('bench', 1)
    const meters = new Map(targets.map((t) => [t.name, allocationMeter(t.child)]))
    const perRequest = new Map<string, number[]>(targets.map((t) => [t.name, []]))
    const load0 = loadavg()
    for (let round = 0; round < options.rounds; round++) {
      const order = round % 2 === 0 ? targets : [...targets].reverse()
      for (const t of order) {
        await load(t.url, body, options.connections, 1)
        const meter = meters.get(t.name)
        meter?.start()
        const r = await load(t.url, body, options.connections, options.seconds)
        const { bytes, collections } = meter?.stop() ?? { bytes: NaN, collections: 0 }
        const kb = bytes / Math.max(1, r.rps * options.seconds) / 1024
        perRequest.get(t.name)?.push(kb)
        console.error(`round ${round + 1}: ${t.name} ${fmt(r.rps, 0)} req/s, ${collections} collections, ${fmt(kb, 1)} KB allocated per request`)
      }
    }
    return [
      `\`node dist/bench/alloc-predict.js --rounds ${options.rounds} --seconds ${options.seconds} --connections ${options.connections}` +
        `${options.baseline != null ? ' --baseline DIST' : ''}\`, ${new Date().toISOString()}, ${machine()}; load average ${load0} at the start, ` +
        `${loadavg()} at the end. /predict, 1 row, \`proof: false\`, LOG_LEVEL=silent; each server in its own process under --trace-gc-nvp.`,
      '',
      '| server | KB allocated per request, per round | median |',
      '|---|---|---:|',
      ...targets.map((t) => {
        const kb = perRequest.get(t.name) ?? []
        return `| ${t.name === 'bare' ? 'bare Fastify route' : t.name} | ${kb.map((x) => fmt(x, 1)).join(', ')} | **${fmt(median(kb), 1)}** |`
      }),
    ].join('\n')
  } finally {
    await servers.stop()
  }
}

if (process.argv[1]?.endsWith('alloc-predict.js') === true) {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '2' },
      seconds: { type: 'string', default: '5' },
      connections: { type: 'string', default: '32' },
      baseline: { type: 'string' },
    },
  })
  console.log(await allocPredict({
    rounds: Number(values.rounds),
    seconds: Number(values.seconds),
    connections: Number(values.connections),
    ...(values.baseline != null && values.baseline !== '' ? { baseline: values.baseline } : {}),
  }))
}
