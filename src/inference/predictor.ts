import * as ort from 'onnxruntime-node'
import { AppError } from '../errors.js'
import type { Registry, VersionMeta } from '../registry/registry.js'
import { createSession } from '../onnx/session.js'
import { SessionCache } from './session-cache.js'
import { inferenceChannel } from '../observability/events.js'

/** Everything about a loaded version that does not change per request, worked out once. */
export interface LoadedModel {
  name: string
  version: number
  session: ort.InferenceSession
  inputName: string
  outputName: string
  width: number
  /** The model's input has a fixed batch dimension of 1 (e.g. a PyTorch export with a [1, 10] input). */
  fixedBatchOfOne: boolean
  /** Feature name to input column, for named instances. */
  featureIndex: Map<string, number> | null
  threshold: number
  /** Rows of different requests may share one session.run: checked once at load (see rowsAreIndependent). */
  coalesce: boolean
  /** Rows waiting for the next coalesced session.run (see Predictor.predict). */
  pending: PendingRun[]
}

interface PendingRun {
  /** Row-major values, exactly rows * width of them (float64 values are rounded to float32 when joined). */
  values: Float32Array | Float64Array
  rows: number
  /** performance.now() when the request arrived, for the inference event (0 without observers). */
  started: number
  resolve: (probabilities: Float32Array) => void
  reject: (err: unknown) => void
}

/**
 * Most rows joined into one session.run. Bounds the latency a large batch adds to the small
 * requests that share its run; a single request bigger than this still runs alone.
 */
export const MAX_COALESCED_ROWS = 1024

/** Picks the probability output: one named 'probability' if there is one, else the first. */
export function probabilityOutput (meta: Pick<VersionMeta, 'outputs'>): string {
  return meta.outputs.find((o) => o.name === 'probability')?.name ?? meta.outputs[0].name
}

export class Predictor {
  private readonly cache: SessionCache<LoadedModel>

  constructor (private readonly registry: Registry, capacity: number) {
    this.cache = new SessionCache(capacity)
    registry.onDelete((name, version) => this.cache.release(`${name}@${version}`))
  }

  async load (meta: VersionMeta): Promise<LoadedModel> {
    return await this.cache.get(`${meta.name}@${meta.version}`, async () => {
      const session = await createSession(await this.registry.readOnnx(meta))
      const input = meta.inputs[0]
      const loaded: LoadedModel = {
        name: meta.name,
        version: meta.version,
        session,
        inputName: input.name,
        outputName: probabilityOutput(meta),
        width: input.shape[input.shape.length - 1],
        fixedBatchOfOne: input.shape.length === 2 && input.shape[0] === 1,
        featureIndex: meta.features == null ? null : new Map(meta.features.map((f, i) => [f, i])),
        threshold: meta.threshold,
        coalesce: false,
        pending: [],
      }
      loaded.coalesce = !loaded.fixedBatchOfOne && await this.rowsAreIndependent(loaded)
      return loaded
    })
  }

  /**
   * Whether running rows together gives, bit for bit, what running each alone gives. True of the
   * MLPs this service trains and of any per-row network, but a graph could mix rows (a reduction
   * over the batch axis), or a kernel could sum in another order for more rows: one probe at load
   * decides, and a model that fails it is simply never coalesced.
   */
  private async rowsAreIndependent (model: LoadedModel): Promise<boolean> {
    const rows = 5
    const values = new Float32Array(rows * model.width)
    for (let i = 0; i < values.length; i++) values[i] = ((i * 7919) % 101) / 10 - 3 + (i % model.width) * 1e3
    try {
      const together = await this.run(model, values, rows)
      for (let r = 0; r < rows; r++) {
        const alone = await this.run(model, values.subarray(r * model.width, (r + 1) * model.width), 1)
        if (!Object.is(alone[0], together[r])) return false
      }
      return true
    } catch {
      return false
    }
  }

  /** The loaded version, if it is loaded already: the hot path of /predict takes it without a promise. */
  loaded (meta: Pick<VersionMeta, 'name' | 'version'>): LoadedModel | undefined {
    return this.cache.ready(`${meta.name}@${meta.version}`)
  }

  /**
   * Probabilities for `rows` row-major values of `width` columns (float64 values are rounded to the
   * model's float32 input, as `new Float32Array(values)` rounds them).
   *
   * Requests that arrive in the same event-loop turn share one session.run: for a model of a few
   * hundred weights the fixed cost of a run (~15 µs) dwarfs the arithmetic (32 rows cost about
   * what 2 cost), and profiles of /predict under load showed that cost as the largest share of the
   * main thread after the socket writes. The rows of an MLP are computed independently, so every
   * row's probability is bit-for-bit what a run of its own gives (test/inference-coalesce.test.ts
   * checks it; a probe at load keeps any other model out). A model whose input has a fixed batch of 1
   * is run once per row instead.
   *
   * A request on the coalesced path costs one promise and one pending entry, no async function and no
   * typed array of its own: it is the path of every /predict, and each allocation there showed in its
   * profile (BENCHMARKS.md, "Prediction without proof", 2026-12-03).
   */
  predict (model: LoadedModel, values: Float32Array | Float64Array, rows: number): Promise<Float32Array> {
    if (model.coalesce) {
      return new Promise<Float32Array>((resolve, reject) => {
        const started = inferenceChannel.hasSubscribers ? performance.now() : 0
        if (model.pending.push({ values, rows, started, resolve, reject }) === 1) setImmediate(() => { void this.flush(model) })
      })
    }
    const started = performance.now()
    const run = model.fixedBatchOfOne && rows > 1 ? this.perRow(model, values, rows) : this.run(model, values, rows)
    // Observers (metrics) only: without subscribers this is one property read.
    if (!inferenceChannel.hasSubscribers) return run
    return run.then((out) => {
      this.publish(model, rows, started, true)
      return out
    }, (err: unknown) => {
      this.publish(model, rows, started, false)
      throw err
    })
  }

  private publish (model: LoadedModel, rows: number, started: number, ok: boolean): void {
    const seconds = (performance.now() - started) / 1000
    inferenceChannel.publish({ source: this, model: model.name, version: model.version, rows, seconds, ok })
  }

  /** Runs what is pending for a model, in runs of at most MAX_COALESCED_ROWS rows (one run per request beyond). */
  private async flush (model: LoadedModel): Promise<void> {
    const pending = model.pending.splice(0)
    const width = model.width
    for (let start = 0; start < pending.length;) {
      let end = start + 1
      let rows = pending[start].rows
      while (end < pending.length && rows + pending[end].rows <= MAX_COALESCED_ROWS) rows += pending[end++].rows
      const first = start
      start = end
      let ok = true
      try {
        if (end - first === 1) {
          pending[first].resolve(await this.run(model, pending[first].values, rows))
          continue
        }
        const joined = new Float32Array(rows * width)
        for (let i = first, offset = 0; i < end; i++) { joined.set(pending[i].values, offset); offset += pending[i].rows * width }
        const out = await this.run(model, joined, rows)
        // Views of the one output, not copies: each request reads its own rows.
        for (let i = first, row = 0; i < end; i++) { pending[i].resolve(out.subarray(row, row + pending[i].rows)); row += pending[i].rows }
      } catch (err) {
        ok = false
        for (let i = first; i < end; i++) pending[i].reject(err)
      } finally {
        if (inferenceChannel.hasSubscribers) {
          for (let i = first; i < end; i++) this.publish(model, pending[i].rows, pending[i].started, ok)
        }
      }
    }
  }

  private async perRow (model: LoadedModel, values: Float32Array | Float64Array, rows: number): Promise<Float32Array> {
    const out = new Float32Array(rows)
    for (let r = 0; r < rows; r++) {
      out[r] = (await this.run(model, values.subarray(r * model.width, (r + 1) * model.width), 1))[0]
    }
    return out
  }

  close (): void {
    this.cache.releaseAll()
  }

  /**
   * The named outputs of the session for `rows` rows, in one run (Open Inference Protocol v2 `outputs`): the probability
   * output as predict() serves it (one positive-class column), any other as the model computes it. Not coalesced.
   */
  async outputs (model: LoadedModel, input: Float32Array | Float64Array, rows: number, names: string[]): Promise<NamedOutput[]> {
    const values = input instanceof Float32Array ? input : new Float32Array(input)
    const runs: Array<{ rows: number, result: ort.InferenceSession.OnnxValueMapType }> = []
    const unique = [...new Set(names)]
    if (model.fixedBatchOfOne) {
      for (let r = 0; r < rows; r++) {
        const row = values.subarray(r * model.width, (r + 1) * model.width)
        const feeds = { [model.inputName]: new ort.Tensor('float32', row, [1, model.width]) }
        runs.push({ rows: 1, result: await model.session.run(feeds, unique) })
      }
    } else {
      const feeds = { [model.inputName]: new ort.Tensor('float32', values, [rows, model.width]) }
      runs.push({ rows, result: await model.session.run(feeds, unique) })
    }
    return names.map((name) => {
      if (name === model.outputName) {
        const data = runs.length === 1
          ? probabilitiesOf(model, runs[0].result[name], rows)
          : Float32Array.from(runs.flatMap((run) => Array.from(probabilitiesOf(model, run.result[name], 1))))
        return { name, shape: [rows, 1], datatype: 'FP32', data: Array.from(data) }
      }
      const first = runs[0].result[name]
      if (first.type === 'string') {
        throw new AppError(422, 'unsupported_model', `model output '${name}' holds strings; only numeric outputs are served`)
      }
      const data = runs.flatMap((run) => Array.from(run.result[name].data as ArrayLike<number | bigint>, Number))
      const shape = runs.length === 1 ? [...first.dims] : [rows, ...first.dims.slice(1)]
      return { name, shape, datatype: V2_DATATYPES[first.type] ?? first.type.toUpperCase(), data }
    })
  }

  private async run (model: LoadedModel, values: Float32Array | Float64Array, rows: number): Promise<Float32Array> {
    const input = values instanceof Float32Array ? values : new Float32Array(values)
    const feeds = { [model.inputName]: new ort.Tensor('float32', input, [rows, model.width]) }
    const result = await model.session.run(feeds, [model.outputName])
    return probabilitiesOf(model, result[model.outputName], rows)
  }
}

/** An output tensor in Open Inference Protocol v2 terms. */
export interface NamedOutput { name: string, shape: number[], datatype: string, data: number[] }

/** onnxruntime's tensor types as Open Inference Protocol v2 datatypes. */
const V2_DATATYPES: Record<string, string> = {
  float32: 'FP32',
  float64: 'FP64',
  float16: 'FP16',
  int8: 'INT8',
  int16: 'INT16',
  int32: 'INT32',
  int64: 'INT64',
  uint8: 'UINT8',
  uint16: 'UINT16',
  uint32: 'UINT32',
  uint64: 'UINT64',
  bool: 'BOOL',
}

/** The positive-class probability per row of the probability output: one column as is, two read as [p(negative), p(positive)]. */
function probabilitiesOf (model: LoadedModel, out: ort.Tensor, rows: number): Float32Array {
  const data = out.data as Float32Array
  const perRow = data.length / rows
  if (perRow === 1) return data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>)
  if (perRow === 2) {
    const positive = new Float32Array(rows)
    for (let r = 0; r < rows; r++) positive[r] = Number(data[r * 2 + 1])
    return positive
  }
  throw new AppError(422, 'unsupported_model',
    `model output '${model.outputName}' has ${perRow} values per row; expected 1 (a probability) or 2 (class probabilities)`)
}
