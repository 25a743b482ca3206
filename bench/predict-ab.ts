import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { fmt, load, loadavg, machine, median } from './lib.js'
import { predictBody, startPredictTargets, type PredictTarget } from './service.js'

/**
 * /predict (1 row, no proof) against the bare Fastify route, A/B interleaved in several rounds, the
 * comparison of issue 12 item 10 (BENCHMARKS.md, "Prediction without proof"):
 *   node dist/bench/predict-ab.js [--rounds 6] [--seconds 3] [--connections 32] [--baseline DIST] [--requests N] [--warmup N]
 * --baseline DIST also runs DIST/src/server.js (another build of the service, e.g. main's) in the same rounds.
 * --requests N makes each run a fixed number of requests instead of a fixed time (on a busy machine, where a few
 * seconds are a few hundred requests, the JIT is not warm); --warmup N requests go to each server once before round 1.
 * Besides req/s it reports each server's CPU time per request (utime + stime from /proc/<pid>/stat over
 * the run): on a shared machine a process's CPU per request moves less with the load than its throughput.
 */
interface Sample { rps: number, cpuUs: number, p99: number, errors: number }

const TICK_US = 1e6 / 100 // Linux USER_HZ

function cpuUs (pid: number | undefined): number {
  if (pid == null) return NaN
  try {
    // Fields after the ")" of the command name: state is field 3, utime 14, stime 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) * TICK_US
  } catch {
    return NaN
  }
}

async function measure (target: PredictTarget, body: string, connections: number, seconds: number, requests: number): Promise<Sample> {
  if (requests > 0) {
    const before = cpuUs(target.child.pid)
    const started = performance.now()
    const r = await autocannon({ url: target.url, method: 'POST', body, headers: { 'content-type': 'application/json' }, connections, amount: requests })
    const elapsed = (performance.now() - started) / 1000
    const used = cpuUs(target.child.pid) - before
    return { rps: r.requests.total / elapsed, cpuUs: used / Math.max(1, r.requests.total), p99: r.latency.p99, errors: r.errors + r.timeouts + r.non2xx }
  }
  await load(target.url, body, connections, 1)
  const before = cpuUs(target.child.pid)
  const r = await load(target.url, body, connections, seconds)
  const used = cpuUs(target.child.pid) - before
  return { rps: r.rps, cpuUs: used / Math.max(1, r.rps * seconds), p99: r.p99, errors: r.errors + r.non2xx }
}

export async function predictAB (options: {
  rounds: number,
  seconds: number,
  connections: number,
  baseline?: string,
  requests: number,
  warmup: number
}): Promise<string> {
  const servers = await startPredictTargets(options.baseline != null ? { baseline: options.baseline } : {})
  try {
    const targets = servers.targets
    const body = predictBody('bench', 1)
    const samples = new Map<string, Sample[]>(targets.map((t) => [t.name, []]))
    if (options.warmup > 0) {
      for (const t of targets) await autocannon({ url: t.url, method: 'POST', body, headers: { 'content-type': 'application/json' }, connections: options.connections, amount: options.warmup })
    }
    const load0 = loadavg()
    for (let round = 0; round < options.rounds; round++) {
      // Alternate the order each round, so that neither side always runs first after the other's load.
      const order = round % 2 === 0 ? targets : [...targets].reverse()
      for (const t of order) samples.get(t.name)?.push(await measure(t, body, options.connections, options.seconds, options.requests))
      const line = targets.map((t) => {
        const s = samples.get(t.name)?.[round] as Sample
        return `${t.name} ${fmt(s.rps, 0)} req/s ${fmt(s.cpuUs, 1)} µs CPU/req`
      }).join(', ')
      console.error(`round ${round + 1}: ${line}`)
    }
    const bareSamples = samples.get('bare') as Sample[]
    const rows = targets.filter((t) => t.name !== 'bare').map((t) => {
      const s = samples.get(t.name) as Sample[]
      const ratios = s.map((x, i) => x.rps / bareSamples[i].rps)
      const cpuRatios = s.map((x, i) => bareSamples[i].cpuUs / x.cpuUs)
      return `| ${t.name} | ${ratios.map((r) => fmt(r, 2)).join(', ')} | **${fmt(median(ratios), 2)}** | ${fmt(median(s.map((x) => x.rps)), 0)} | ` +
        `${fmt(median(s.map((x) => x.cpuUs)), 1)} | ${fmt(median(cpuRatios), 2)} | ${Math.max(...s.map((x) => x.p99))} | ` +
        `${s.reduce((a, x) => a + x.errors, 0)} |`
    })
    return [
      `\`node dist/bench/predict-ab.js --rounds ${options.rounds} --seconds ${options.seconds} --connections ${options.connections}` +
        `${options.baseline != null ? ' --baseline DIST' : ''}` +
        `${options.requests > 0 ? ` --requests ${options.requests}` : ''} --warmup ${options.warmup}\`, ${new Date().toISOString()}, ${machine()}; load average ${load0} at the ` +
        `start, ${loadavg()} at the end. /predict, 1 row, \`proof: false\`, LOG_LEVEL=silent, every other setting at its default; ` +
        'each server in its own process, autocannon in this one; rounds interleave the servers (order reversed every other round), ' +
        (options.requests > 0 ? `each run ${options.requests} requests.` : `each run ${options.seconds} s after a 1 s warm-up.`),
      '',
      '| server | req/s ratio to the bare route, per round | median ratio | median req/s | CPU µs per request (median) | ' +
        'bare CPU per request / this one | worst p99 ms | errors |',
      '|---|---|---:|---:|---:|---:|---:|---:|',
      ...rows,
      `| bare Fastify route | - | 1.00 | ${fmt(median(bareSamples.map((x) => x.rps)), 0)} | ${fmt(median(bareSamples.map((x) => x.cpuUs)), 1)} | ` +
        `1.00 | ${Math.max(...bareSamples.map((x) => x.p99))} | ${bareSamples.reduce((a, x) => a + x.errors, 0)} |`,
    ].join('\n')
  } finally {
    await servers.stop()
  }
}

if (process.argv[1]?.endsWith('predict-ab.js') === true) {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '6' },
      seconds: { type: 'string', default: '3' },
      connections: { type: 'string', default: '32' },
      requests: { type: 'string', default: '0' },
      warmup: { type: 'string', default: '0' },
      baseline: { type: 'string' },
    },
  })
  console.log(await predictAB({
    rounds: Number(values.rounds),
    seconds: Number(values.seconds),
    connections: Number(values.connections),
    requests: Number(values.requests),
    warmup: Number(values.warmup),
    ...(values.baseline != null && values.baseline !== '' ? { baseline: values.baseline } : {}),
  }))
}
