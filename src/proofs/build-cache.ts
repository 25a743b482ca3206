/**
 * A content-addressed cache of finished circuit builds (config CIRCUIT_BUILD_CACHE_DIR; off by default),
 * for every kind of build: a model version's circuit (setup.ts), a batch circuit (batch-setup.ts), a
 * private architecture and a private batch (private/setup.ts, private/batch-setup.ts). The key is what
 * decides the build's output: the circom source (and, for a model's circuit, its ONNX bytes), the proof
 * system, the powers of tau and the snarkjs version. The same key compiles the same R1CS, so a copy of
 * its keys proves and verifies exactly like a fresh setup. The test suite shares one cache across its
 * files: the same circuits were compiled and set up in many files, and again on every run.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { cp, mkdir, rename, rm, stat } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import { replaceDir, stagingPath } from '../fs-atomic.js'

const require = createRequire(import.meta.url)
const sha256 = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex')

/** A ptau file as a key part: its path, size and mtime (a replaced file is another key). */
export async function ptauIdentity (file: string): Promise<string> {
  const s = await stat(file).catch(() => null)
  return s == null ? `${file}:absent` : `${path.resolve(file)}:${s.size}:${s.mtimeMs}`
}

/**
 * The powers-of-tau part of a key: the file named (PTAU_FILE) and the development candidates, or null when
 * neither is given (the build would make a development file of its own: not a reproducible input).
 */
export async function ptauKey (ptauPath: string | undefined, candidates: string[] = []): Promise<Record<string, unknown> | null> {
  if (ptauPath == null && candidates.length === 0) return null
  return { ptau: ptauPath != null ? await ptauIdentity(ptauPath) : null, candidates: await Promise.all(candidates.map(ptauIdentity)) }
}

/** Whether the ptau a build used is one its key names (else the build is not published). */
export function keyedPtau (used: string, ptauPath: string | undefined, candidates: string[] = []): boolean {
  return [ptauPath, ...candidates].some((f) => f != null && path.resolve(f) === path.resolve(used))
}

export function snarkjsVersion (): string {
  const file = path.join(path.dirname(require.resolve('snarkjs')), '..', 'package.json')
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version
}

/** The cache key of a build: sha256 of its parts as JSON (the parts are plain data). */
export function buildCacheKey (parts: Record<string, unknown>): string {
  return sha256(JSON.stringify(parts))
}

/**
 * The cached build `key` copied to outDir through a staging dir and read back with `load`; null when the
 * cache has none (or a damaged one). `marker` is a file every finished build of this kind holds.
 */
export async function restoreBuild<T> (
  cacheDir: string, key: string, outDir: string, marker: string, load: (dir: string) => Promise<T>
): Promise<T | null> {
  const entry = path.join(cacheDir, key)
  try {
    await stat(path.join(entry, marker))
  } catch {
    return null
  }
  const tmp = stagingPath(outDir)
  try {
    await mkdir(path.dirname(outDir), { recursive: true })
    await cp(entry, tmp, { recursive: true })
    await load(tmp)
    await replaceDir(tmp, outDir)
    return await load(outDir)
  } catch {
    await rm(tmp, { recursive: true, force: true })
    return null
  }
}

/** Publishes a finished build to the cache with one rename; a concurrent publisher of the same key wins (the same build). */
export async function publishBuild (cacheDir: string, key: string, dir: string): Promise<void> {
  const entry = path.join(cacheDir, key)
  await mkdir(path.dirname(entry), { recursive: true })
  const tmp = stagingPath(entry)
  try {
    await cp(dir, tmp, { recursive: true })
    await rename(tmp, entry)
  } catch {
    await rm(tmp, { recursive: true, force: true })
  }
}

/** Where a build may come from and go to: the cache dir, and the ptau files a key may name (see ptauKey). */
export interface BuildCacheOptions { buildCache?: string, ptauPath?: string, devPtauCandidates?: string[] }

/**
 * The cache key of a build described by `parts` (its kind, circuit source, ...) on the ptau it would use, and that
 * build restored into outDir when the cache holds it. key is null when the build is not cached (no cache dir, or a
 * ptau that has no stable identity).
 */
export async function lookupBuild<T> (
  o: BuildCacheOptions, parts: Record<string, unknown>, outDir: string, marker: string, load: (dir: string) => Promise<T>
): Promise<{ key: string | null, cached: T | null }> {
  if (o.buildCache == null) return { key: null, cached: null }
  const ptauParts = await ptauKey(o.ptauPath, o.devPtauCandidates)
  if (ptauParts == null) return { key: null, cached: null }
  const key = buildCacheKey({ ...parts, ...ptauParts, snarkjsVersion: snarkjsVersion() })
  return { key, cached: await restoreBuild(o.buildCache, key, outDir, marker, load) }
}

/** Publishes a finished build under its key when it was made on a ptau the key names (never one picked otherwise). */
export async function publishKeyedBuild (o: BuildCacheOptions, key: string | null, usedPtau: string, dir: string): Promise<void> {
  if (o.buildCache == null || key == null || !keyedPtau(usedPtau, o.ptauPath, o.devPtauCandidates)) return
  await publishBuild(o.buildCache, key, dir)
}
