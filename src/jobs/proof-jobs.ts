import path from 'node:path'
import type { FastifyBaseLogger } from 'fastify'
import { AppError } from '../errors.js'
import type { Registry, VersionMeta } from '../registry/registry.js'
import type { CircuitBuilds } from './circuit-builds.js'
import type { ProofEngine } from './proof-engine.js'
import { WorkQueue } from './work-queue.js'
import { InFlight } from './in-flight.js'
import { SpanStatusCode, type Span } from '@opentelemetry/api'
import { publishProof, type ProofEvent } from '../observability/events.js'
import { inJobSpan, traceCarrier } from '../observability/tracing.js'
import { newTimeId } from './queues/ids.js'
import type { ProofStore } from './queues/proof-store.js'
import type { ProofRecord } from './proof-record.js'
import type { BatchCircuits } from './batch-circuits.js'
import type { PrivateModels } from './private-models.js'
import type { DecodedBatchRow } from '../proofs/batch-layout.js'

export type { ProofRecord } from './proof-record.js'

/**
 * Where a queued proof goes: the in-process queue (embedded) or a BullMQ queue (REDIS_URL).
 * `recordFirst`: the embedded queue runs a task at once, so the record must exist before; a BullMQ
 * job is added before its record instead, so that a process killed in between leaves a job that
 * recreates its record from the job's data, never a record that no job will ever prove.
 */
export interface ProofDispatch {
  readonly recordFirst: boolean
  /** The `mode` label of the proof metrics: 'embedded' or 'bullmq'. */
  readonly mode: string
  ensureRoom: (count: number) => Promise<void>
  enqueue: (record: ProofRecord) => Promise<void>
  /** The proofs waiting in the queue (BullMQ: its waiting and delayed jobs); undefined: the store's unfinished ids are used. */
  waiting?: () => Promise<Array<{ id: string, record?: ProofRecord }>>
  /** Takes cancelled proofs out of the queue (a worker that picks one up anyway finds it failed and does nothing). */
  drop?: (ids: string[]) => Promise<void>
  close: () => Promise<void>
}

/** A failure that no retry can fix (a deleted model, an input outside the circuit's range): BullMQ's UnrecoverableError. */
export class PermanentProofError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'PermanentProofError'
  }
}

/** In-process dispatch (the embedded default): a bounded WorkQueue feeding the prover pool. */
export class LocalProofDispatch implements ProofDispatch {
  readonly recordFirst = true
  readonly mode = 'embedded'
  /** Public for the metrics' queue depth (a QueueDepthSource). */
  readonly queue: WorkQueue
  run: (id: string) => Promise<void> = async () => {}

  constructor (concurrency: number, limit: number) {
    this.queue = new WorkQueue('proof', concurrency, limit)
  }

  async ensureRoom (count: number): Promise<void> { this.queue.ensureRoom(count) }

  async enqueue (record: ProofRecord): Promise<void> {
    // A batch weighs its row count against PROOF_QUEUE_LIMIT (issue 15)
    this.queue.push(async () => await this.run(record.id), record.batch?.rows.length ?? 1)
  }

  async close (): Promise<void> {}
}

/**
 * Proofs of predictions: created queued by /predict and proven off the event loop (the prover
 * pool's threads), in this process (embedded) or in worker processes (BullMQ). Records live in a
 * ProofStore (files or Redis), read on demand: nothing is held per stored proof.
 */
export class ProofJobs {
  private readonly vkCache = new Map<string, unknown>()
  private closing = false
  /** Embedded mode: the proofs this process is making, awaited by settled() at shutdown. */
  private readonly inFlight = new InFlight()
  private privateModels: PrivateModels | undefined

  constructor (
    private readonly registry: Registry,
    private readonly engine: ProofEngine,
    private readonly circuits: CircuitBuilds,
    readonly store: ProofStore,
    private readonly dispatch: ProofDispatch,
    private readonly log: FastifyBaseLogger,
    /** Issue 15: the batch circuits (`proof: "batch"`); without them batch records fail. */
    readonly batches?: BatchCircuits
  ) {
    if (dispatch instanceof LocalProofDispatch) dispatch.run = async (id) => await this.runLocal(id)
    registry.onDelete((name, version) => this.vkCache.delete(`${name}@${version}`))
  }

  /** Private versions (issue 14): proven and verified with their architecture's circuit and their commitment. */
  usePrivate (privateModels: PrivateModels): void {
    this.privateModels = privateModels
  }

  /** The private models' circuits (batch verification and contracts of private versions), when this service has them. */
  get privates (): PrivateModels | undefined {
    return this.privateModels
  }

  /** Embedded mode after a restart: the proofs that were queued or proving run again, oldest first. */
  resume (ids: string[]): void {
    for (const id of ids) void this.dispatch.enqueue({ id } as ProofRecord)
  }

  /**
   * Loads the circuits of the served versions (each model's latest and its aliases, public circuits that are built)
   * into every prover thread, at most `limit` of them: a worker process does this before it takes jobs, so that no
   * user's proof pays for loading its circuit (a cold first proof of the 10-32-16-1 net: BENCHMARKS.md, "Scale-out").
   * A circuit that cannot be loaded is logged and left to its first proof, which reports it.
   */
  async warmServed (limit: number): Promise<number> {
    const served = new Map<string, VersionMeta>()
    for (const model of this.registry.listModels()) {
      for (const selector of ['latest', ...Object.keys(model.aliases)]) {
        try {
          const meta = this.registry.resolve(model.name, selector)
          if (meta.circuit_id == null && this.registry.circuit(meta).status === 'ready') served.set(this.registry.circuitDir(meta), meta)
        } catch {} // damaged or deleted: nothing to warm
      }
    }
    let warmed = 0
    for (const [dir, meta] of [...served].slice(0, limit)) {
      try {
        await this.engine.warm(dir)
        warmed++
      } catch (err) {
        this.log.warn({ model: meta.name, version: meta.version, err: (err as Error).message },
          'a served circuit could not be loaded ahead of its proofs')
      }
    }
    return warmed
  }

  async get (id: string): Promise<ProofRecord> {
    const job = await this.store.get(id)
    if (job === 'expired') {
      throw new AppError(404, 'proof_expired', `proof '${id.slice(0, 80)}' has expired: records are kept for PROOF_RETENTION ` +
        'after they were asked for (a downloaded bundle stays verifiable offline)', { field: 'id' })
    }
    if (job == null) throw new AppError(404, 'proof_not_found', `proof '${id.slice(0, 80)}' does not exist`, { field: 'id' })
    return job
  }

  async ensureRoom (count: number): Promise<void> {
    await this.dispatch.ensureRoom(count)
  }

  async create (meta: VersionMeta, inputs: number[], served: { probability: number, label: number }): Promise<ProofRecord> {
    const trace = traceCarrier()
    const job: ProofRecord = {
      id: newTimeId(),
      status: 'queued',
      created: new Date().toISOString(),
      model: meta.name,
      version: meta.version,
      proof_system: meta.proof_system,
      inputs,
      served,
      ...(meta.commitment != null ? { commitment: meta.commitment, circuit_id: meta.circuit_id } : {}),
      ...(trace != null ? { trace } : {}),
    }
    return await this.storeAndDispatch(job)
  }

  /**
   * One proof for `rows` (issue 15): a batch record, proven by the batch circuit of `size` rows (padded).
   * It goes through the same dispatch as single proofs and weighs its row count against the queue limit.
   */
  async createBatch (meta: VersionMeta, size: number, rows: Array<{ inputs: number[], served: { probability: number, label: number } }>):
  Promise<ProofRecord> {
    const trace = traceCarrier()
    const job: ProofRecord = {
      id: newTimeId(),
      status: 'queued',
      created: new Date().toISOString(),
      model: meta.name,
      version: meta.version,
      proof_system: 'groth16', // batch circuits are Groth16 only (src/proofs/batch-setup.ts)
      inputs: [],
      batch: { size, rows: rows.map((r, row) => ({ row, inputs: r.inputs, served: r.served })) },
      // a private version's batch (src/proofs/private/batch-circuit.ts): public signal 0 is this commitment
      ...(meta.commitment != null ? { commitment: meta.commitment, circuit_id: meta.circuit_id } : {}),
      ...(trace != null ? { trace } : {}),
    }
    return await this.storeAndDispatch(job)
  }

  /** Stores and dispatches a new record, in the order the dispatch needs (see `recordFirst`). */
  private async storeAndDispatch (job: ProofRecord): Promise<ProofRecord> {
    if (this.dispatch.recordFirst) await this.store.create(job)
    await this.dispatch.enqueue(job)
    if (!this.dispatch.recordFirst) await this.store.create(job)
    publishProof({ source: this, state: 'queued', proof_system: job.proof_system, mode: this.dispatch.mode })
    return job
  }

  async verificationKey (meta: VersionMeta): Promise<unknown> {
    const key = `${meta.name}@${meta.version}`
    const cached = this.vkCache.get(key)
    if (cached != null) return cached
    const state = this.registry.circuit(meta)
    if (state.status !== 'ready') {
      throw new AppError(state.status === 'failed' || state.status === 'unsupported' ? 422 : 409, 'circuit_not_ready',
        `model '${meta.name}' version ${meta.version} has no verification key: its circuit is ` +
        `${state.status}${state.error != null ? ` (${state.error})` : ''}`)
    }
    // A private version's key is its architecture's (kept by PrivateModels, which a ceremony may replace): not cached here.
    if (meta.circuit_id != null && this.privateModels != null) return await this.privateModels.verificationKey(meta.circuit_id)
    // A key that does not parse is the service's damaged file (500 storage_damaged, the version marked damaged), never a 400.
    const vk = await this.registry.readVersionJson<unknown>(meta, path.join(this.registry.circuitDir(meta), 'verification_key.json'))
    this.vkCache.set(key, vk)
    return vk
  }

  async verify (meta: VersionMeta, publicSignals: string[], proof: unknown):
  Promise<{ verified: boolean, verification_ms: number, reason?: string }> {
    const vk = await this.verificationKey(meta)
    if (meta.circuit_id != null && this.privateModels != null) return await this.privateModels.verify(meta, publicSignals, proof)
    const started = performance.now()
    const verified = await this.engine.verify(meta.proof_system, vk, publicSignals, proof).catch(() => false)
    return { verified, verification_ms: performance.now() - started }
  }

  /**
   * Fails the queued proofs of a deleted version with `reason` (the version's tombstone is written already, so a
   * proof that starts meanwhile fails with the same reason); proofs being made are left to finish (their version's
   * tombstone verifies them). Returns how many it failed.
   */
  async cancelVersion (name: string, version: number, reason: string): Promise<number> {
    const candidates = this.dispatch.waiting != null
      ? await this.dispatch.waiting()
      : (await this.store.unfinished?.() ?? []).map((id) => ({ id, record: undefined }))
    const cancelled: string[] = []
    for (const candidate of candidates) {
      const stored = await this.store.get(candidate.id).catch(() => undefined)
      const record = typeof stored === 'object' ? stored : candidate.record
      if (record == null || record.model !== name || record.version !== version || record.status !== 'queued') continue
      const failed: ProofRecord = { ...record, status: 'failed', finished: new Date().toISOString(), error: reason }
      if (await this.store.cancel(failed)) {
        cancelled.push(record.id)
        publishProof({ source: this, state: 'failed', proof_system: record.proof_system, mode: this.dispatch.mode })
      }
    }
    await this.dispatch.drop?.(cancelled)
    if (cancelled.length > 0) this.log.info({ model: name, version, proofs: cancelled.length }, 'queued proofs of a deleted version failed')
    return cancelled.length
  }

  /** From now on, unfinished proofs stay queued for the next start (or another worker) instead of failing. */
  async close (): Promise<void> {
    this.closing = true
    await this.dispatch.close()
  }

  /**
   * After the engine's close (the prover threads gone, so no proof is left running): resolves when the
   * proofs under way in this process have returned, so none writes its record after the app has closed.
   */
  async settled (): Promise<void> {
    await this.inFlight.settled()
  }

  private featuresOf (name: string, version: number): string[] | null {
    try {
      return this.registry.resolveProven(name, version).features
    } catch {
      return null
    }
  }

  /**
   * Proves one record; the one path for both modes. `data` recreates a record its creator did not
   * live to write (BullMQ). 'circuit_pending' when the version's circuit is still being built elsewhere
   * (the BullMQ processor delays the job); throws PermanentProofError for a failure no retry fixes,
   * any other error for a transient one (retried while `finalAttempt` is false, else recorded as failed).
   * Each attempt is a span, child of the request that asked for the proof (its context travels in the record).
   */
  async prove (id: string, options: { data?: ProofRecord, finalAttempt: boolean, waitForCircuit: boolean }):
  Promise<'done' | 'circuit_pending'> {
    const stored = await this.store.get(id)
    if (stored === 'expired') return 'done'
    let job = stored
    if (job == null) {
      if (options.data == null) return 'done'
      job = options.data
      await this.store.create(job)
    }
    if (job.status === 'succeeded' || job.status === 'failed') return 'done'
    const attributes = {
      'zkpredict.proof.id': id,
      'zkpredict.model': job.model,
      'zkpredict.model_version': job.version,
      'zkpredict.proof_system': job.proof_system,
    }
    const record: ProofRecord = job
    return await inJobSpan('proof job', job.trace, attributes, async (span) => await this.proveInSpan(record, options, span))
  }

  private async proveInSpan (record: ProofRecord, options: { finalAttempt: boolean, waitForCircuit: boolean }, span: Span):
  Promise<'done' | 'circuit_pending'> {
    const id = record.id
    let job = record
    const event = { source: this, proof_system: job.proof_system, mode: this.dispatch.mode }
    const fail = async (error: string): Promise<void> => {
      // Already failed (its version's deletion cancelled it): that reason stays.
      const current = await this.store.get(id).catch(() => undefined)
      if (typeof current === 'object' && current.status === 'failed') return
      const message = namedInputs(error, this.featuresOf(record.model, record.version))
      await this.store.save({ ...record, status: 'failed', finished: new Date().toISOString(), error: message })
      publishProof({ ...event, state: 'failed' })
      span.setAttributes({ 'zkpredict.proof.status': 'failed' })
      span.setStatus({ code: SpanStatusCode.ERROR, message })
      this.log.warn({ proof: id, error: message }, 'proof failed')
    }
    let meta: VersionMeta
    try {
      meta = this.registry.resolve(job.model, job.version)
    } catch (err) {
      const message = err instanceof AppError && err.code === 'version_deleted'
        ? `model '${job.model}' version ${job.version} was deleted before this proof was made`
        : (err as Error).message
      await fail(message)
      throw new PermanentProofError(message)
    }
    try {
      if (options.waitForCircuit) {
        await this.circuits.whenReady(meta)
      } else if (this.registry.circuit(meta).status !== 'ready') {
        // Another process builds it and says so over pub/sub; read the file in case that message was missed.
        await this.registry.reloadModel(meta.name)
        const status = this.registry.circuit(meta).status
        if (status === 'pending' || status === 'building') {
          await this.circuits.enqueue(meta)
          span.setAttributes({ 'zkpredict.proof.status': 'circuit_pending' })
          return 'circuit_pending'
        }
        if (status !== 'ready') await this.circuits.whenReady(meta) // throws the not-provable reason
      }
    } catch (err) {
      if (this.closing && !(err instanceof AppError)) throw err // the wait was cut by shutdown: still queued
      await fail((err as Error).message)
      throw new PermanentProofError((err as Error).message)
    }
    job = { ...job, status: 'proving', started: new Date().toISOString() }
    await this.store.save(job)
    publishProof({ ...event, state: 'proving', seconds: (Date.now() - Date.parse(job.created)) / 1000 })
    if (job.batch != null) return await this.proveBatch(job, meta, event, fail, options.finalAttempt, span)
    try {
      const result = meta.circuit_id != null && this.privateModels != null
        ? await this.privateModels.prove(this.registry.versionDir(meta.name, meta.version), meta.circuit_id, job.inputs)
        : await this.engine.prove(this.registry.circuitDir(meta), meta.proof_system, job.inputs)
      const written = await this.store.complete({
        ...job,
        status: 'succeeded',
        finished: new Date().toISOString(),
        public_signals: result.publicSignals,
        proof: result.proof,
        output: result.output,
        prove_ms: result.prove_ms,
      })
      if (!written) this.log.warn({ proof: id }, 'proof already had a result (a stalled job proved twice); the first result is kept')
      else publishProof({ ...event, state: 'succeeded', seconds: result.prove_ms / 1000 })
      span.setAttributes({ 'zkpredict.proof.status': 'succeeded', 'zkpredict.proof.prove_ms': result.prove_ms })
      return 'done'
    } catch (err) {
      // Deleted while being proven (its proving key is gone): say so, not the file error it caused.
      const deleted = await this.registry.deletedNow(job.model, job.version)
      if (deleted != null) {
        await fail(`${deleted} while this proof was being made`)
        throw new PermanentProofError(deleted)
      }
      const message = (err as Error).message
      const permanent = PERMANENT_ERRORS.has((err as Error).name) || (err instanceof AppError && err.statusCode < 500)
      if (this.closing && !permanent) throw err // interrupted by shutdown: queued again
      if (permanent || options.finalAttempt) {
        await fail(message)
        if (permanent) throw new PermanentProofError(namedInputs(message, this.featuresOf(job.model, job.version)))
        throw err
      }
      await this.store.save({ ...job, status: 'queued', error: message, attempts: (job.attempts ?? 0) + 1 })
      throw err
    }
  }

  /** The batch circuit of the record's size (built now if it is the first proof of that size), then one proof of every row. */
  private async proveBatch (
    queued: ProofRecord, meta: VersionMeta, event: Omit<ProofEvent, 'state' | 'seconds'>,
    fail: (error: string) => Promise<void>, finalAttempt: boolean, span: Span
  ): Promise<'done'> {
    const batch = queued.batch as NonNullable<ProofRecord['batch']>
    let job = queued
    try {
      let result: { publicSignals: string[], proof: unknown, prove_ms: number, size: number, rows: DecodedBatchRow[] }
      let vkSha256: string
      if (meta.circuit_id != null && this.privateModels != null) {
        // A private version: the (architecture, size) batch circuit, the version's parameters and salt as private inputs
        const r = await this.privateModels.proveBatch(this.registry.versionDir(meta.name, meta.version), meta.circuit_id, batch.size,
          batch.rows.map((row) => row.inputs))
        result = r
        vkSha256 = r.vk_sha256
      } else {
        if (this.batches == null) throw new PermanentProofError('batch proofs are not available in this process')
        const dir = await this.batches.ensure(meta, batch.size)
        vkSha256 = String((await this.batches.meta(meta, batch.size)).vk_sha256)
        job = { ...job, status: 'proving', started: new Date().toISOString() }
        await this.store.save(job)
        publishProof({ ...event, state: 'proving', seconds: (Date.now() - Date.parse(job.created)) / 1000 })
        result = await this.engine.proveBatch(dir, batch.rows.map((r) => r.inputs))
      }
      const rows = batch.rows.map((r, i) => {
        const out = result.rows[i]
        return { ...r, output: { logit: out.logit, probability: out.probability, label: out.label } }
      })
      const written = await this.store.complete({
        ...job,
        status: 'succeeded',
        finished: new Date().toISOString(),
        public_signals: result.publicSignals,
        proof: result.proof as unknown as Record<string, unknown>,
        prove_ms: result.prove_ms,
        batch: { size: result.size, rows, vk_sha256: vkSha256 },
      })
      if (!written) this.log.warn({ proof: job.id }, 'proof already had a result (a stalled job proved twice); the first result is kept')
      else publishProof({ ...event, state: 'succeeded', seconds: result.prove_ms / 1000 })
      span.setAttributes({
        'zkpredict.proof.status': 'succeeded', 'zkpredict.proof.prove_ms': result.prove_ms, 'zkpredict.proof.rows': rows.length,
      })
      return 'done'
    } catch (err) {
      const message = (err as Error).message
      const permanent = err instanceof PermanentProofError || PERMANENT_ERRORS.has((err as Error).name) ||
        (err instanceof AppError && err.statusCode < 500)
      if (this.closing && !permanent) throw err
      if (permanent || finalAttempt) {
        await fail(message)
        if (permanent) throw new PermanentProofError(namedInputs(message, this.featuresOf(job.model, job.version)))
        throw err
      }
      await this.store.save({ ...job, status: 'queued', error: message, attempts: (job.attempts ?? 0) + 1 })
      throw err
    }
  }

  private async runLocal (id: string): Promise<void> {
    if (this.closing) return
    await this.inFlight.run(async () => await this.prove(id, { finalAttempt: true, waitForCircuit: true })).catch(() => undefined)
  }
}

/** Failures no retry fixes: an input outside the circuit's range, a powers of tau too small for a batch. */
const PERMANENT_ERRORS = new Set(['InputRangeError', 'BatchInputRangeError', 'PtauTooSmallError', 'PermanentProofError'])

/** The prover counts inputs by index ("input 9 = 100 ..."); users know them by feature name. */
export function namedInputs (message: string, features: readonly string[] | null | undefined): string {
  if (features == null) return message
  return message.replace(/\binput (\d+)\b/g, (text, index: string) => features[Number(index)] ?? text)
}
