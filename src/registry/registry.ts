import { readdir, readFile, rename, rm, stat } from 'node:fs/promises'
import { createHash } from 'node:crypto'
import path from 'node:path'
import type { FastifyBaseLogger } from 'fastify'
import { AppError, StorageDamagedError } from '../errors.js'
import { cleanStaging, isStagingName, makeStagingDir, syncDir, writeFileAtomic, writeJsonAtomic } from '../fs-atomic.js'
import { ARTIFACT_FILES } from '../proofs/artifacts.js'
import { NAME_PATTERN } from '../names.js'
import { DamagedFileError, isMissing, readStoredJson, StorageCheck, type Damage, type ExpectedFile } from './storage-check.js'
import type { Static } from 'typebox'
import type { CircuitInfo, ModelVersion, ProofSystem } from '../schemas/index.js'

export type ProofSystemName = Static<typeof ProofSystem>

/** What a model version is: written once at registration (meta.json) and never changed; the API's ModelVersion without its live parts. */
export type VersionMeta = Omit<Static<typeof ModelVersion>,
'aliases' | 'provable' | 'not_provable_reason' | 'circuit' | 'proof_system' | 'status' | 'damage' | 'deleted_at'> & {
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

export type { Damage } from './storage-check.js'

/** ready: served and proven; damaged: a stored file cannot be used (never served); deleted: a tombstone kept for its proofs. */
export type VersionStatus = 'ready' | 'damaged' | 'deleted'

/** A version whatever its state; `meta` is null when meta.json itself is the damaged file. */
export interface VersionRecord {
  name: string
  version: number
  status: VersionStatus
  meta: VersionMeta | null
  damage?: Damage
  /** When it was deleted (tombstones). */
  deleted?: string
}

/** A deleted version's marker, written first: from then on the directory is a tombstone (see deleteVersion). */
interface TombstoneFile { deleted: string }

interface ModelEntry {
  state: ModelState
  /** model.json cannot be read: its aliases are unknown, so alias lookups and writes answer storage_damaged. */
  stateDamage?: Damage
  /** The versions served (status ready). */
  versions: Map<number, VersionMeta>
  circuits: Map<number, CircuitState>
  /** Damaged versions and tombstones: listed and readable, never served. */
  others: Map<number, VersionRecord>
}

const DELETED_FILE = 'deleted.json'
/**
 * What a tombstone keeps: the version's facts (meta.json with its hashes and, for private versions, its commitment),
 * its circuit state, and the verification key and Solidity verifier, so that its finished proofs stay verifiable
 * and downloadable. The ONNX file, the proving key and the rest of the build (megabytes) are removed.
 */
/**
 * A private version's quantized weights and salt (src/jobs/private-models.ts writes it): its circuit files are its
 * architecture's, shared and checked by PrivateModels, not kept in the version's directory.
 */
export const PRIVATE_SECRETS_FILE = 'private.json'
const TOMBSTONE_FILES = new Set(['meta.json', 'circuit.json', DELETED_FILE])
const TOMBSTONE_CIRCUIT_FILES = new Set<string>([ARTIFACT_FILES.vk, ARTIFACT_FILES.verifier])

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
  private readonly check: StorageCheck
  /** Damaged files already logged: each is said once (at start, or when first met), not on every request. */
  private readonly reported = new Set<string>()

  constructor (root: string, private readonly log?: FastifyBaseLogger) {
    this.root = root
    this.check = new StorageCheck(root)
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

  /**
   * A model's state and versions from disk; `cleanUp` removes leftovers of a crash (only at start: a live writer may own them).
   * Every stored file is checked (JSON parses, the ONNX file has its recorded sha256, proving keys are whole): a damaged
   * one is logged with its path and its version is kept as `damaged`, listed with the reason and never served.
   */
  private async loadModel (name: string, cleanUp: boolean): Promise<ModelEntry | null> {
    const modelDir = path.join(this.root, name)
    const entry: ModelEntry = { state: { next_version: 1, aliases: {} }, versions: new Map(), circuits: new Map(), others: new Map() }
    const stateFile = path.join(modelDir, 'model.json')
    // A model whose versions were all deleted keeps its model.json (the counter): it must still be read, or numbers come back.
    let stateFound = false
    try {
      const state = await readStoredJson<ModelState>(stateFile)
      if (!Number.isInteger(state?.next_version) || typeof state.aliases !== 'object' || state.aliases == null) {
        throw new DamagedFileError(stateFile, 'not a model state (next_version, aliases)')
      }
      entry.state = state
      stateFound = true
    } catch (err) {
      if (!isMissing(err)) entry.stateDamage = this.report(`model '${name}'`, this.damageOf(err, stateFile))
    }
    let highest = 0
    for (const child of await readdir(modelDir).catch(() => [] as string[])) {
      const childPath = path.join(modelDir, child)
      if (isStagingName(child)) { if (cleanUp) await rm(childPath, { recursive: true, force: true }); continue }
      if (!/^[1-9][0-9]*$/.test(child)) continue
      const version = Number(child)
      // Every directory counts, damaged or deleted: a number is never given twice.
      highest = Math.max(highest, version)
      const { record, circuit } = await this.loadVersion(name, version, childPath, cleanUp)
      if (circuit != null) entry.circuits.set(version, circuit)
      if (record.status === 'ready' && record.meta != null) entry.versions.set(version, record.meta)
      else entry.others.set(version, record)
    }
    entry.state.next_version = Math.max(entry.state.next_version, highest + 1)
    for (const [alias, v] of Object.entries(entry.state.aliases)) {
      if (!entry.versions.has(v) && entry.others.get(v)?.status !== 'damaged') delete entry.state.aliases[alias]
    }
    const empty = entry.versions.size === 0 && entry.others.size === 0 && Object.keys(entry.state.aliases).length === 0
    return empty && entry.stateDamage == null && !stateFound ? null : entry
  }

  private async loadVersion (name: string, version: number, dir: string, cleanUp: boolean):
  Promise<{ record: VersionRecord, circuit?: CircuitState }> {
    const item = `model '${name}' version ${version}`
    const metaFile = path.join(dir, 'meta.json')
    let damage: Damage | undefined
    let meta: VersionMeta | null = null
    try {
      meta = await readStoredJson<VersionMeta>(metaFile)
      if (meta?.name !== name || meta.version !== version) {
        damage = { file: this.check.shown(metaFile), reason: `it describes model '${String(meta?.name)}' version ${String(meta?.version)}` }
        meta = null
      }
    } catch (err) {
      damage = this.damageOf(err, metaFile)
    }
    let circuit: CircuitState | undefined
    const circuitFile = path.join(dir, 'circuit.json')
    try {
      circuit = await readStoredJson<CircuitState>(circuitFile)
    } catch (err) {
      if (isMissing(err)) circuit = { status: 'pending' }
      else damage ??= this.damageOf(err, circuitFile)
    }
    let tombstone: TombstoneFile | null = null
    const deletedFile = path.join(dir, DELETED_FILE)
    try {
      tombstone = await readStoredJson<TombstoneFile>(deletedFile)
    } catch (err) {
      if (!isMissing(err)) {
        tombstone = { deleted: '' }
        damage ??= this.damageOf(err, deletedFile)
      }
    }
    if (tombstone != null) {
      // A delete cut off by a crash left files a tombstone does not keep: finish it.
      if (cleanUp) await this.trimTombstone(dir)
      if (damage == null && circuit?.status === 'ready' && meta?.proof_visibility !== 'private') {
        damage = await this.check.firstDamage([this.vkFile(dir)]) ?? undefined
      }
      const record: VersionRecord = {
        name,
        version,
        status: 'deleted',
        meta,
        deleted: tombstone.deleted,
        ...(damage != null ? { damage: this.report(item, damage) } : {}),
      }
      return { record, circuit }
    }
    // A circuit build killed mid-way leaves its staging directory: never read, removed (src/fs-atomic.ts).
    if (cleanUp) await cleanStaging(dir)
    if (damage == null && meta != null) damage = await this.check.firstDamage(this.versionFiles(dir, meta, circuit)) ?? undefined
    if (damage != null) return { record: { name, version, status: 'damaged', meta, damage: this.report(item, damage) }, circuit }
    return { record: { name, version, status: 'ready', meta }, circuit }
  }

  /** The files a ready version needs, besides meta.json and circuit.json (read already). */
  private versionFiles (dir: string, meta: VersionMeta, circuit: CircuitState | undefined): ExpectedFile[] {
    const files: ExpectedFile[] = [{ file: path.join(dir, 'model.onnx'), kind: 'sha256', sha256: meta.onnx_sha256 }]
    if (meta.evaluation === true) files.push({ file: path.join(dir, 'evaluation.json'), kind: 'json' })
    if (meta.proof_visibility === 'private') {
      files.push({ file: path.join(dir, PRIVATE_SECRETS_FILE), kind: 'json' })
    } else if (circuit?.status === 'ready') {
      const circuitDir = path.join(dir, 'circuit')
      files.push(
        this.vkFile(dir),
        { file: path.join(circuitDir, ARTIFACT_FILES.zkey), kind: 'binfile', magic: 'zkey' },
        { file: path.join(circuitDir, ARTIFACT_FILES.wasm), kind: 'wasm' },
        { file: path.join(circuitDir, ARTIFACT_FILES.meta), kind: 'json', optional: true }
      )
    }
    return files
  }

  private vkFile (dir: string): ExpectedFile {
    return { file: path.join(dir, 'circuit', ARTIFACT_FILES.vk), kind: 'json' }
  }

  private damageOf (err: unknown, file: string): Damage {
    if (err instanceof DamagedFileError) return { file: this.check.shown(err.file), reason: err.reason }
    const code = (err as NodeJS.ErrnoException).code
    return { file: this.check.shown(file), reason: `unreadable (${code ?? (err as Error).message})` }
  }

  /** Logs a damaged file once (at start, or when a request first meets it): loud, with its path and reason. */
  private report (item: string, damage: Damage): Damage {
    const key = `${damage.file}: ${damage.reason}`
    if (!this.reported.has(key)) {
      this.reported.add(key)
      this.log?.error({ item, file: damage.file, reason: damage.reason },
        `stored file is damaged: ${item} is not served until it is repaired`)
    }
    return damage
  }

  /**
   * A file of a served version found damaged by a request (after the start-up check): the version is `damaged` from
   * now on (logged once), and the error to answer names it.
   */
  markDamaged (meta: Pick<VersionMeta, 'name' | 'version'>, file: string, reason: string): StorageDamagedError {
    const item = `model '${meta.name}' version ${meta.version}`
    const damage = this.report(item, { file: this.check.shown(file), reason })
    const entry = this.models.get(meta.name)
    const stored = entry?.versions.get(meta.version) ?? entry?.others.get(meta.version)?.meta ?? null
    const previous = entry?.others.get(meta.version)
    if (entry != null) {
      entry.versions.delete(meta.version)
      entry.others.set(meta.version, previous?.status === 'deleted'
        ? { ...previous, damage }
        : { name: meta.name, version: meta.version, status: 'damaged', meta: stored, damage })
    }
    return new StorageDamagedError(item, damage)
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

  /**
   * Models with versions that are served or damaged (a model whose versions are all deleted is not listed; its
   * tombstones stay readable by number). Damaged versions and model.json are listed with their reason.
   */
  listModels (): ModelListing[] {
    return [...this.models.entries()]
      .filter(([, e]) => e.versions.size > 0 || [...e.others.values()].some((r) => r.status === 'damaged') || e.stateDamage != null)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, e]) => {
        const others = [...e.others.values()].sort((a, b) => a.version - b.version)
        const damaged = others.filter((r) => r.status === 'damaged' && r.damage != null)
          .map((r) => ({ version: r.version, file: r.damage?.file ?? '', reason: r.damage?.reason ?? '' }))
        if (e.stateDamage != null) damaged.unshift({ version: 0, ...e.stateDamage })
        const deleted = others.filter((r) => r.status === 'deleted').map((r) => r.version)
        return {
          name,
          versions: [...e.versions.keys()].sort((a, b) => a - b),
          aliases: this.aliasesOf(e),
          ...(damaged.length > 0 ? { damaged } : {}),
          ...(deleted.length > 0 ? { deleted } : {}),
        }
      })
  }

  hasModel (name: string): boolean {
    return (this.models.get(name)?.versions.size ?? 0) > 0
  }

  allVersions (): VersionMeta[] {
    return [...this.models.values()].flatMap((e) => [...e.versions.values()])
  }

  /**
   * A served version by number or alias (`latest` is the highest version not deleted). 404 when absent or deleted,
   * 500 storage_damaged when a file it needs is damaged.
   */
  resolve (name: string, selector: number | string = 'latest'): VersionMeta {
    const record = this.lookup(name, selector)
    if (record.status === 'deleted') {
      throw new AppError(404, 'version_deleted', `${deletedMessage(record)}; it serves no predictions (its proofs stay verifiable)`,
        { field: 'version' })
    }
    return requireWhole(record)
  }

  /**
   * The version a stored proof names, served or deleted (a tombstone keeps what verifying and downloading need);
   * 404 when absent, 500 storage_damaged when damaged.
   */
  resolveProven (name: string, version: number | string): VersionMeta {
    return requireWhole(this.lookup(name, version))
  }

  /**
   * Any version by number or alias, whatever its state (the API's version view). 404 when there is none;
   * 500 storage_damaged when what would say which version it is (meta.json, model.json for an alias) is damaged.
   */
  lookup (name: string, selector: number | string = 'latest'): VersionRecord {
    checkName(name)
    const entry = this.models.get(name)
    if (entry == null || entry.versions.size + entry.others.size === 0) {
      if (entry?.stateDamage != null) throw new StorageDamagedError(`model '${name}'`, entry.stateDamage)
      throw new AppError(404, 'model_not_found', `model '${name}' does not exist`,
        { field: 'model' })
    }
    let version: number | undefined
    if (typeof selector === 'number' || /^[0-9]+$/.test(selector)) {
      version = Number(selector)
    } else if (selector === 'latest') {
      version = this.latestOf(entry)
    } else {
      version = entry.state.aliases[selector]
      if (version == null && entry.stateDamage != null) {
        throw new StorageDamagedError(`alias '${selector}' of model '${name}'`, entry.stateDamage)
      }
    }
    const meta = version == null ? undefined : entry.versions.get(version)
    if (meta != null) return { name, version: meta.version, status: 'ready', meta }
    const other = version == null ? undefined : entry.others.get(version)
    if (other != null) return other
    const served = [...entry.versions.keys()]
    const deleted = [...entry.others.values()].filter((r) => r.status === 'deleted').map((r) => r.version)
    const known = served.length > 0
      ? `versions: ${served.join(', ')}; aliases: ${['latest', ...Object.keys(entry.state.aliases)].join(', ')}`
      : `no version is served; deleted: ${deleted.join(', ')}`
    throw new AppError(404, 'version_not_found', `model '${name}' has no version '${selector}' (${known})`, { field: 'version' })
  }

  aliasesFor (meta: VersionMeta): string[] {
    const entry = this.models.get(meta.name)
    if (entry == null) return []
    return Object.entries(this.aliasesOf(entry)).filter(([, v]) => v === meta.version).map(([a]) => a)
  }

  /** Whether the version was deleted (its tombstone's message), read again from disk first: another replica may have deleted it. */
  async deletedNow (name: string, version: number): Promise<string | null> {
    await this.reloadModel(name).catch(() => undefined)
    const record = this.models.get(name)?.others.get(version)
    return record?.status === 'deleted' ? deletedMessage(record) : null
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
      const entry = this.models.get(input.name) ??
        { state: { next_version: 1, aliases: {} }, versions: new Map(), circuits: new Map(), others: new Map() }
      this.requireState(input.name, entry)
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
        if (secrets !== undefined) await writeJsonAtomic(path.join(staging, PRIVATE_SECRETS_FILE), secrets)
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

  /**
   * Deletes a served or damaged version, leaving a tombstone: `deleted.json` is written first (from then on the
   * version is deleted, even if the process dies before the rest), then its aliases go, then every file a tombstone
   * does not keep (TOMBSTONE_FILES) is removed. The number stays taken.
   */
  async deleteVersion (name: string, selector: number | string): Promise<VersionRecord> {
    const found = this.lookup(name, selector)
    if (found.status === 'deleted') {
      throw new AppError(404, 'version_deleted', `${deletedMessage(found)} already`, { field: 'version' })
    }
    const version = found.version
    const record = await this.withLock(name, async () => {
      const entry = this.models.get(name)
      const current = entry?.versions.get(version) ?? entry?.others.get(version)
      if (entry == null || current == null) throw new AppError(404, 'version_not_found', `model '${name}' has no version ${version}`)
      this.requireState(name, entry)
      const dir = this.versionDir(name, version)
      const tombstone: TombstoneFile = { deleted: new Date().toISOString() }
      await writeJsonAtomic(path.join(dir, DELETED_FILE), tombstone)
      for (const [alias, v] of Object.entries(entry.state.aliases)) if (v === version) delete entry.state.aliases[alias]
      await writeJsonAtomic(path.join(this.root, name, 'model.json'), entry.state)
      const damage = entry.others.get(version)?.damage
      const meta = entry.versions.get(version) ?? entry.others.get(version)?.meta ?? null
      const deleted: VersionRecord = {
        name, version, status: 'deleted', meta, deleted: tombstone.deleted, ...(damage != null ? { damage } : {}),
      }
      entry.versions.delete(version)
      entry.others.set(version, deleted)
      await this.trimTombstone(dir)
      return deleted
    })
    for (const listener of this.deleteListeners) listener(name, version)
    return record
  }

  /** Removes what a tombstone does not keep (a delete cut off by a crash is finished at the next start). */
  private async trimTombstone (dir: string): Promise<void> {
    for (const child of await readdir(dir).catch(() => [] as string[])) {
      if (child === 'circuit') {
        for (const file of await readdir(path.join(dir, child)).catch(() => [] as string[])) {
          if (!TOMBSTONE_CIRCUIT_FILES.has(file)) await rm(path.join(dir, child, file), { recursive: true, force: true })
        }
      } else if (!TOMBSTONE_FILES.has(child)) {
        await rm(path.join(dir, child), { recursive: true, force: true })
      }
    }
  }

  /** Writes rewrite model.json: never over a damaged one, whose aliases would be lost without a word. */
  private requireState (name: string, entry: ModelEntry): void {
    if (entry.stateDamage != null) throw new StorageDamagedError(`model '${name}'`, entry.stateDamage)
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
      this.requireState(name, entry)
      entry.state.aliases[alias] = meta.version
      await writeJsonAtomic(path.join(this.root, name, 'model.json'), entry.state)
    })
  }

  /** The version's evaluation report (evaluation.json), or null for a version without one (uploads, older versions). */
  async readEvaluation (meta: VersionMeta): Promise<unknown> {
    if (meta.evaluation !== true) return null
    const file = path.join(this.versionDir(meta.name, meta.version), 'evaluation.json')
    return await readStoredJson<unknown>(file).catch((err: unknown) => { throw this.damagedBy(meta, file, err) })
  }

  /** The version's ONNX file, checked against the sha256 recorded at registration (a few µs for these models). */
  async readOnnx (meta: VersionMeta): Promise<Buffer> {
    const file = this.onnxPath(meta)
    const bytes = await readFile(file).catch((err: unknown) => { throw this.damagedBy(meta, file, err) })
    if (sha256(bytes) !== meta.onnx_sha256) {
      throw this.markDamaged(meta, file,
        `${bytes.byteLength} bytes whose sha256 differs from the recorded ${meta.onnx_sha256.slice(0, 12)}...`)
    }
    return bytes
  }

  /** A stored JSON file of a version read by a request: damage (or absence) makes the version damaged, anything else passes. */
  async readVersionJson<T> (meta: Pick<VersionMeta, 'name' | 'version'>, file: string): Promise<T> {
    return await readStoredJson<T>(file).catch((err: unknown) => { throw this.damagedBy(meta, file, err) })
  }

  private damagedBy (meta: Pick<VersionMeta, 'name' | 'version'>, file: string, err: unknown): Error {
    if (err instanceof DamagedFileError) return this.markDamaged(meta, file, err.reason)
    if (isMissing(err)) return this.markDamaged(meta, file, 'missing')
    return err as Error
  }

  async fileExists (file: string): Promise<boolean> {
    return await stat(file).then(() => true, () => false)
  }

  /** aliasesOf(entry).latest without building the aliases (every /predict without a version asks for it). */
  private latestOf (entry: ModelEntry): number | undefined {
    if (Object.hasOwn(entry.state.aliases, 'latest')) return entry.state.aliases.latest
    let latest: number | undefined
    for (const v of entry.versions.keys()) if (latest == null || v > latest) latest = v
    for (const r of entry.others.values()) if (r.status === 'damaged' && (latest == null || r.version > latest)) latest = r.version
    return latest
  }

  private aliasesOf (entry: ModelEntry): Record<string, number> {
    const versions = [...entry.versions.keys(), ...[...entry.others.values()].filter((r) => r.status === 'damaged').map((r) => r.version)]
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

/** What listModels gives per model (the API's ModelSummary). */
export interface ModelListing {
  name: string
  versions: number[]
  aliases: Record<string, number>
  /** Damaged versions (version 0: the model's own model.json), with the file and the reason. */
  damaged?: Array<{ version: number, file: string, reason: string }>
  deleted?: number[]
}

function deletedMessage (record: VersionRecord): string {
  const when = record.deleted != null && record.deleted !== '' ? ` at ${record.deleted}` : ''
  return `model '${record.name}' version ${record.version} was deleted${when}`
}

/** The version's facts, or 500 storage_damaged naming the damaged file. */
function requireWhole (record: VersionRecord): VersionMeta {
  if (record.damage != null || record.meta == null) {
    const item = `model '${record.name}' version ${record.version}${record.status === 'deleted' ? ' (deleted)' : ''}`
    throw new StorageDamagedError(item,
      record.damage ?? { file: `models/${record.name}/${record.version}/meta.json`, reason: 'unreadable' })
  }
  return record.meta
}
