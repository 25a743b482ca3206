import { readdir, readFile, rename, rm, stat } from 'node:fs/promises'
import { createHash } from 'node:crypto'
import path from 'node:path'
import { AppError } from '../errors.js'
import { cleanStaging, isStagingName, makeStagingDir, readJson, syncDir, writeFileAtomic, writeJsonAtomic } from '../fs-atomic.js'
import { NAME_PATTERN } from './names.js'
import type { Static } from 'typebox'
import type { CircuitInfo, ModelVersion, ProofSystem } from '../schemas/index.js'

export type ProofSystemName = Static<typeof ProofSystem>

/** What a model version is: written once at registration (meta.json) and never changed; the API's ModelVersion without its live parts. */
export type VersionMeta = Omit<Static<typeof ModelVersion>, 'aliases' | 'provable' | 'not_provable_reason' | 'circuit' | 'proof_system'> & {
  proof_system: ProofSystemName
  backend?: string
  /** loss per epoch per fold, kept with the version (not sent in the API's version view) */
  history?: unknown
  /** The training job that made it: lets a restart finish a job the process died right after registering. */
  job?: string
}

/** The circuit of a version: built in the background after registration, so it has its own file. */
export type CircuitState = Static<typeof CircuitInfo>

/** What registration needs: the facts of a version but those the registry assigns (number, date, hashes). */
export type RegisterInput = Omit<VersionMeta, 'version' | 'created' | 'onnx_sha256' | 'onnx_bytes' | 'evaluation'> & {
  onnx: Uint8Array,
  circuit?: CircuitState
  /** the evaluation report (src/evaluation), written as evaluation.json in the same staging directory */
  evaluation?: unknown
  /** a private version's salt and quantized weights (src/jobs/private-models.ts), written as private.json with the version */
  secrets?: unknown
}

interface ModelState {
  next_version: number
  aliases: Record<string, number>
}

interface ModelEntry {
  state: ModelState
  versions: Map<number, VersionMeta>
  circuits: Map<number, CircuitState>
}

const NAME_RE = new RegExp(NAME_PATTERN)
const ALIAS_RE = /^[a-z][a-z0-9_-]{0,63}$/

export function sha256 (bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex')
}

export function checkName (name: string, what = 'model name'): void {
  if (!NAME_RE.test(name)) {
    throw new AppError(400, 'invalid_name',
      `${what} '${name.slice(0, 80)}' is not allowed: use 1-64 lower-case letters, digits, '-' or '_', starting with a letter or digit`,
      { field: 'name' })
  }
}

/**
 * Models and their immutable numbered versions under `<root>/<name>/<version>/`:
 * `model.onnx`, `meta.json`, `circuit.json` and `circuit/` (the proving artifacts).
 * A version directory is assembled in a staging directory and renamed into place, so a crash
 * never leaves a half-written version behind; version numbers are never reused after a delete.
 */
export class Registry {
  readonly root: string
  private readonly models = new Map<string, ModelEntry>()
  /** Serialises writes per model name, so two registrations never take the same number. */
  private readonly locks = new Map<string, Promise<unknown>>()
  private readonly deleteListeners: Array<(name: string, version: number) => void> = []
  private readonly changeListeners: Array<(name: string) => void> = []
  private distributedLock: (<T>(name: string, fn: () => Promise<T>) => Promise<T>) | undefined

  constructor (root: string) {
    this.root = root
  }

  async init (): Promise<void> {
    this.models.clear()
    const names = await readdir(this.root).catch(() => [] as string[])
    for (const name of names) {
      const modelDir = path.join(this.root, name)
      if (isStagingName(name)) { await rm(modelDir, { recursive: true, force: true }); continue }
      if (!NAME_RE.test(name)) continue
      const entry = await this.loadModel(name, true)
      if (entry != null) this.models.set(name, entry)
    }
  }

  /**
   * Reads one model again from disk: another replica or worker changed it (register, delete, alias,
   * circuit state; REDIS_URL mode says so over pub/sub). Versions gone from disk are released here too.
   */
  async reloadModel (name: string): Promise<void> {
    if (!NAME_RE.test(name)) return
    const before = this.models.get(name)
    const entry = await this.loadModel(name, false)
    if (entry == null) this.models.delete(name)
    else this.models.set(name, entry)
    for (const version of before?.versions.keys() ?? []) {
      if (entry?.versions.has(version) !== true) for (const listener of this.deleteListeners) listener(name, version)
    }
  }

  /** Every model read again from disk, without a moment where the registry looks empty. */
  async reloadAll (): Promise<void> {
    const names = new Set([...await readdir(this.root).catch(() => [] as string[]), ...this.models.keys()])
    for (const name of names) await this.reloadModel(name)
  }

  /** A model's state and versions from disk; `cleanUp` removes leftovers of a crash (only at start: a live writer may own them). */
  private async loadModel (name: string, cleanUp: boolean): Promise<ModelEntry | null> {
    const modelDir = path.join(this.root, name)
    const state = await readJson<ModelState>(path.join(modelDir, 'model.json')).catch(() => ({ next_version: 1, aliases: {} }))
    const entry: ModelEntry = { state, versions: new Map(), circuits: new Map() }
    for (const child of await readdir(modelDir).catch(() => [] as string[])) {
      const childPath = path.join(modelDir, child)
      if (isStagingName(child)) { if (cleanUp) await rm(childPath, { recursive: true, force: true }); continue }
      if (!/^[1-9][0-9]*$/.test(child)) continue
      const meta = await readJson<VersionMeta>(path.join(childPath, 'meta.json')).catch(() => null)
      if (meta == null) continue
      // A circuit build killed mid-way leaves its staging directory: never read, removed (src/fs-atomic.ts).
      if (cleanUp) await cleanStaging(childPath)
      entry.versions.set(meta.version, meta)
      entry.circuits.set(meta.version, await readJson<CircuitState>(path.join(childPath,
        'circuit.json')).catch(() => ({ status: 'pending' as const })))
      entry.state.next_version = Math.max(entry.state.next_version, meta.version + 1)
    }
    for (const [alias, v] of Object.entries(entry.state.aliases)) if (!entry.versions.has(v)) delete entry.state.aliases[alias]
    return entry.versions.size > 0 || Object.keys(entry.state.aliases).length > 0 ? entry : null
  }

  /** Called after this process changed a model (REDIS_URL mode publishes it to the other replicas). */
  onChange (listener: (name: string) => void): void {
    this.changeListeners.push(listener)
  }

  /**
   * A deployment-wide lock around every change of one model (REDIS_URL mode: a Redis lock), so two
   * replicas never take the same version number; the model is read again from disk inside it.
   */
  useLock (lock: <T>(name: string, fn: () => Promise<T>) => Promise<T>): void {
    this.distributedLock = lock
  }

  onDelete (listener: (name: string, version: number) => void): void {
    this.deleteListeners.push(listener)
  }

  versionDir (name: string, version: number): string {
    return path.join(this.root, name, String(version))
  }

  onnxPath (meta: Pick<VersionMeta, 'name' | 'version'>): string {
    return path.join(this.versionDir(meta.name, meta.version), 'model.onnx')
  }

  circuitDir (meta: Pick<VersionMeta, 'name' | 'version'>): string {
    return path.join(this.versionDir(meta.name, meta.version), 'circuit')
  }

  listModels (): Array<{ name: string, versions: number[], aliases: Record<string, number> }> {
    return [...this.models.entries()]
      .filter(([, e]) => e.versions.size > 0)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, e]) => ({ name, versions: [...e.versions.keys()].sort((a, b) => a - b), aliases: this.aliasesOf(e) }))
  }

  hasModel (name: string): boolean {
    return (this.models.get(name)?.versions.size ?? 0) > 0
  }

  allVersions (): VersionMeta[] {
    return [...this.models.values()].flatMap((e) => [...e.versions.values()])
  }

  /** A version by number or alias (`latest` is always the highest version). 404 when absent. */
  resolve (name: string, selector: number | string = 'latest'): VersionMeta {
    checkName(name)
    const entry = this.models.get(name)
    if (entry == null || entry.versions.size === 0) {
      throw new AppError(404, 'model_not_found', `model '${name}' does not exist`,
        { field: 'model' })
    }
    let version: number | undefined
    if (typeof selector === 'number' || /^[0-9]+$/.test(selector)) version = Number(selector)
    else if (selector === 'latest') version = Math.max(...entry.versions.keys())
    else version = entry.state.aliases[selector]
    const meta = version == null ? undefined : entry.versions.get(version)
    if (meta == null) {
      throw new AppError(404, 'version_not_found',
        `model '${name}' has no version '${selector}' (versions: ${[...entry.versions.keys()].join(', ')}; aliases: ` +
        `${['latest', ...Object.keys(entry.state.aliases)].join(', ')})`, { field: 'version' })
    }
    return meta
  }

  aliasesFor (meta: VersionMeta): string[] {
    const entry = this.models.get(meta.name)
    if (entry == null) return []
    return Object.entries(this.aliasesOf(entry)).filter(([, v]) => v === meta.version).map(([a]) => a)
  }

  circuit (meta: Pick<VersionMeta, 'name' | 'version'>): CircuitState {
    return this.models.get(meta.name)?.circuits.get(meta.version) ?? { status: 'pending' }
  }

  async setCircuit (meta: Pick<VersionMeta, 'name' | 'version'>, state: CircuitState): Promise<void> {
    const entry = this.models.get(meta.name)
    if (entry?.versions.has(meta.version) !== true) return // deleted meanwhile
    await writeJsonAtomic(path.join(this.versionDir(meta.name, meta.version), 'circuit.json'), state)
    entry.circuits.set(meta.version, state)
    this.changed(meta.name)
  }

  /**
   * Writes a new version: files go to a staging directory first, then one rename makes the
   * whole version visible. `extraFiles` lets callers keep more artifacts with it.
   */
  async register (input: RegisterInput): Promise<VersionMeta> {
    checkName(input.name)
    return await this.withLock(input.name, async () => {
      const entry = this.models.get(input.name) ?? { state: { next_version: 1, aliases: {} }, versions: new Map(), circuits: new Map() }
      const modelDir = path.join(this.root, input.name)
      const version = entry.state.next_version
      const { onnx, circuit, evaluation, secrets, ...rest } = input
      const meta: VersionMeta = {
        ...rest,
        ...(evaluation !== undefined ? { evaluation: true } : {}),
        version,
        created: new Date().toISOString(),
        onnx_sha256: sha256(onnx),
        onnx_bytes: onnx.byteLength,
      }
      const circuitState = circuit ?? { status: 'pending' as const }
      const staging = await makeStagingDir(modelDir)
      try {
        await writeFileAtomic(path.join(staging, 'model.onnx'), onnx)
        await writeJsonAtomic(path.join(staging, 'meta.json'), meta)
        await writeJsonAtomic(path.join(staging, 'circuit.json'), circuitState)
        if (evaluation !== undefined) await writeJsonAtomic(path.join(staging, 'evaluation.json'), evaluation)
        if (secrets !== undefined) await writeJsonAtomic(path.join(staging, 'private.json'), secrets)
        // The number is taken before the rename: a crash in between only skips a number.
        entry.state.next_version = version + 1
        await writeJsonAtomic(path.join(modelDir, 'model.json'), entry.state)
        await rename(staging, this.versionDir(input.name, version))
        await syncDir(modelDir)
      } catch (err) {
        await rm(staging, { recursive: true, force: true })
        throw err
      }
      entry.versions.set(version, meta)
      entry.circuits.set(version, circuitState)
      this.models.set(input.name, entry)
      return meta
    })
  }

  async deleteVersion (name: string, selector: number | string): Promise<VersionMeta> {
    const meta = this.resolve(name, selector)
    await this.withLock(name, async () => {
      const entry = this.models.get(name)
      if (entry == null) return
      for (const [alias, v] of Object.entries(entry.state.aliases)) if (v === meta.version) delete entry.state.aliases[alias]
      await writeJsonAtomic(path.join(this.root, name, 'model.json'), entry.state)
      entry.versions.delete(meta.version)
      entry.circuits.delete(meta.version)
      // Rename first so the version disappears at once; then remove the files.
      const trash = path.join(this.root, name, `.staging-deleted-${meta.version}-${Date.now()}`)
      await rename(this.versionDir(name, meta.version), trash)
      await rm(trash, { recursive: true, force: true })
    })
    for (const listener of this.deleteListeners) listener(name, meta.version)
    return meta
  }

  async setAlias (name: string, alias: string, version: number): Promise<void> {
    if (!ALIAS_RE.test(alias)) {
      throw new AppError(400, 'invalid_alias',
        `alias '${alias.slice(0, 80)}' is not allowed: use a lower-case letter, then letters, digits, '-' or '_' (at most 64)`,
        { field: 'alias' })
    }
    if (alias === 'latest') {
      throw new AppError(400, 'invalid_alias',
        "alias 'latest' is kept by the registry: it always names the highest version", { field: 'alias' })
    }
    const meta = this.resolve(name, version)
    await this.withLock(name, async () => {
      const entry = this.models.get(name)
      if (entry == null) return
      entry.state.aliases[alias] = meta.version
      await writeJsonAtomic(path.join(this.root, name, 'model.json'), entry.state)
    })
  }

  /** The version's evaluation report (evaluation.json), or null for a version without one (uploads, older versions). */
  async readEvaluation (meta: VersionMeta): Promise<unknown> {
    if (meta.evaluation !== true) return null
    return await readJson<unknown>(path.join(this.versionDir(meta.name, meta.version), 'evaluation.json'))
  }

  async readOnnx (meta: VersionMeta): Promise<Buffer> {
    return await readFile(this.onnxPath(meta))
  }

  async fileExists (file: string): Promise<boolean> {
    return await stat(file).then(() => true, () => false)
  }

  private aliasesOf (entry: ModelEntry): Record<string, number> {
    const versions = [...entry.versions.keys()]
    return versions.length === 0 ? { ...entry.state.aliases } : { latest: Math.max(...versions), ...entry.state.aliases }
  }

  private changed (name: string): void {
    for (const listener of this.changeListeners) listener(name)
  }

  private async withLock<T> (name: string, body: () => Promise<T>): Promise<T> {
    const lock = this.distributedLock
    const fn = lock == null
      ? async () => { const result = await body(); this.changed(name); return result }
      : async () => await lock(name, async () => {
        await this.reloadModel(name)
        const result = await body()
        this.changed(name)
        return result
      })
    const previous = this.locks.get(name) ?? Promise.resolve()
    const run = previous.then(fn, fn)
    const settled = run.catch(() => undefined)
    this.locks.set(name, settled)
    try {
      return await run
    } finally {
      if (this.locks.get(name) === settled) this.locks.delete(name)
    }
  }
}
