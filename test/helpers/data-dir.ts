import { readdir, stat } from 'node:fs/promises'
import path from 'node:path'

/** Every file and folder under `dir` with its size and modification time, sorted: two equal snapshots mean nothing was written between them. */
export async function snapshotDir (dir: string): Promise<string[]> {
  const lines: string[] = []
  for (const entry of await readdir(dir, { recursive: true })) {
    const s = await stat(path.join(dir, entry)).catch(() => null)
    lines.push(`${entry} ${s?.isDirectory() === true ? 'dir' : `${s?.size ?? 'gone'} ${s?.mtimeMs ?? ''}`}`)
  }
  return lines.sort()
}

/** The snapshot of `dir` now and `afterMs` later (to check that a closed service writes nothing more). */
export async function snapshotsApart (dir: string, afterMs: number): Promise<[string[], string[]]> {
  const before = await snapshotDir(dir)
  await new Promise((resolve) => setTimeout(resolve, afterMs))
  return [before, await snapshotDir(dir)]
}
