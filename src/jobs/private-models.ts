/**
 * The service side of private models (issue 14, library in src/proofs/private/): a private version is
 * committed to at registration (quantized parameters + a server-side salt -> Poseidon commitment),
 * proven with the circuit of its ARCHITECTURE (built once under DATA_DIR/circuits/private/<circuit_id>
 * and shared by every private version of that architecture), and verified against the architecture's
 * key plus the version's published commitment. The salt and parameters stay in the version's
 * private.json: never in a view, a bundle, a proof record or a log line.
 */
import { createHash } from 'node:crypto'
import { readdir, readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import type { FastifyBaseLogger } from 'fastify'
import { AppError, NotProvableError } from '../errors.js'
import { readJson, writeJsonAtomic } from '../fs-atomic.js'
import { extractModel } from '../proofs/extract.js'
import { resolvePtau } from '../proofs/ptau.js'
import { batchPtau } from '../proofs/batch-sizes.js'
import { InputRangeError } from '../proofs/evaluate.js'
import {
  PRIVATE_BATCH_VERIFIER_FILE, PRIVATE_FILES, buildArchitecture, buildPrivateBatch, commitParams, evaluatePrivateRows, installCeremonyKey,
  newSalt, paramsFromJSON, paramsToJSON, planArchitecture, provePrivate, provePrivateBatch, quantizePrivate, verifyPrivateProof,
  type ArchitectureMeta, type PrivateBatchMeta, type PrivateBatchProveResult
} from '../proofs/private/index.js'
import { PRIVATE_SECRETS_FILE, type CircuitState, type VersionMeta } from '../registry/registry.js'
import type { ProveResult } from './proof-engine.js'

export { PRIVATE_SECRETS_FILE }

/** What a private version keeps next to its model.onnx, readable with an admin key only. */
export interface PrivateSecrets {
  circuit_id: string
  sizes: number[]
  commitment: string
  /** decimal field element (248 random bits) */
  salt: string
  /** quantized parameters (format.ts paramsToJSON) */
  parameters: unknown
}

export interface PrivateCommit {
  circuit_id: string
  commitment: string
  secrets: PrivateSecrets
}

export type SetupTrust = 'local-insecure' | 'ceremony'

/** An architecture's circuit as GET /health and the version views report it. */
export interface PrivateCircuitInfo {
  circuit_id: string
  sizes: number[]
  constraints: number
  vk_sha256: string
  zkey_sha256: string
  setup_trust: SetupTrust
  ptau: { file: string, secure: boolean, power: number }
  contributions: Array<{ index: number, name: string, type: 'contribution' | 'beacon', transcript: string, beacon_hash?: string }>
  verified_at?: string
  /** PRIVATE_ZKEY_DIR holds a key for this architecture that was refused, and why */
  ceremony_error?: string
}

export interface PrivateModelsOptions {
  dataDir: string
  ptauFile?: string
  devPtauCandidates?: string[]
  /** PRIVATE_ZKEY_DIR: finished ceremony keys named <circuit_id>.zkey, verified and installed when they differ from the key in use */
  zkeyDir?: string
  /** Finished builds reused by key (CIRCUIT_BUILD_CACHE_DIR, src/proofs/build-cache.ts) */
  buildCache?: string
  log: FastifyBaseLogger
}

const GROTH16_PRIVATE_SETUP = 'Groth16, one key per architecture: powers of tau, then a phase 2 (setup_trust: local-insecure = one ' +
  'contribution by this service, trust the operator; ceremony = a verified multi-party transcript with a beacon, sound if one ' +
  'contributor was honest). Either way a verifier also trusts the powers of tau.'

export class PrivateModels {
  readonly root: string
  /** DATA_DIR/circuits/private-batch/<circuit_id>/<size>: one batch circuit per (architecture, size), shared like the single one */
  readonly batchRoot: string
  private readonly batchBuilds = new Map<string, Promise<PrivateBatchMeta>>()
  private readonly builds = new Map<string, Promise<ArchitectureMeta>>()
  private readonly metas = new Map<string, ArchitectureMeta>()
  private readonly vks = new Map<string, unknown>()
  /** Why PRIVATE_ZKEY_DIR's key of an architecture was refused (reported in /health) */
  private readonly refused = new Map<string, string>()

  constructor (private readonly options: PrivateModelsOptions) {
    this.root = path.join(options.dataDir, 'circuits', 'private')
    this.batchRoot = path.join(options.dataDir, 'circuits', 'private-batch')
  }

  archDir (circuitId: string): string {
    return path.join(this.root, circuitId)
  }

  /** Reads the architectures built before this start (fast: their architecture.json). */
  async init (): Promise<void> {
    for (const id of await readdir(this.root).catch(() => [] as string[])) {
      if (id.includes('.tmp-') || id.includes('.old-')) continue
      await this.readMeta(id)
    }
  }

  /**
   * In the background after start: installs each newer ceremony key of PRIVATE_ZKEY_DIR. Verifying a
   * transcript reads the whole ptau and zkey (seconds to minutes), too long for the start itself.
   */
  async installCeremonies (): Promise<void> {
    for (const meta of [...this.metas.values()]) await this.applyCeremony(meta)
  }

  /**
   * At registration: quantizes the model into the private format and commits to it with a fresh salt.
   * 422 when the model does not fit the format (not an MLP with ReLU hidden layers, a weight out of range...).
   */
  commit (onnx: Uint8Array, threshold: number): PrivateCommit {
    try {
      const { arch, params } = quantizePrivate(extractModel(onnx, { threshold }))
      const plan = planArchitecture(arch.sizes)
      const salt = newSalt()
      const commitment = commitParams(plan, params, salt).toString()
      return {
        circuit_id: plan.id,
        commitment,
        secrets: { circuit_id: plan.id, sizes: arch.sizes, commitment, salt: salt.toString(), parameters: paramsToJSON(params) },
      }
    } catch (err) {
      if (err instanceof NotProvableError) {
        throw new AppError(422, 'not_private_provable', `the model cannot be a private version: ${err.message}`,
          { field: 'proof_visibility' })
      }
      throw err
    }
  }

  /** The architecture's circuit if it is built (no build). */
  known (circuitId: string): ArchitectureMeta | undefined {
    return this.metas.get(circuitId)
  }

  /** The same, reading the disk when this process has not seen it (another worker of the deployment built it). */
  async lookup (circuitId: string): Promise<ArchitectureMeta | undefined> {
    return this.metas.get(circuitId) ?? await this.readMeta(circuitId) ?? undefined
  }

  /** The architecture's circuit, built once: concurrent and later callers of the same architecture share it. */
  async ensure (sizes: number[]): Promise<{ meta: ArchitectureMeta, built: boolean }> {
    const id = planArchitecture(sizes).id
    const ready = this.metas.get(id) ?? await this.readMeta(id)
    if (ready != null) return { meta: ready, built: false }
    let build = this.builds.get(id)
    if (build == null) {
      build = (async () => {
        const started = performance.now()
        this.options.log.info({ circuit_id: id }, 'building the private circuit of a new architecture (once for all its versions)')
        const art = await buildArchitecture({
          sizes,
          outDir: this.archDir(id),
          ptauPath: this.options.ptauFile,
          ptauCacheDir: path.join(this.options.dataDir, 'ptau'),
          devPtauCandidates: this.options.devPtauCandidates,
          buildCache: this.options.buildCache,
          // The constraint count, a development ptau's INSECURE warning and its progress (minutes for 2^13 and up)
          logger: {
            info: (m: string) => this.options.log.info({ circuit_id: id }, m),
            warn: (m: string) => this.options.log.warn({ circuit_id: id }, m),
          },
        })
        this.options.log.info({ circuit_id: id, constraints: art.meta.constraints, ms: Math.round(performance.now() - started) },
          'private circuit ready')
        this.metas.set(id, art.meta)
        return await this.applyCeremony(art.meta)
      })()
      this.builds.set(id, build)
      build.finally(() => this.builds.delete(id)).catch(() => undefined)
    }
    return { meta: await build, built: true }
  }

  /** The circuit state stored with a private version (and overlaid with the live key facts in views). */
  circuitState (meta: ArchitectureMeta): CircuitState {
    const info = this.info(meta)
    return {
      status: 'ready',
      constraints: meta.constraints,
      r1cs_sha256: meta.r1cs_sha256,
      vk_sha256: meta.vk_sha256,
      zkey_sha256: meta.zkey_sha256,
      input_scale: `2^${planArchitecture(meta.sizes).fmt.inputFracBits}`,
      setup: GROTH16_PRIVATE_SETUP,
      ptau: info.ptau,
      circuit_id: meta.circuit_id,
      setup_trust: info.setup_trust,
      contributions: info.contributions,
    }
  }

  info (meta: ArchitectureMeta): PrivateCircuitInfo {
    return {
      circuit_id: meta.circuit_id,
      sizes: meta.sizes,
      constraints: meta.constraints,
      vk_sha256: meta.vk_sha256,
      zkey_sha256: meta.zkey_sha256,
      setup_trust: meta.ceremony.source === 'ceremony' ? 'ceremony' : 'local-insecure',
      ptau: { file: meta.ptau.file, secure: !meta.ptau.insecure, power: meta.ptau.power },
      contributions: meta.ceremony.contributions.map((c) => ({
        index: c.index,
        name: c.name,
        type: c.type,
        transcript: c.transcript,
        ...(c.beacon_hash != null ? { beacon_hash: c.beacon_hash } : {}),
      })),
      ...(meta.ceremony.verified_at != null ? { verified_at: meta.ceremony.verified_at } : {}),
      ...(this.refused.has(meta.circuit_id) ? { ceremony_error: this.refused.get(meta.circuit_id) } : {}),
    }
  }

  /** Every built architecture, for GET /health. */
  list (): PrivateCircuitInfo[] {
    return [...this.metas.values()].sort((a, b) => a.circuit_id.localeCompare(b.circuit_id)).map((m) => this.info(m))
  }

  async writeSecrets (versionDir: string, secrets: PrivateSecrets): Promise<void> {
    await writeJsonAtomic(path.join(versionDir, PRIVATE_SECRETS_FILE), secrets)
  }

  async readSecrets (versionDir: string): Promise<PrivateSecrets> {
    return await readJson<PrivateSecrets>(path.join(versionDir, PRIVATE_SECRETS_FILE))
  }

  async verificationKey (circuitId: string): Promise<unknown> {
    const cached = this.vks.get(circuitId)
    if (cached != null) return cached
    const meta = this.metas.get(circuitId) ?? await this.readMeta(circuitId)
    if (meta == null) throw new AppError(409, 'circuit_not_ready', `the private circuit ${circuitId} is not built yet`)
    const vk = JSON.parse(await readFile(path.join(this.archDir(circuitId), PRIVATE_FILES.vk), 'utf8')) as unknown
    this.vks.set(circuitId, vk)
    return vk
  }

  async solidityVerifier (circuitId: string): Promise<string> {
    await this.verificationKey(circuitId)
    return await readFile(path.join(this.archDir(circuitId), PRIVATE_FILES.verifier), 'utf8')
  }

  /** A private proof of one row with the version's own parameters and salt: public signals [commitment, logit, label, x...]. */
  async prove (versionDir: string, circuitId: string, inputs: number[]): Promise<ProveResult & { commitment: string, circuit_id: string }> {
    const secrets = await this.readSecrets(versionDir)
    if (secrets.circuit_id !== circuitId) throw new Error(`the version's private.json is for ${secrets.circuit_id}, not ${circuitId}`)
    const r = await provePrivate(this.archDir(circuitId), paramsFromJSON(secrets.parameters), BigInt(secrets.salt), inputs)
    if (r.commitment !== secrets.commitment) throw new Error('the stored parameters no longer hash to the published commitment')
    return {
      proof: r.proof as unknown as ProveResult['proof'],
      publicSignals: r.publicSignals,
      output: r.output,
      prove_ms: r.prove_ms,
      commitment: r.commitment,
      circuit_id: circuitId,
    }
  }

  /** The architecture's key AND public signal 0 = the version's published commitment (src/proofs/private/verify.ts). */
  async verify (meta: VersionMeta, publicSignals: unknown, proof: unknown):
  Promise<{ verified: boolean, verification_ms: number, reason?: string }> {
    if (meta.circuit_id == null || meta.commitment == null) throw new Error(`model '${meta.name}' version ${meta.version} is not private`)
    const vk = await this.verificationKey(meta.circuit_id)
    return await verifyPrivateProof(vk, publicSignals, proof, meta.commitment)
  }

  batchDir (circuitId: string, size: number): string {
    return path.join(this.batchRoot, circuitId, String(size))
  }

  /** The private batch circuit of (architecture, size) if it is built (no build). */
  async batchMeta (circuitId: string, size: number): Promise<PrivateBatchMeta | undefined> {
    if (!/^[a-z0-9-]+$/.test(circuitId)) return undefined
    return await readJson<PrivateBatchMeta>(path.join(this.batchDir(circuitId, size), PRIVATE_FILES.meta)).catch(() => undefined)
  }

  /**
   * The private batch circuit of (architecture, size), built the first time (compile + setup in this process, like the
   * architecture's own circuit); concurrent callers share the build. The powers of tau: PTAU_FILE or the largest
   * development file at hand, never a new one (a PtauTooSmallError names the power needed).
   */
  async ensureBatch (circuitId: string, sizes: number[], size: number): Promise<PrivateBatchMeta> {
    const ready = await this.batchMeta(circuitId, size)
    if (ready != null) return ready
    const key = `${circuitId}/${size}`
    let build = this.batchBuilds.get(key)
    if (build == null) {
      build = (async () => {
        const started = performance.now()
        const cacheDir = path.join(this.options.dataDir, 'ptau')
        this.options.log.info({ circuit_id: circuitId, size }, 'building the private batch circuit (once per architecture and size)')
        const art = await buildPrivateBatch({
          sizes,
          size,
          outDir: this.batchDir(circuitId, size),
          ptauCacheDir: cacheDir,
          // the cache key names these; a build on another ptau (ptauFor's pick) is not published
          ptauPath: this.options.ptauFile,
          devPtauCandidates: this.options.devPtauCandidates,
          buildCache: this.options.buildCache,
          ptauFor: async (power) => {
            const where = { ptauFile: this.options.ptauFile, devCandidates: this.options.devPtauCandidates, cacheDir }
            return (await batchPtau(where, power, `a private batch proof of ${size} rows of ${circuitId}`)).path
          },
        })
        const ms = Math.round(performance.now() - started)
        this.options.log.info({ circuit_id: art.meta.circuit_id, constraints: art.meta.constraints, ms }, 'private batch circuit ready')
        return art.meta
      })()
      this.batchBuilds.set(key, build)
      build.finally(() => this.batchBuilds.delete(key)).catch(() => undefined)
    }
    return await build
  }

  async batchVerificationKey (circuitId: string, size: number): Promise<unknown> {
    return JSON.parse(await readFile(path.join(this.batchDir(circuitId, size), PRIVATE_FILES.vk), 'utf8')) as unknown
  }

  async batchSolidity (circuitId: string, size: number): Promise<string> {
    return await readFile(path.join(this.batchDir(circuitId, size), PRIVATE_BATCH_VERIFIER_FILE), 'utf8')
  }

  /**
   * Which of `rows` the version's model can prove (inside its private input box): null for a provable row, else why not.
   * The reason names the feature and its value, as a failed single private proof does.
   */
  async unprovableRows (versionDir: string, rows: number[][]): Promise<Array<string | null>> {
    const secrets = await this.readSecrets(versionDir)
    const plan = planArchitecture(secrets.sizes)
    const params = paramsFromJSON(secrets.parameters)
    return rows.map((row) => {
      try {
        evaluatePrivateRows(plan, params, [row])
        return null
      } catch (err) {
        if (err instanceof InputRangeError) return err.message.replace(/^row 0: /, '')
        throw err
      }
    })
  }

  /** One private batch proof of `rows` with the version's own parameters and salt: public signals [commitment, words...]. */
  async proveBatch (versionDir: string, circuitId: string, size: number, rows: number[][]):
  Promise<PrivateBatchProveResult & { vk_sha256: string }> {
    const secrets = await this.readSecrets(versionDir)
    if (secrets.circuit_id !== circuitId) throw new Error(`the version's private.json is for ${secrets.circuit_id}, not ${circuitId}`)
    const meta = await this.ensureBatch(circuitId, secrets.sizes, size)
    const r = await provePrivateBatch(this.batchDir(circuitId, size), paramsFromJSON(secrets.parameters), BigInt(secrets.salt), rows)
    if (r.commitment !== secrets.commitment) throw new Error('the stored parameters no longer hash to the published commitment')
    return { ...r, vk_sha256: meta.vk_sha256 }
  }

  private async readMeta (id: string): Promise<ArchitectureMeta | null> {
    if (!/^[a-z0-9-]+$/.test(id)) return null
    const meta = await readJson<ArchitectureMeta>(path.join(this.archDir(id), PRIVATE_FILES.meta)).catch(() => null)
    if (meta != null) this.metas.set(id, meta)
    return meta
  }

  /** PRIVATE_ZKEY_DIR/<circuit_id>.zkey differs from the key in use: verify its transcript against this circuit and ptau, install it. */
  private async applyCeremony (meta: ArchitectureMeta): Promise<ArchitectureMeta> {
    const dir = this.options.zkeyDir
    if (dir == null) return meta
    const file = path.join(dir, `${meta.circuit_id}.zkey`)
    if (!(await stat(file).then((s) => s.isFile(), () => false))) return meta
    const bytes = await readFile(file)
    if (createHash('sha256').update(bytes).digest('hex') === meta.zkey_sha256) return meta
    try {
      const ptau = await resolvePtau({
        power: meta.power,
        ptauPath: this.options.ptauFile,
        cacheDir: path.join(this.options.dataDir, 'ptau'),
        devCandidates: this.options.devPtauCandidates,
      })
      const installed = await installCeremonyKey(this.archDir(meta.circuit_id), file, ptau.path)
      this.metas.set(meta.circuit_id, installed)
      this.vks.delete(meta.circuit_id)
      this.refused.delete(meta.circuit_id)
      this.options.log.info({ circuit_id: meta.circuit_id, contributions: installed.ceremony.contributions.map((c) => c.name) },
        'ceremony key installed for the private circuit')
      return installed
    } catch (err) {
      // A transcript that does not verify is never installed; the service keeps the key it had.
      this.options.log.error({ circuit_id: meta.circuit_id, file, err }, 'the ceremony key was refused')
      this.refused.set(meta.circuit_id, `${file}: ${(err as Error).message.split('\n')[0]}`)
      return meta
    }
  }
}
