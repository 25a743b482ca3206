import type { FastifyBaseLogger } from 'fastify'
import type { Registry, VersionMeta } from '../registry/registry.js'
import { AppError } from '../errors.js'
import type { ProofEngine } from './proof-engine.js'
import { WorkQueue } from './work-queue.js'
import { InFlight } from './in-flight.js'
import { publishCircuit } from '../observability/events.js'
import type { PrivateModels } from './private-models.js'

/**
 * Builds each version's circuit in the background after registration (compile, setup, keys),
 * one at a time, and lets proof jobs wait for it. Builds interrupted by a restart run again.
 */
export class CircuitBuilds {
  readonly queue = new WorkQueue('circuit', 1, 100_000)
  private readonly waiters = new Map<string, Array<{ resolve: () => void, reject: (err: Error) => void }>>()
  private closing = false
  private readonly inFlight = new InFlight()
  /** REDIS_URL mode: builds go to the deployment's BullMQ 'circuits' queue (one build per version, job id dedup). */
  private remote: ((meta: VersionMeta) => Promise<void>) | undefined
  private privateModels: PrivateModels | undefined

  constructor (private readonly registry: Registry, private readonly engine: ProofEngine, private readonly log: FastifyBaseLogger) {
    // Proofs waiting for a deleted version's circuit stop waiting: it will never be built.
    registry.onDelete((name, version) => {
      const key = `${name}@${version}`
      for (const waiter of this.waiters.get(key) ?? []) {
        waiter.reject(new AppError(404, 'version_deleted', `model '${name}' version ${version} was deleted before this proof was made`))
      }
      this.waiters.delete(key)
    })
  }

  useQueue (add: (meta: VersionMeta) => Promise<void>): void {
    this.remote = add
  }

  /** Private versions (issue 14) get their architecture's circuit, built once for all of them. */
  usePrivate (privateModels: PrivateModels): void {
    this.privateModels = privateModels
  }

  resumeAll (): void {
    for (const meta of this.registry.allVersions()) {
      const status = this.registry.circuit(meta).status
      if (status === 'pending' || status === 'building') void this.enqueue(meta)
    }
  }

  async enqueue (meta: VersionMeta): Promise<void> {
    if (this.remote != null) {
      await this.remote(meta).catch((err: Error) => {
        this.log.error({ err, model: meta.name, version: meta.version }, 'could not queue the circuit build')
      })
      return
    }
    this.queue.push(async () => await this.build(meta))
  }

  /**
   * The BullMQ 'circuits' processor: reads the version's state from the shared DATA_DIR first, so a
   * build finished (or found unprovable) by another worker is never run again.
   */
  async buildFromQueue (name: string, version: number): Promise<void> {
    await this.registry.reloadModel(name)
    let meta: VersionMeta
    try {
      meta = this.registry.resolve(name, version)
    } catch {
      return // deleted meanwhile
    }
    const status = this.registry.circuit(meta).status
    if (status === 'pending' || status === 'building') await this.build(meta)
    // Stopped mid-way: the job must not count as done; BullMQ gives it to another worker.
    if (this.closing && this.registry.circuit(meta).status !== 'ready') throw new Error('circuit build interrupted by shutdown')
  }

  /** Resolves once the version's circuit is ready; rejects with the reason when it cannot be. */
  async whenReady (meta: VersionMeta): Promise<void> {
    const state = this.registry.circuit(meta)
    if (state.status === 'ready') return
    if (state.status === 'failed' || state.status === 'unsupported') {
      throw new AppError(422, 'not_provable', notProvableMessage(meta,
        state.error))
    }
    if (this.closing) throw shutdownError()
    await new Promise<void>((resolve, reject) => {
      const key = `${meta.name}@${meta.version}`
      this.waiters.set(key, [...(this.waiters.get(key) ?? []), { resolve, reject }])
    })
  }

  /**
   * Builds not yet finished stay 'pending'/'building' on disk and run again at the next start. Proofs
   * waiting for a circuit stop waiting (they stay queued, and run again at the next start too).
   */
  close (): void {
    this.closing = true
    for (const waiters of this.waiters.values()) {
      for (const waiter of waiters) waiter.reject(shutdownError())
    }
    this.waiters.clear()
  }

  /**
   * After close() and the engine's close (which kills the build processes): resolves when the builds
   * that were under way have returned, so nothing of theirs writes into DATA_DIR after the app has closed.
   */
  async settled (): Promise<void> {
    await this.inFlight.settled()
  }

  /** Compiled in this process, once per architecture (privateModels.ensure shares one build between its versions). */
  private async buildPrivate (meta: VersionMeta, privateModels: PrivateModels): Promise<void> {
    const started = Date.now()
    await this.registry.setCircuit(meta, { status: 'building', ...(meta.circuit_id != null ? { circuit_id: meta.circuit_id } : {}) })
    const secrets = await privateModels.readSecrets(this.registry.versionDir(meta.name, meta.version))
    const { meta: arch, built } = await privateModels.ensure(secrets.sizes)
    await this.registry.setCircuit(meta, { ...privateModels.circuitState(arch), build_ms: Date.now() - started })
    this.log.info({ model: meta.name, version: meta.version, circuit_id: arch.circuit_id, built }, 'private version provable')
    publishCircuit({ source: this, state: 'ready', proof_system: meta.proof_system, seconds: (Date.now() - started) / 1000 })
  }

  private async build (meta: VersionMeta): Promise<void> {
    if (this.closing) return
    await this.inFlight.run(async () => { await this.runBuild(meta) })
  }

  private async runBuild (meta: VersionMeta): Promise<void> {
    const key = `${meta.name}@${meta.version}`
    try {
      this.registry.resolve(meta.name, meta.version)
    } catch {
      return // deleted (or found damaged) while its build waited
    }
    try {
      const privateModels = meta.proof_visibility === 'private' ? this.privateModels : undefined
      const onnx = privateModels == null ? await this.registry.readOnnx(meta) : new Uint8Array()
      const reason = privateModels == null ? this.engine.checkProvable(onnx, meta) : null
      if (privateModels != null) {
        await this.buildPrivate(meta, privateModels)
      } else if (reason != null) {
        await this.registry.setCircuit(meta, { status: 'unsupported', error: reason })
        this.log.info({ model: meta.name, version: meta.version, reason }, 'model version is not provable; it still serves predictions')
        publishCircuit({ source: this, state: 'unsupported', proof_system: meta.proof_system })
      } else {
        await this.registry.setCircuit(meta, { status: 'building' })
        const started = Date.now()
        this.log.info({ model: meta.name, version: meta.version, proof_system: meta.proof_system }, 'building circuit')
        const state = await this.engine.build({ onnx, meta, dir: this.registry.circuitDir(meta), proofSystem: meta.proof_system })
        await this.registry.setCircuit(meta, { ...state, status: 'ready', build_ms: Date.now() - started })
        this.log.info({ model: meta.name, version: meta.version, constraints: state.constraints, ms: Date.now() - started },
          'circuit ready')
        publishCircuit({ source: this, state: 'ready', proof_system: meta.proof_system, seconds: (Date.now() - started) / 1000 })
      }
    } catch (err) {
      if (this.closing) return
      const message = (err as Error).message
      await this.registry.setCircuit(meta, { status: 'failed', error: message }).catch(() => undefined)
      publishCircuit({ source: this, state: 'failed', proof_system: meta.proof_system })
      this.log.error({ model: meta.name, version: meta.version, err }, 'circuit build failed')
    }
    const state = this.registry.circuit(meta)
    for (const waiter of this.waiters.get(key) ?? []) {
      if (state.status === 'ready') waiter.resolve()
      else waiter.reject(new AppError(422, 'not_provable', notProvableMessage(meta, state.error)))
    }
    this.waiters.delete(key)
  }
}

/** Why a proof stopped waiting for its circuit at shutdown: a plain Error, so ProofJobs leaves the proof queued. */
function shutdownError (): Error {
  return new Error('the service is shutting down: the circuit build was interrupted')
}

export function notProvableMessage (meta: Pick<VersionMeta, 'name' | 'version'>, reason?: string): string {
  return `model '${meta.name}' version ${meta.version} is not provable${reason != null ? `: ${reason}` : ''}`
}
