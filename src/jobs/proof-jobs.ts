import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type { FastifyBaseLogger } from 'fastify'
import type { Static } from 'typebox'
import { AppError } from '../errors.js'
import type { Proof } from '../schemas/index.js'
import type { Registry, VersionMeta } from '../registry/registry.js'
import type { CircuitBuilds } from './circuit-builds.js'
import { JobStore, type StoredJob } from './job-store.js'
import type { ProofEngine } from './proof-engine.js'
import { WorkQueue } from './work-queue.js'
import { SpanStatusCode } from '@opentelemetry/api'
import { publishProof } from '../observability/events.js'
import { inJobSpan, traceCarrier } from '../observability/tracing.js'

/** A proof job as stored: the API's Proof plus the row it proves and when it ran. */
export type ProofRecord = StoredJob & Omit<Static<typeof Proof>, 'served' | 'proof'> & {
  /** The row as the client sent it: these become the proof's public inputs. */
  inputs: number[]
  served: { probability: number, label: number }
  proof?: Record<string, unknown>
  started?: string
  finished?: string
  /** The trace context of the request that asked for the proof (W3C traceparent), when traces are on. */
  trace?: Record<string, string>
}

/**
 * Proofs of predictions: created queued by /predict, proven in the prover pool off the event
 * loop, stored in DATA_DIR so they survive a restart; queued and interrupted ones run again.
 */
export class ProofJobs {
  private readonly store: JobStore<ProofRecord>
  readonly queue: WorkQueue
  private readonly vkCache = new Map<string, unknown>()
  private closing = false

  constructor (
    private readonly registry: Registry,
    private readonly engine: ProofEngine,
    private readonly circuits: CircuitBuilds,
    options: { dir: string, concurrency: number, queueLimit: number },
    private readonly log: FastifyBaseLogger
  ) {
    this.store = new JobStore(options.dir)
    this.queue = new WorkQueue('proof', options.concurrency, options.queueLimit)
    registry.onDelete((name, version) => this.vkCache.delete(`${name}@${version}`))
  }

  async init (): Promise<ProofRecord[]> {
    const jobs = await this.store.init()
    return jobs.filter((j) => j.status === 'queued' || j.status === 'proving')
  }

  resume (jobs: ProofRecord[]): void {
    // Oldest first, as they were asked for.
    for (const job of [...jobs].reverse()) this.queue.push(async () => await this.run(job.id))
  }

  get (id: string): ProofRecord {
    const job = this.store.get(id)
    if (job == null) throw new AppError(404, 'proof_not_found', `proof '${id.slice(0, 80)}' does not exist`, { field: 'id' })
    return job
  }

  ensureRoom (count: number): void {
    this.queue.ensureRoom(count)
  }

  async create (meta: VersionMeta, inputs: number[], served: { probability: number, label: number }): Promise<ProofRecord> {
    const id = JobStore.newId()
    const trace = traceCarrier()
    const job: ProofRecord = {
      id,
      status: 'queued',
      created: new Date().toISOString(),
      model: meta.name,
      version: meta.version,
      proof_system: meta.proof_system,
      inputs,
      served,
      ...(trace != null ? { trace } : {}),
    }
    await this.store.save(job)
    publishProof({ source: this, state: 'queued', proof_system: job.proof_system, mode: 'embedded' })
    this.queue.push(async () => await this.run(id))
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
    const vk = JSON.parse(await readFile(path.join(this.registry.circuitDir(meta), 'verification_key.json'), 'utf8')) as unknown
    this.vkCache.set(key, vk)
    return vk
  }

  async verify (meta: VersionMeta, publicSignals: string[], proof: unknown): Promise<{ verified: boolean, verification_ms: number }> {
    const vk = await this.verificationKey(meta)
    const started = performance.now()
    const verified = await this.engine.verify(meta.proof_system, vk, publicSignals, proof).catch(() => false)
    return { verified, verification_ms: performance.now() - started }
  }

  /** From now on, unfinished proofs stay queued on disk for the next start instead of failing. */
  close (): void {
    this.closing = true
  }

  private featuresOf (name: string, version: number): string[] | null {
    try {
      return this.registry.resolve(name, version).features
    } catch {
      return null
    }
  }

  private async run (id: string): Promise<void> {
    const queued = this.get(id)
    if (this.closing || queued.status === 'succeeded' || queued.status === 'failed') return
    const attributes = {
      'zkpredict.proof.id': id,
      'zkpredict.model': queued.model,
      'zkpredict.model_version': queued.version,
      'zkpredict.proof_system': queued.proof_system,
    }
    // A span per job, child of the request that asked for it (the context travels in the record).
    await inJobSpan('proof job', queued.trace, attributes, async (span) => {
      let job = queued
      const event = { source: this, proof_system: job.proof_system, mode: 'embedded' }
      try {
        const meta = this.registry.resolve(job.model, job.version)
        await this.circuits.whenReady(meta)
        job = { ...job, status: 'proving', started: new Date().toISOString() }
        await this.store.save(job)
        publishProof({ ...event, state: 'proving', seconds: (Date.now() - Date.parse(job.created)) / 1000 })
        const result = await this.engine.prove(this.registry.circuitDir(meta), meta.proof_system, job.inputs)
        await this.store.save({
          ...job,
          status: 'succeeded',
          finished: new Date().toISOString(),
          public_signals: result.publicSignals,
          proof: result.proof,
          output: result.output,
          prove_ms: result.prove_ms,
        })
        publishProof({ ...event, state: 'succeeded', seconds: result.prove_ms / 1000 })
        span.setAttributes({ 'zkpredict.proof.status': 'succeeded', 'zkpredict.proof.prove_ms': result.prove_ms })
      } catch (err) {
        if (this.closing) return // interrupted by shutdown: resumed at the next start
        const message = namedInputs((err as Error).message, this.featuresOf(job.model, job.version))
        await this.store.save({ ...job, status: 'failed', finished: new Date().toISOString(), error: message })
        publishProof({ ...event, state: 'failed' })
        span.setAttributes({ 'zkpredict.proof.status': 'failed' })
        span.setStatus({ code: SpanStatusCode.ERROR, message })
        this.log.warn({ proof: id, error: message }, 'proof failed')
      }
    })
  }
}

/** The prover counts inputs by index ("input 9 = 100 ..."); users know them by feature name. */
export function namedInputs (message: string, features: readonly string[] | null | undefined): string {
  if (features == null) return message
  return message.replace(/\binput (\d+)\b/g, (text, index: string) => features[Number(index)] ?? text)
}
