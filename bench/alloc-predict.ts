import type { ChildProcess } from 'node:child_process'
import { cp, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fmt, load, loadavg, machine, median, startChild, stopChild } from './lib.js'
import { BARE_SCRIPT, predictBody, startService, trainBenchModel } from './service.js'

/**
 * Bytes V8 allocates per /predict request (1 row, no proof) against the bare Fastify route: every
 * allocation is later a collection on the main thread, so it is a cost the CPU profile spreads thin.
 *   node dist/bench/alloc-predict.js [--rounds 2] [--seconds 5] [--connections 32] [--baseline DIST]
 * Each server runs with V8's --trace-gc-nvp, which prints after every collection the bytes allocated
 * since the one before (allocated=); their sum over a timed load, divided by the requests served, is the
 * figure. --baseline DIST also measures DIST/src/server.js (another build, e.g. main's) on a copy of the data.
 */
interface Target { name: string, url: string, child: ChildProcess }

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
  const dataDir = await mkdtemp(path.join(tmpdir(), 'zkpredict-alloc-'))
  const stops: Array<() => Promise<void>> = []
  try {
    const trainer = await startService(dataDir)
    await trainBenchModel(trainer.url)
    await trainer.stop()
    const traceGc = ['--trace-gc-nvp']
    const targets: Target[] = []
    const service = await startService(dataDir, {}, traceGc)
    stops.push(service.stop)
    targets.push({ name: 'service', url: `${service.url}/predict`, child: service.child })
    if (options.baseline != null) {
      const baselineDir = `${dataDir}-baseline`
      await cp(dataDir, baselineDir, { recursive: true })
      stops.push(async () => { await rm(baselineDir, { recursive: true, force: true }) })
      const { child, firstLine } = await startChild(path.join(path.resolve(options.baseline), 'src', 'server.js'),
        { DATA_DIR: baselineDir, PORT: '0', LOG_LEVEL: 'silent', DEFAULT_MODELS: 'false', PRINT_PORT: '1' }, traceGc)
      stops.push(async () => await stopChild(child))
      targets.push({ name: 'baseline', url: `http://127.0.0.1:${firstLine.trim()}/predict`, child })
    }
    const bare = await startChild(BARE_SCRIPT, {}, traceGc)
    stops.push(async () => await stopChild(bare.child))
    targets.push({ name: 'bare', url: `http://127.0.0.1:${bare.firstLine.trim()}/predict`, child: bare.child })

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
    for (const stop of stops.reverse()) await stop()
    await rm(dataDir, { recursive: true, force: true })
  }
}

if (process.argv[1]?.endsWith('alloc-predict.js') === true) {
  const arg = (name: string, dflt: string): string => {
    const i = process.argv.indexOf(`--${name}`)
    return i >= 0 && process.argv[i + 1] != null ? process.argv[i + 1] : dflt
  }
  const baseline = arg('baseline', '')
  console.log(await allocPredict({
    rounds: Number(arg('rounds', '2')),
    seconds: Number(arg('seconds', '5')),
    connections: Number(arg('connections', '32')),
    ...(baseline !== '' ? { baseline } : {}),
  }))
}
