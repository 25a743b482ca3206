import { open, rename, mkdir, rm, readFile, readdir } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import path from 'node:path'

/**
 * The one staging-name scheme: whatever is being made for `target` (a file, a directory, a whole
 * circuit build, an old copy about to be removed) lives at `.<name>.<pid>-<random>.tmp` beside it until
 * one rename makes it the target. Hidden (a listing of the directory never shows it) and ending in
 * `.tmp`, so cleanStaging() finds every leftover of a crash by its name alone.
 */
export function stagingPath (target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`)
}

/**
 * Whether a directory entry is a staging leftover: the scheme above, plus the names earlier versions
 * used (`.staging-*` directories, `<target>.tmp-*` builds, `<target>.old-*` copies, `*.0`/`*.1`/`*.final`
 * ptau steps are covered by their own cleaner) so that an upgrade cleans those too.
 */
export function isStagingName (name: string): boolean {
  return name.endsWith('.tmp') || name.startsWith('.staging-') || /\.(tmp|old)-\d+-[0-9a-f]+$/.test(name)
}

/**
 * Removes the staging leftovers in `dir` (not recursive), all of them or only those of `target` (a
 * name in `dir`). Call it at start, before anything in `dir` is being staged: a leftover is never read
 * (nothing reads a staging name), it only takes space. Returns the names removed.
 */
export async function cleanStaging (dir: string, target?: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[])
  const removed: string[] = []
  for (const name of names) {
    if (!isStagingName(name)) continue
    const ofTarget = target == null || [`.${target}.`, `${target}.tmp-`, `${target}.old-`].some((prefix) => name.startsWith(prefix))
    if (!ofTarget) continue
    await rm(path.join(dir, name), { recursive: true, force: true })
    removed.push(name)
  }
  return removed
}

/**
 * Nothing half-written is ever read: every file is written to a temporary name in the same
 * directory, flushed to disk, then renamed over the target (rename is atomic on POSIX).
 */
export async function writeFileAtomic (file: string, data: string | Uint8Array): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true })
  const tmp = stagingPath(file)
  const handle = await open(tmp, 'w')
  try {
    await handle.writeFile(data)
    await handle.sync()
  } finally {
    await handle.close()
  }
  try {
    await rename(tmp, file)
  } catch (err) {
    await rm(tmp, { force: true })
    throw err
  }
  await syncDir(path.dirname(file))
}

/** Makes a rename durable: the directory entry itself is flushed (after a power cut the file is there, whole). */
export async function syncDir (dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => null)
  if (handle == null) return
  try {
    await handle.sync()
  } catch {
    // Some file systems refuse fsync on a directory; the rename is still atomic.
  } finally {
    await handle.close()
  }
}

export async function writeJsonAtomic (file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n')
}

export async function readJson<T> (file: string): Promise<T> {
  return JSON.parse(await readFile(file, 'utf8')) as T
}

/**
 * Moves a finished staging directory into place: the current `target` (when there is one) aside under a staging name,
 * one rename, then the old copy removed. A crash in between leaves the old or the new tree at `target` and staging
 * leftovers that cleanStaging() removes: never a half-built tree under the target's name.
 */
export async function replaceDir (staged: string, target: string): Promise<void> {
  const aside = stagingPath(target)
  let movedAside = true
  try { await rename(target, aside) } catch { movedAside = false }
  await rename(staged, target)
  if (movedAside) await rm(aside, { recursive: true, force: true })
}

/** A fresh staging directory in `parent`, for building a tree that is renamed into place when complete. */
export async function makeStagingDir (parent: string): Promise<string> {
  await mkdir(parent, { recursive: true })
  const staging = stagingPath(path.join(parent, 'version'))
  await mkdir(staging)
  return staging
}
