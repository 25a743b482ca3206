import diagnostics from 'node:diagnostics_channel'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import {
  circuitChannel, inferenceChannel, proofChannel, trainingChannel,
  type CircuitEvent, type InferenceEvent, type ProofEvent, type QueueDepth, type QueueDepthSource, type TrainingEvent,
} from './events.js'
import { DeferredHistogram, type HistogramCounts } from './deferred-histogram.js'

/**
 * The service's Prometheus metrics in a registry of its own (not prom-client's global one, so that
 * several apps in one test process, or a worker process, each have theirs). Names follow MLServer's
 * (rest_server_*, model_infer_*) where they fit; every metric is listed in README.md ("Metrics").
 */

/** Request latencies: /predict answers in about a millisecond, a training upload in seconds. */
const HTTP_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
/** session.run is ~15 µs; a 10,000-row batch a few ms. */
const INFER_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5]
/** Groth16 of the 10-32-16-1 net: ~0.15 s; PLONK ~5.5 s; waits in a busy queue: minutes. */
const PROOF_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600]
/** Training: seconds (tutorial recipe, synthetic data) to tens of minutes; circuit builds: seconds to minutes. */
const JOB_BUCKETS = [1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 3600]

/**
 * A labelled count kept in a plain number and added to its prom-client counter when the registry is read: inc() on a
 * prom-client child checks and hashes its labels on every call, which was most of what metrics cost /predict
 * (BENCHMARKS.md, "Prediction without proof", 2026-12-02). Scrapes see exactly the counts an inc() per event gives.
 */
class PendingCount {
  pending = 0
  constructor (readonly labels: Record<string, string>) {}
}

/** A prom-client Counter whose children are PendingCounts, flushed into it by its collect() at every read. */
function deferredCounter<L extends string> (name: string, help: string, labelNames: readonly L[], registers: Registry[]):
{ counter: Counter<L>, child: (labels: Record<L, string>) => PendingCount } {
  const children: PendingCount[] = []
  const counter = new Counter<L>({
    name,
    help,
    labelNames,
    registers,
    collect () {
      for (const c of children) {
        if (c.pending === 0) continue
        this.inc(c.labels as Partial<Record<L, string>>, c.pending)
        c.pending = 0
      }
    },
  })
  return {
    counter,
    child: (labels) => {
      const c = new PendingCount(labels)
      children.push(c)
      // Present at zero from its first event, as a prom-client child is.
      counter.inc(labels as Partial<Record<L, string>>, 0)
      return c
    },
  }
}

export interface MetricsSources {
  /** The instances whose events count (see events.ts: `source`). */
  sources: object[]
  queues: QueueDepthSource[]
}

export class ServiceMetrics {
  readonly registry = new Registry()
  private readonly own: Set<object>
  private readonly queues: QueueDepthSource[]
  private readonly httpChildren = new Map<string, { count: PendingCount, duration: HistogramCounts }>()
  private readonly inferChildren = new Map<string, {
    success: PendingCount, failure: Counter.Internal, rows: PendingCount, duration: HistogramCounts
  }>()

  private readonly httpCount: (labels: Record<'method' | 'route' | 'status', string>) => PendingCount
  private readonly inferSuccessCount: (labels: Record<'model_name' | 'model_version', string>) => PendingCount
  private readonly inferRowsCount: (labels: Record<'model_name' | 'model_version', string>) => PendingCount

  private readonly unsubscribe: Array<() => void> = []

  readonly httpRequests: Counter<'method' | 'route' | 'status'>
  readonly httpDuration: DeferredHistogram
  private readonly inferFailure: Counter<'model_name' | 'model_version'>
  private readonly inferDuration: DeferredHistogram
  private readonly proofJobs: Counter<'state' | 'proof_system' | 'mode'>
  private readonly proofDuration: Histogram<'proof_system' | 'mode'>
  private readonly proofWait: Histogram<'proof_system' | 'mode'>
  private readonly trainingJobs: Counter<'state' | 'recipe'>
  private readonly trainingDuration: Histogram<'recipe' | 'status'>
  private readonly circuitBuilds: Counter<'proof_system' | 'status'>
  private readonly circuitDuration: Histogram<'proof_system'>

  constructor ({ sources, queues }: MetricsSources, options: { prefix?: string, defaultMetrics?: boolean } = {}) {
    this.own = new Set(sources)
    this.queues = queues
    const registers = [this.registry]
    if (options.defaultMetrics !== false) {
      // process_* (CPU, RSS, open fds), nodejs_* (heap by space, event-loop lag percentiles, GC, handles).
      collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 10 })
    }
    const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> =>
      new Counter({ name, help, labelNames, registers })
    const histogram = <L extends string>(name: string, help: string, labelNames: readonly L[], buckets: number[]): Histogram<L> =>
      new Histogram({ name, help, labelNames, buckets, registers })
    const http = ['method', 'route', 'status'] as const
    const requests = deferredCounter('rest_server_requests_total', 'HTTP requests answered, by method, route pattern and status code', http,
      registers)
    this.httpRequests = requests.counter
    this.httpCount = requests.child
    this.httpDuration = new DeferredHistogram('rest_server_requests_duration_seconds',
      'HTTP request duration (received to answered), seconds', http, HTTP_BUCKETS, registers)
    const model = ['model_name', 'model_version'] as const
    const success = deferredCounter('model_infer_request_success_total',
      'Inference calls that succeeded (one /predict or v2 infer request), by model and version', model, registers)
    this.inferSuccessCount = success.child
    this.inferFailure = counter('model_infer_request_failure_total',
      'Inference calls that failed in the model runtime, by model and version', model)
    const rows = deferredCounter('model_infer_rows_total', 'Rows (instances) predicted, by model and version', model, registers)
    this.inferRowsCount = rows.child
    this.inferDuration = new DeferredHistogram('model_infer_request_duration_seconds',
      'Time in the model runtime per inference call (onnxruntime, shared runs included), seconds', model, INFER_BUCKETS, registers)
    const proof = ['proof_system', 'mode'] as const
    this.proofJobs = counter('zkpredict_proof_jobs_total',
      'Proof jobs entering a state (queued, proving, succeeded, failed), by proof system and mode', ['state', ...proof])
    this.proofDuration = histogram('zkpredict_proof_duration_seconds', 'Time to make one proof (witness and prover), seconds', proof,
      PROOF_BUCKETS)
    this.proofWait = histogram('zkpredict_proof_queue_wait_seconds',
      'Time a proof waited from its request until proving started (queue and circuit build), seconds', proof, PROOF_BUCKETS)
    this.trainingJobs = counter('zkpredict_training_jobs_total',
      'Training jobs entering a state (queued, running, succeeded, failed), by recipe', ['state', 'recipe'])
    this.trainingDuration = histogram('zkpredict_training_duration_seconds',
      'Training job run time (data, features, training, export, registration), seconds', ['recipe', 'status'], JOB_BUCKETS)
    this.circuitBuilds = counter('zkpredict_circuit_builds_total',
      'Circuit builds finished, by proof system and outcome (ready, failed, unsupported)', ['proof_system', 'status'])
    this.circuitDuration = histogram('zkpredict_circuit_build_duration_seconds',
      'Circuit build time (compile, setup, keys) of the builds that succeeded, seconds', ['proof_system'], JOB_BUCKETS)

    // Queue depths are read from the queues at scrape time: nothing is paid per job.
    const depths = async (): Promise<Array<QueueDepth & { name: string }>> =>
      await Promise.all(this.queues.map(async (q) => ({ name: q.name, ...await q.depth() })))
    new Gauge({ // eslint-disable-line no-new
      name: 'zkpredict_queue_jobs',
      help: 'Jobs in a queue now, by queue (proof, training, circuit) and state (waiting, active)',
      labelNames: ['queue', 'state'],
      registers,
      async collect () {
        this.reset()
        for (const d of await depths()) {
          this.set({ queue: d.name, state: 'waiting' }, d.waiting)
          this.set({ queue: d.name, state: 'active' }, d.active)
        }
      },
    })
    new Gauge({ // eslint-disable-line no-new
      name: 'zkpredict_queue_oldest_waiting_seconds',
      help: 'How long the oldest waiting job of a queue has waited, seconds (0 when none waits)',
      labelNames: ['queue'],
      registers,
      async collect () {
        this.reset()
        for (const d of await depths()) this.set({ queue: d.name }, (d.oldestWaitingMs ?? 0) / 1000)
      },
    })

    this.subscribe(inferenceChannel, (e: InferenceEvent) => { this.inference(e) })
    this.subscribe(proofChannel, (e: ProofEvent) => { this.proof(e) })
    this.subscribe(trainingChannel, (e: TrainingEvent) => { this.training(e) })
    this.subscribe(circuitChannel, (e: CircuitEvent) => { this.circuit(e) })
  }

  /** One answered HTTP request. Label children are cached by one string key: nothing is hashed per request. */
  observeRequest (method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${route} ${status}`
    let child = this.httpChildren.get(key)
    if (child == null) {
      const labels = { method, route, status: String(status) }
      child = { count: this.httpCount(labels), duration: this.httpDuration.child(labels) }
      this.httpChildren.set(key, child)
    }
    child.count.pending++
    child.duration.observe(seconds)
  }

  async scrape (): Promise<string> {
    return await this.registry.metrics()
  }

  get contentType (): string {
    return this.registry.contentType
  }

  close (): void {
    for (const off of this.unsubscribe.splice(0)) off()
    this.registry.clear()
  }

  private subscribe<E> (channel: diagnostics.Channel, handler: (event: E) => void): void {
    const listener = (message: unknown): void => {
      if (this.own.has((message as { source: object }).source)) handler(message as E)
    }
    channel.subscribe(listener)
    this.unsubscribe.push(() => channel.unsubscribe(listener))
  }

  private inference (e: InferenceEvent): void {
    const key = `${e.model}@${e.version}`
    let child = this.inferChildren.get(key)
    if (child == null) {
      const labels = { model_name: e.model, model_version: String(e.version) }
      child = {
        success: this.inferSuccessCount(labels),
        failure: this.inferFailure.labels(labels),
        rows: this.inferRowsCount(labels),
        duration: this.inferDuration.child(labels),
      }
      this.inferChildren.set(key, child)
    }
    if (!e.ok) { child.failure.inc(); return }
    child.success.pending++
    child.rows.pending += e.rows
    child.duration.observe(e.seconds)
  }

  private proof (e: ProofEvent): void {
    this.proofJobs.inc({ state: e.state, proof_system: e.proof_system, mode: e.mode })
    if (e.seconds == null) return
    if (e.state === 'proving') this.proofWait.observe({ proof_system: e.proof_system, mode: e.mode }, e.seconds)
    if (e.state === 'succeeded') this.proofDuration.observe({ proof_system: e.proof_system, mode: e.mode }, e.seconds)
  }

  private training (e: TrainingEvent): void {
    this.trainingJobs.inc({ state: e.state, recipe: e.recipe })
    if (e.seconds != null && (e.state === 'succeeded' || e.state === 'failed')) {
      this.trainingDuration.observe({ recipe: e.recipe, status: e.state }, e.seconds)
    }
  }

  private circuit (e: CircuitEvent): void {
    this.circuitBuilds.inc({ proof_system: e.proof_system, status: e.state })
    if (e.seconds != null && e.state === 'ready') this.circuitDuration.observe({ proof_system: e.proof_system }, e.seconds)
  }
}
