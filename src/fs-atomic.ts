import { open, rename, mkdir, rm, readFile } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import path from 'node:path'

/**
 * Nothing half-written is ever read: every file is written to a temporary name in the same
 * directory, flushed to disk, then renamed over the target (rename is atomic on POSIX).
 */
export async function writeFileAtomic (file: string, data: string | Uint8Array): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true })
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`)
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

/** A fresh temporary directory beside `dir`, for building a tree that is renamed into place when complete. */
export async function makeStagingDir (parent: string): Promise<string> {
  await mkdir(parent, { recursive: true })
  const staging = path.join(parent, `.staging-${randomBytes(6).toString('hex')}`)
  await mkdir(staging)
  return staging
}

export function isStagingName (name: string): boolean {
  return name.startsWith('.staging-') || name.endsWith('.tmp')
}
