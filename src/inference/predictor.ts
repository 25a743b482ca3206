import * as ort from 'onnxruntime-node'
import { AppError } from '../errors.js'
import type { Registry, VersionMeta } from '../registry/registry.js'
import { createSession, SessionCache } from './session-cache.js'

/** Everything about a loaded version that does not change per request, worked out once. */
export interface LoadedModel {
  session: ort.InferenceSession
  inputName: string
  outputName: string
  width: number
  /** The model's input has a fixed batch dimension of 1 (e.g. a PyTorch export with a [1, 10] input). */
  fixedBatchOfOne: boolean
  /** Feature name to input column, for named instances. */
  featureIndex: Map<string, number> | null
  threshold: number
}

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
      return {
        session,
        inputName: input.name,
        outputName: probabilityOutput(meta),
        width: input.shape[input.shape.length - 1],
        fixedBatchOfOne: input.shape.length === 2 && input.shape[0] === 1,
        featureIndex: meta.features == null ? null : new Map(meta.features.map((f, i) => [f, i])),
        threshold: meta.threshold,
      }
    })
  }

  /**
   * Probabilities for `rows` row-major values of `width` columns. A model whose input has a fixed
   * batch of 1 is run once per row (exact, and for a model this small still microseconds a row).
   */
  async predict (model: LoadedModel, values: Float32Array, rows: number): Promise<Float32Array> {
    if (!model.fixedBatchOfOne || rows === 1) return await this.run(model, values, rows)
    const out = new Float32Array(rows)
    for (let r = 0; r < rows; r++) {
      out[r] = (await this.run(model, values.subarray(r * model.width, (r + 1) * model.width), 1))[0]
    }
    return out
  }

  close (): void {
    this.cache.releaseAll()
  }

  private async run (model: LoadedModel, values: Float32Array, rows: number): Promise<Float32Array> {
    const feeds = { [model.inputName]: new ort.Tensor('float32', values, [rows, model.width]) }
    const result = await model.session.run(feeds, [model.outputName])
    const out = result[model.outputName]
    const data = out.data as Float32Array
    const perRow = data.length / rows
    if (perRow === 1) return data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>)
    if (perRow === 2) {
      // A two-column output is read as [p(negative), p(positive)].
      const positive = new Float32Array(rows)
      for (let r = 0; r < rows; r++) positive[r] = Number(data[r * 2 + 1])
      return positive
    }
    throw new AppError(422, 'unsupported_model', `model output '${model.outputName}' has ${perRow} values per row; expected 1 (a probability) or 2 (class probabilities)`)
  }
}
