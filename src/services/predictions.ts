import type { Static } from 'typebox'
import { AppError } from '../errors.js'
import type { PredictRequestBody, PredictResponse } from '../schemas/index.js'
import type { CircuitState, Registry, VersionMeta } from '../registry/registry.js'
import { arrowToTensor, instancesToTensor, type ModelInput } from '../inference/instances.js'
import type { LoadedModel, NamedOutput, Predictor } from '../inference/predictor.js'
import { notProvableMessage } from '../jobs/circuit-builds.js'
import { firstDomainViolation } from '../features/domain.js'
import { namedInputs, type ProofJobs } from '../jobs/proof-jobs.js'
import { PtauTooSmallError } from '../proofs/batch-sizes.js'

export type PredictOutcome = Static<typeof PredictResponse>

/** An Open Inference Protocol v2 input tensor (routes/v2.ts's schema). */
export interface TensorInput {
  name: string
  shape: number[]
  datatype: string
  data: Array<number | number[]>
}

export interface TensorOutcome {
  meta: VersionMeta
  outputs: NamedOutput[]
}

export interface PredictionsDeps {
  registry: Registry
  predictor: Predictor
  proofs: ProofJobs
  /** Most instances in one request (MAX_BATCH). */
  maxBatch: number
  /** Most instances of one request that get a proof (MAX_PROOFS_PER_REQUEST). */
  maxProofs: number
}

/** Predictions: resolve the version, load it, check the input, run it, queue a proof per row. */
export class Predictions {
  constructor (private readonly deps: PredictionsDeps) {}

  /**
   * JSON rows (positional or named). /predict's hot path: with the version loaded, nothing waits
   * before the model's run (one promise per request, BENCHMARKS.md "Prediction without proof").
   */
  predictRows (body: PredictRequestBody): Promise<PredictOutcome> {
    try {
      checkBatch(body.instances.length, this.deps.maxBatch)
      const meta = this.deps.registry.resolve(body.model, body.version ?? 'latest')
      const loaded = this.deps.predictor.loaded(meta)
      if (loaded != null) return this.predictInput(meta, loaded, instancesToTensor(body.instances, loaded), body.proof)
      return this.deps.predictor.load(meta)
        .then((model) => this.predictInput(meta, model, instancesToTensor(body.instances, model), body.proof))
    } catch (err) {
      return Promise.reject(err)
    }
  }

  /** An Arrow IPC stream with one column per feature. */
  async predictArrow (query: { model?: string, version?: string, proof?: ProofAsked }, body: Uint8Array): Promise<PredictOutcome> {
    if (query.model == null) {
      throw new AppError(400, 'validation_error', 'querystring must have required property \'model\' for an Arrow body',
        { field: 'querystring/model' })
    }
    const meta = this.deps.registry.resolve(query.model, query.version ?? 'latest')
    const loaded = await this.deps.predictor.load(meta)
    return await this.predictInput(meta, loaded, await arrowToTensor(body, loaded, this.deps.maxBatch), query.proof)
  }

  /**
   * Open Inference Protocol v2: one FP32/FP64 tensor of shape [rows, width] (or [width]); no proof. `outputs` names the
   * output tensors wanted (the protocol's `outputs[].name`), in order; without it every output of the model, as the protocol says.
   */
  async infer (name: string, version: string | undefined, input: TensorInput, outputs?: string[]): Promise<TensorOutcome> {
    const meta = this.deps.registry.resolve(name, version ?? 'latest')
    const loaded = await this.deps.predictor.load(meta)
    const available = loaded.session.outputNames
    const unknown = (outputs ?? []).findIndex((o) => !available.includes(o))
    if (unknown >= 0) {
      throw new AppError(400, 'invalid_output',
        `outputs[${unknown}].name '${(outputs ?? [])[unknown].slice(0, 80)}' is not an output of model '${meta.name}' version ` +
        `${meta.version}: it has ${available.join(', ')}`, { field: `outputs[${unknown}].name` })
    }
    if (input.name !== loaded.inputName) {
      throw new AppError(400, 'invalid_input',
        `inputs[0].name is '${input.name.slice(0, 80)}'; the model's input is '${loaded.inputName}'`, { field: 'inputs[0].name' })
    }
    if (input.datatype !== 'FP32' && input.datatype !== 'FP64') {
      throw new AppError(400, 'invalid_input', `inputs[0].datatype ${input.datatype.slice(0, 16)} is not supported: send FP32`,
        { field: 'inputs[0].datatype' })
    }
    const flat = input.data.flat()
    const width = loaded.width
    const rows = input.shape.length === 1 ? 1 : input.shape[0]
    const shapeWidth = input.shape[input.shape.length - 1]
    if (shapeWidth !== width || input.shape.length > 2) {
      throw new AppError(400, 'invalid_input', `inputs[0].shape [${input.shape.join(', ')}] does not fit the model's input [-1, ${width}]`,
        { field: 'inputs[0].shape' })
    }
    if (flat.length !== rows * width) {
      throw new AppError(400, 'invalid_input',
        `inputs[0].data has ${flat.length} values; shape [${input.shape.join(', ')}] needs ${rows * width}`, { field: 'inputs[0].data' })
    }
    checkBatch(rows, this.deps.maxBatch)
    const instances = Array.from({ length: rows }, (_, r) => flat.slice(r * width, (r + 1) * width))
    const tensor = instancesToTensor(instances, loaded)
    checkDomains(tensor, meta.features, (row) => `inputs[0].data row ${row}`)
    const wanted = outputs == null || outputs.length === 0 ? [...available] : outputs
    if (wanted.length === 1 && wanted[0] === loaded.outputName) {
      // The probability alone: the coalesced path /predict uses.
      const probabilities = await this.deps.predictor.predict(loaded, tensor.exact, tensor.rows)
      return { meta, outputs: [{ name: loaded.outputName, shape: [rows, 1], datatype: 'FP32', data: Array.from(probabilities) }] }
    }
    return { meta, outputs: await this.deps.predictor.outputs(loaded, tensor.exact, tensor.rows, wanted) }
  }

  /**
   * Checks the values' domains, runs the model and, when asked (or by default for provable versions), queues proofs.
   * Without proofs it is one `then` on the model's run.
   */
  private predictInput (meta: VersionMeta, loaded: LoadedModel, input: ModelInput, proof: ProofAsked | undefined): Promise<PredictOutcome> {
    checkDomains(input, meta.features, instancesRow)
    // The circuit's state is read once, here, and the proof paths below act on this one reading.
    const circuit = proof === false ? null : this.deps.registry.circuit(meta)
    if (circuit == null || (proof == null && !isProvable(circuit))) {
      return this.deps.predictor.predict(loaded, input.exact, input.rows).then((probabilities) => outcomeOf(meta, loaded, probabilities))
    }
    return this.withProofs(meta, loaded, input, proof, circuit)
  }

  /**
   * Runs the model on already-checked input, then queues one proof per row (predictInput has decided that proofs are
   * asked, or due by default for a provable version). The prediction never waits for a proof.
   */
  private async withProofs (meta: VersionMeta, loaded: LoadedModel, input: ModelInput,
    proof: ProofAsked | undefined, circuit: CircuitState): Promise<PredictOutcome> {
    const { predictor, proofs, maxProofs: limit } = this.deps
    const outcome = outcomeOf(meta, loaded, await predictor.predict(loaded, input.exact, input.rows))
    if (!isProvable(circuit)) {
      throw new AppError(422, 'not_provable', `${notProvableMessage(meta, circuit.error)}; ask without proof`,
        { field: 'proof' })
    }
    if (proof === 'batch') return await this.withBatchProof(meta, input, outcome, loaded.width, circuit)
    if (input.rows > limit) {
      if (proof === true) {
        throw new AppError(400, 'too_many_proofs',
          `${input.rows} rows ask for proofs; at most ${limit} proofs per request (MAX_PROOFS_PER_REQUEST): split the batch or set ` +
            'proof to false',
          { field: 'instances' })
      }
      outcome.proof_error = `no proofs: ${input.rows} rows exceed the ${limit} proofs allowed per request; send fewer rows with proof true`
      return outcome
    }
    const width = loaded.width
    const rows = Array.from({ length: input.rows }, (_, r) => Array.from(input.exact.subarray(r * width, (r + 1) * width)))
    // A row outside the circuit's ranges would fail minutes later in the prover: it gets its prediction and no job.
    const unprovable = rows.map((row) => outOfRange(row, circuit.input_ranges))
    await proofs.ensureRoom(unprovable.filter((reason) => reason == null).length)
    for (const [r, row] of rows.entries()) {
      const prediction = outcome.predictions[r]
      const reason = unprovable[r]
      if (reason != null) {
        prediction.proof = { status: 'unprovable', reason: `row ${r}: ${reason}` }
        continue
      }
      const served = { probability: prediction.probability, label: prediction.label }
      const job = await proofs.create(meta, row, served)
      prediction.proof = { id: job.id, status: 'queued', href: `/proofs/${job.id}` }
    }
    return outcome
  }

  /**
   * `proof: "batch"` (issue 15): one proof for every provable row, queued as one job that weighs its row
   * count against the queue limit. Rows outside the circuit's ranges are marked unprovable (as with
   * `proof: true`) and left out of the batch, so one bad row does not cost the others their proof; each
   * proven prediction names its `row` in the batch.
   */
  private async withBatchProof (meta: VersionMeta, input: ModelInput, outcome: PredictOutcome, width: number,
    circuit: CircuitState): Promise<PredictOutcome> {
    const { registry, proofs } = this.deps
    const batches = proofs.batches
    if (batches == null) throw new AppError(422, 'not_provable', 'batch proofs are not available in this service', { field: 'proof' })
    const max = batches.maxRows
    if (input.rows > max) {
      throw new AppError(400, 'batch_proof_too_large',
        `${input.rows} rows ask for one batch proof; at most ${max} rows per batch proof (MAX_BATCH_PROOF): split the request`,
        { field: 'instances' })
    }
    const rows = Array.from({ length: input.rows }, (_, r) => Array.from(input.exact.subarray(r * width, (r + 1) * width)))
    const provable: number[] = []
    // A private version publishes no input ranges (they would reveal its scaler): its own parameters say which rows it can prove
    const privates = meta.circuit_id != null ? proofs.privates : undefined
    const privateReasons = privates != null ? await privates.unprovableRows(registry.versionDir(meta.name, meta.version), rows) : null
    for (const [r, row] of rows.entries()) {
      const privateReason = privateReasons?.[r]
      const reason = privateReasons != null
        ? (privateReason != null ? namedInputs(privateReason, meta.features) : null)
        : outOfRange(row, circuit.input_ranges)
      if (reason == null) provable.push(r)
      else outcome.predictions[r].proof = { status: 'unprovable', reason: `row ${r}: ${reason}` }
    }
    if (provable.length === 0) return outcome
    const size = batches.sizeFor(provable.length) as number
    try {
      // A private batch's circuit size is known once compiled: a powers of tau too small fails its proof job, naming the power
      if (privates == null) await batches.checkPtau(meta, size)
    } catch (err) {
      if (err instanceof PtauTooSmallError) throw new AppError(503, 'ptau_too_small', err.message, { field: 'proof' })
      throw err
    }
    await proofs.ensureRoom(provable.length)
    const job = await proofs.createBatch(meta, size, provable.map((r) => ({
      inputs: rows[r],
      served: { probability: outcome.predictions[r].probability, label: outcome.predictions[r].label },
    })))
    provable.forEach((r, row) => { outcome.predictions[r].proof = { id: job.id, status: 'queued', href: `/proofs/${job.id}`, row } })
    return outcome
  }
}

/** How a row of /predict's instances is named in an error. */
function instancesRow (row: number): string {
  return `instances[${row}]`
}

/** A version's circuit can prove (or will once built): not failed, not unsupported. */
function isProvable (circuit: CircuitState): boolean {
  return circuit.status !== 'failed' && circuit.status !== 'unsupported'
}

/** The answer for a run's probabilities, labelled at the version's threshold. */
function outcomeOf (meta: VersionMeta, loaded: LoadedModel, probabilities: Float32Array): PredictOutcome {
  const predictions: PredictOutcome['predictions'] = new Array(probabilities.length)
  for (let r = 0; r < probabilities.length; r++) {
    const p = probabilities[r]
    predictions[r] = { probability: p, label: p >= loaded.threshold ? 1 : 0 }
  }
  return { model: meta.name, version: meta.version, threshold: loaded.threshold, predictions }
}

/** `proof` of a request: a proof per row (true), none (false), one for all rows ("batch"). */
export type ProofAsked = boolean | 'batch'

/** 400 for the first value a named feature cannot take (a price <= 0, a negative volume or volatility), naming row and feature. */
function checkDomains (input: ModelInput, features: string[] | null, rowName: (row: number) => string): void {
  if (features == null) return
  const found = firstDomainViolation(features, input.exact, input.rows)
  if (found != null) {
    throw new AppError(400, 'invalid_instance', `${rowName(found.row)}.${found.feature}: ${found.violation}`,
      { row: found.row, field: found.feature })
  }
}

/** Why a row cannot be proven (the first feature outside its range), or null. Ranges are known once the circuit is built. */
export function outOfRange (row: readonly number[], ranges: ReadonlyArray<{ feature: string, min: number, max: number }> | undefined):
string | null {
  if (ranges == null) return null
  for (const [i, range] of ranges.entries()) {
    const x = row[i]
    if (!(x >= range.min && x < range.max)) {
      return `${range.feature} = ${x} is outside the range the circuit can prove, [${range.min}, ${range.max})`
    }
  }
  return null
}

export function checkBatch (rows: number, max: number): void {
  if (rows > max) {
    throw new AppError(400, 'batch_too_large', `${rows} instances; at most ${max} per request (MAX_BATCH)`,
      { field: 'instances' })
  }
}
