import { randomBytes } from 'node:crypto'
import { readFile, rename, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import type { FastifyBaseLogger } from 'fastify'
import type { Registry, VersionMeta } from '../registry/registry.js'
import { transpile, type CircuitPlan } from '../proofs/index.js'
import { batchPower, batchSizeFor, batchSizes } from '../proofs/batch-sizes.js'
import { BATCH_VERIFIER_FILE } from '../proofs/batch-setup.js'
import { ARTIFACT_FILES } from '../proofs/artifacts.js'
import type { ProofEngine } from './proof-engine.js'

/**
 * The batch circuits of each model version (issue 15): one per batch size (batch-sizes.ts), built the
 * first time a proof of that size runs and kept in `<version>/batch/<size>/` beside the version's own
 * circuit (deleted with the version, like it). A build is staged under a temporary name and renamed in
 * place; if another process (a second BullMQ worker) finished the same size first, its circuit is kept
 * and ours dropped, so a size's keys never change once a proof was made with them.
 */
export class BatchCircuits {
  private readonly building = new Map<string, Promise<string>>()
  private readonly plans = new Map<string, CircuitPlan>()

  constructor (
    private readonly registry: Registry,
    private readonly engine: ProofEngine,
    private readonly log: FastifyBaseLogger,
    readonly maxRows: number
  ) {
    registry.onDelete((name, version) => this.plans.delete(`${name}@${version}`))
  }

  /** The size a request of `rows` rows is padded to; null beyond MAX_BATCH_PROOF. */
  sizeFor (rows: number): number | null {
    return batchSizeFor(rows, this.maxRows)
  }

  dir (meta: Pick<VersionMeta, 'name' | 'version'>, size: number): string {
    return path.join(this.registry.versionDir(meta.name, meta.version), 'batch', String(size))
  }

  async isBuilt (meta: VersionMeta, size: number): Promise<boolean> {
    return await stat(path.join(this.dir(meta, size), ARTIFACT_FILES.meta)).then(() => true, () => false)
  }

  /**
   * Fails with the PtauTooSmallError of batch-sizes.ts when no powers of tau at hand fits a batch of
   * `size` rows. Needs the version's single-row circuit (its constraint count); before it is built the
   * check is left to the proof job.
   */
  async checkPtau (meta: VersionMeta, size: number): Promise<void> {
    const rowConstraints = this.registry.circuit(meta).constraints
    if (rowConstraints == null || await this.isBuilt(meta, size)) return
    const plan = await this.plan(meta)
    const { power } = batchPower(plan, size, rowConstraints)
    await this.engine.batchPtau(power, `a batch proof of ${size} rows of model '${meta.name}' version ${meta.version}`,
      (available) => this.largestFitting(plan, rowConstraints, available))
  }

  /** The directory of the built batch circuit of `size` rows, built now when it is not there yet. */
  async ensure (meta: VersionMeta, size: number): Promise<string> {
    const dir = this.dir(meta, size)
    if (await this.isBuilt(meta, size)) return dir
    const key = `${meta.name}@${meta.version}/${size}`
    let pending = this.building.get(key)
    if (pending == null) {
      pending = this.build(meta, size).finally(() => this.building.delete(key))
      this.building.set(key, pending)
    }
    return await pending
  }

  /** The batch circuit's verification key (what its proofs verify against). */
  async verificationKey (meta: VersionMeta, size: number): Promise<unknown> {
    return JSON.parse(await readFile(path.join(this.dir(meta, size), ARTIFACT_FILES.vk), 'utf8')) as unknown
  }

  /** The batch circuit's facts (circuit.json: sizes, layout, hashes). */
  async meta (meta: VersionMeta, size: number): Promise<Record<string, unknown>> {
    return JSON.parse(await readFile(path.join(this.dir(meta, size), ARTIFACT_FILES.meta), 'utf8')) as Record<string, unknown>
  }

  async solidity (meta: VersionMeta, size: number): Promise<string> {
    return await readFile(path.join(this.dir(meta, size), BATCH_VERIFIER_FILE), 'utf8')
  }

  private async plan (meta: VersionMeta): Promise<CircuitPlan> {
    const key = `${meta.name}@${meta.version}`
    let plan = this.plans.get(key)
    if (plan == null) {
      plan = transpile(await this.registry.readOnnx(meta), { threshold: meta.threshold }).plan
      this.plans.set(key, plan)
    }
    return plan
  }

  private largestFitting (plan: CircuitPlan, rowConstraints: number, power: number): number {
    let best = 0
    for (const size of batchSizes(this.maxRows)) if (batchPower(plan, size, rowConstraints).power <= power) best = size
    return best
  }

  private async build (meta: VersionMeta, size: number): Promise<string> {
    const dir = this.dir(meta, size)
    const rowConstraints = this.registry.circuit(meta).constraints
    if (rowConstraints == null) throw new Error(`model '${meta.name}' version ${meta.version} has no circuit yet`)
    const plan = await this.plan(meta)
    const { power, constraints } = batchPower(plan, size, rowConstraints)
    const ptau = await this.engine.batchPtau(power, `a batch proof of ${size} rows of model '${meta.name}' version ${meta.version}`,
      (available) => this.largestFitting(plan, rowConstraints, available))
    const staging = `${dir}.build-${randomBytes(6).toString('hex')}`
    const started = Date.now()
    this.log.info({ model: meta.name, version: meta.version, size, constraints, power, ptau: path.basename(ptau.path) },
      'building batch circuit')
    try {
      const onnx = await this.registry.readOnnx(meta)
      const built = await this.engine.buildBatch({ onnx, meta, dir: staging, size, ptauPath: ptau.path })
      try {
        await rename(staging, dir)
      } catch (err) {
        // Another process built this size first: keep its circuit (proofs may already use its keys).
        const code = (err as NodeJS.ErrnoException).code
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err
      }
      this.log.info({ model: meta.name, version: meta.version, size, constraints: built.constraints, ms: Date.now() - started },
        'batch circuit ready')
      return dir
    } finally {
      await rm(staging, { recursive: true, force: true })
    }
  }
}
