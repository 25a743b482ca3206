import { text } from './api.js'
import { liveChart } from './charts.js'
import { fmt, h, section, table } from './dom.js'

/** One sample line of the Prometheus text format: name, labels, value. Comments (# HELP, # TYPE) are skipped. */
export interface Sample { name: string, labels: Record<string, string>, value: number }

export function parseExposition (body: string): Sample[] {
  const samples: Sample[] = []
  const line = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/
  const label = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g
  for (const raw of body.split('\n')) {
    if (raw === '' || raw.startsWith('#')) continue
    const m = line.exec(raw)
    if (m == null) continue
    const labels: Record<string, string> = {}
    for (const l of (m[2] ?? '').matchAll(label)) labels[l[1]] = l[2].replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\')
    samples.push({ name: m[1], labels, value: Number(m[3]) })
  }
  return samples
}

/** Requests the panel itself makes (its /metrics polls, the page's files) are left out of the rates. */
const counted = (s: Sample): boolean => s.labels.route !== '/metrics' && !(s.labels.route ?? '').startsWith('/ui')

/** Quantile of the requests between two scrapes, from the cumulative bucket counts (as PromQL's histogram_quantile). */
export function quantile (q: number, before: Sample[], after: Sample[]): number | null {
  const buckets = new Map<number, number>()
  const add = (samples: Sample[], sign: number): void => {
    for (const s of samples) {
      if (s.name !== 'rest_server_requests_duration_seconds_bucket' || !counted(s)) continue
      const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le)
      buckets.set(le, (buckets.get(le) ?? 0) + sign * s.value)
    }
  }
  add(after, 1)
  add(before, -1)
  const sorted = [...buckets.entries()].sort((a, b) => a[0] - b[0])
  const total = sorted[sorted.length - 1]?.[1] ?? 0
  if (total <= 0) return null
  const rank = q * total
  let prevLe = 0
  let prevCount = 0
  for (const [le, count] of sorted) {
    if (count >= rank) {
      if (le === Infinity) return prevLe
      return prevLe + (le - prevLe) * (count - prevCount > 0 ? (rank - prevCount) / (count - prevCount) : 0)
    }
    prevLe = le
    prevCount = count
  }
  return prevLe
}

const sum = (samples: Sample[], name: string, filter: (s: Sample) => boolean = () => true): number =>
  samples.filter((s) => s.name === name && filter(s)).reduce((a, s) => a + s.value, 0)

/**
 * The service panel, from GET /metrics every 2 s: requests per second and p50 / p99 latency over
 * the last interval, queue depths, per-model inference counts and the process's memory and event loop.
 */
export async function servicePage (main: HTMLElement, isCurrent: () => boolean): Promise<void> {
  const chart = liveChart('throughput', 'Requests per second', ['req/s'], 'req/s')
  const latency = liveChart('latency', 'Latency (ms)', ['p50', 'p99'], 'ms')
  const summary = h('div', { id: 'service-summary' })
  const queues = h('div', { id: 'queues' })
  const models = h('div', { id: 'inference' })
  main.replaceChildren(h('h1', {}, 'Service'), summary, h('div', { class: 'charts' }, chart.el, latency.el), section('Queues', queues), section('Inference by model', models))
  const xs: number[] = []
  const rps: number[] = []
  const p50: number[] = []
  const p99: number[] = []
  let previous: { at: number, samples: Sample[] } | null = null
  const tick = async (): Promise<void> => {
    if (!isCurrent()) return
    const samples = parseExposition(await text('/metrics'))
    const at = Date.now() / 1000
    if (previous != null) {
      const dt = at - previous.at
      const requests = sum(samples, 'rest_server_requests_total', counted) - sum(previous.samples, 'rest_server_requests_total', counted)
      xs.push(at); rps.push(requests / dt)
      p50.push((quantile(0.5, previous.samples, samples) ?? 0) * 1000)
      p99.push((quantile(0.99, previous.samples, samples) ?? 0) * 1000)
      if (xs.length > 150) { xs.shift(); rps.shift(); p50.shift(); p99.shift() }
      chart.update(xs, [rps])
      latency.update(xs, [p50, p99])
    }
    previous = { at, samples }
    const one = (name: string): number | undefined => samples.find((s) => s.name === name)?.value
    summary.replaceChildren(h('dl', { class: 'kv wide' },
      h('dt', {}, 'requests per second'), h('dd', { 'data-metric': 'rps' }, fmt(rps[rps.length - 1] ?? null, 1)),
      h('dt', {}, 'p50 / p99 latency'), h('dd', { 'data-metric': 'latency' }, `${fmt(p50[p50.length - 1] ?? null, 2)} / ${fmt(p99[p99.length - 1] ?? null, 2)} ms`),
      h('dt', {}, 'requests answered'), h('dd', {}, fmt(sum(samples, 'rest_server_requests_total'))),
      h('dt', {}, 'resident memory'), h('dd', {}, `${fmt((one('process_resident_memory_bytes') ?? 0) / 2 ** 20, 0)} MiB`),
      h('dt', {}, 'heap used'), h('dd', {}, `${fmt((one('nodejs_heap_size_used_bytes') ?? 0) / 2 ** 20, 0)} MiB`),
      h('dt', {}, 'event-loop delay p99'), h('dd', {}, `${fmt((one('nodejs_eventloop_lag_p99_seconds') ?? 0) * 1000, 1)} ms`)))
    const names = [...new Set(samples.filter((s) => s.name === 'zkpredict_queue_jobs').map((s) => s.labels.queue))]
    const depth = (queue: string, state: string): number => sum(samples, 'zkpredict_queue_jobs', (s) => s.labels.queue === queue && s.labels.state === state)
    queues.replaceChildren(table(['queue', 'waiting', 'active', 'oldest waiting'], names.map((q) => [q, h('span', { 'data-queue': q }, String(depth(q, 'waiting'))), String(depth(q, 'active')),
      `${fmt(sum(samples, 'zkpredict_queue_oldest_waiting_seconds', (s) => s.labels.queue === q), 1)} s`])))
    const keys = [...new Set(samples.filter((s) => s.name === 'model_infer_request_success_total').map((s) => `${s.labels.model_name}@${s.labels.model_version}`))]
    const by = (name: string, key: string): number => sum(samples, name, (s) => `${s.labels.model_name}@${s.labels.model_version}` === key)
    models.replaceChildren(keys.length === 0
      ? h('p', { class: 'muted' }, 'No inference yet.')
      : table(['model', 'requests', 'rows', 'failures', 'mean time in the model'], keys.map((k) => [k, String(by('model_infer_request_success_total', k)), String(by('model_infer_rows_total', k)),
        String(by('model_infer_request_failure_total', k)), `${fmt(by('model_infer_request_duration_seconds_sum', k) / Math.max(1, by('model_infer_request_duration_seconds_count', k)) * 1e6, 0)} µs`])))
    setTimeout(() => { void tick().catch(() => undefined) }, 2000)
  }
  await tick()
}
