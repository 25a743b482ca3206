import type { Metric, Registry } from 'prom-client'

/**
 * One label set's counts of a DeferredHistogram: a plain array of bucket counts and a sum, so that an observation
 * is a bucket search and two additions.
 */
export class HistogramCounts {
  readonly counts: number[]
  sum = 0
  count = 0
  constructor (readonly labels: Readonly<Record<string, string>>, private readonly bounds: readonly number[]) {
    this.counts = new Array<number>(bounds.length + 1).fill(0)
  }

  observe (value: number): void {
    let i = 0
    while (i < this.bounds.length && value > this.bounds[i]) i++
    this.counts[i]++
    this.sum += value
    this.count++
  }
}

/** What prom-client's registry reads from a metric (its get()). */
interface HistogramSnapshot {
  name: string
  help: string
  type: 'histogram'
  aggregator: 'sum'
  values: Array<{ labels: Record<string, string | number>, value: number, metricName: string }>
}

/**
 * A Prometheus histogram for the per-request paths (HTTP requests, inference calls), read by prom-client's registry
 * like its own Histogram: same samples (`_bucket` with cumulative `le` counts, `_sum`, `_count`), same order.
 * Why not prom-client's Histogram: its observe() checks and hashes the label values on every call, even through a
 * labels() child; with two observations per /predict that was 3.4% of the request's main-thread time under load
 * (`node --cpu-prof`, BENCHMARKS.md "Prediction without proof"). Here a child is looked up once per label set by the
 * caller and observe() touches two numbers; everything else happens when the registry is read.
 */
export class DeferredHistogram {
  readonly type = 'histogram'
  readonly aggregator = 'sum'
  private readonly children = new Map<string, HistogramCounts>()

  constructor (readonly name: string, readonly help: string, private readonly labelNames: readonly string[],
    private readonly bounds: readonly number[], registers: Registry[]) {
    for (const r of registers) r.registerMetric(this as unknown as Metric)
  }

  /** The counts of one label set (every label name given), created at zero on first use. */
  child (labels: Record<string, string>): HistogramCounts {
    const key = this.labelNames.map((n) => labels[n]).join('\u0000')
    let child = this.children.get(key)
    if (child == null) {
      child = new HistogramCounts(Object.fromEntries(this.labelNames.map((n) => [n, labels[n]])), this.bounds)
      this.children.set(key, child)
    }
    return child
  }

  async get (): Promise<HistogramSnapshot> {
    const values: HistogramSnapshot['values'] = []
    for (const c of this.children.values()) {
      let cumulative = 0
      for (let i = 0; i <= this.bounds.length; i++) {
        cumulative += c.counts[i]
        const le = i < this.bounds.length ? this.bounds[i] : '+Inf'
        values.push({ labels: { le, ...c.labels }, value: cumulative, metricName: `${this.name}_bucket` })
      }
      values.push({ labels: { ...c.labels }, value: c.sum, metricName: `${this.name}_sum` })
      values.push({ labels: { ...c.labels }, value: c.count, metricName: `${this.name}_count` })
    }
    return { name: this.name, help: this.help, type: 'histogram', aggregator: 'sum', values }
  }

  /** Zero counts (prom-client's reset() drops its label sets instead; callers here keep their children). */
  reset (): void {
    for (const c of this.children.values()) {
      c.counts.fill(0)
      c.sum = 0
      c.count = 0
    }
  }
}
