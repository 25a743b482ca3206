import { createHash } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import path from 'node:path'

/** What is wrong with a stored file: which one (its path under DATA_DIR) and why it cannot be used. */
export interface Damage { file: string, reason: string }

/**
 * A file that must be there, whole: JSON that parses; bytes whose sha256 the version recorded when it wrote them
 * (the ONNX file, immutable); a snarkjs binary file (zkey, r1cs) whose sections add up to its size; WebAssembly that
 * validates. Proving keys are checked by structure, not by the hash circuit.json recorded, because an operator may
 * replace circuit.zkey and verification_key.json after a multi-party phase 2 (README, "Trust").
 */
export interface ExpectedFile {
  file: string
  kind: 'json' | 'sha256' | 'binfile' | 'wasm'
  sha256?: string
  /** binfile: the 4-byte magic ('zkey', 'r1cs') */
  magic?: string
  /** Absent is fine (e.g. circuit.json of a version whose build never started); present must be whole. */
  optional?: boolean
}

/**
 * Reads JSON that the service wrote itself (atomically: src/fs-atomic.ts), so a parse error is damage from
 * outside (a disk fault, a hand edit, a copy cut off), never a client's mistake: the error names the file.
 * ENOENT is passed on as it is (absence has its own meaning for each caller).
 */
export async function readStoredJson<T> (file: string): Promise<T> {
  const text = await readFile(file, 'utf8')
  try {
    return JSON.parse(text) as T
  } catch (err) {
    throw new DamagedFileError(file, `not valid JSON (${(err as Error).message}; ${text.length} bytes)`)
  }
}

export class DamagedFileError extends Error {
  constructor (readonly file: string, readonly reason: string) {
    super(`${file}: ${reason}`)
    this.name = 'DamagedFileError'
  }
}

export function isMissing (err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT'
}

/**
 * Checks files once per content: the result is kept by path, size and mtime, so that reading a model again
 * (every registry change in REDIS_URL mode) does not hash its ONNX and proving key again. Hashing the
 * reference 10-32-16-1 model's files (1.6 MB zkey, 0.1 MB wasm, 4 KB ONNX) takes a few ms per version.
 */
export class StorageCheck {
  private readonly known = new Map<string, string | null>()

  constructor (private readonly root: string) {}

  /** The path users and logs see: relative to DATA_DIR (the registry's root is DATA_DIR/models). */
  shown (file: string): string {
    return path.relative(path.dirname(this.root), file)
  }

  /** The first damaged file among `files`, or null when all are whole. */
  async firstDamage (files: ExpectedFile[]): Promise<Damage | null> {
    for (const expected of files) {
      const reason = await this.check(expected)
      if (reason != null) return { file: this.shown(expected.file), reason }
    }
    return null
  }

  private async check (expected: ExpectedFile): Promise<string | null> {
    const info = await stat(expected.file).catch((err: unknown) => err as NodeJS.ErrnoException)
    if (info instanceof Error) {
      if (isMissing(info)) return expected.optional === true ? null : 'missing'
      return `unreadable (${info.code ?? info.message})`
    }
    const key = `${expected.file}:${info.size}:${info.mtimeMs}:${expected.kind}:${expected.sha256 ?? ''}`
    const cached = this.known.get(key)
    if (cached !== undefined) return cached
    let reason: string | null
    try {
      reason = damageOf(await readFile(expected.file), expected)
    } catch (err) {
      reason = `unreadable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`
    }
    this.known.set(key, reason)
    return reason
  }
}

// Node's global (the project's TypeScript lib has no DOM types, where WebAssembly is declared).
const wasm = (globalThis as unknown as { WebAssembly: { validate: (bytes: Uint8Array) => boolean } }).WebAssembly

function damageOf (bytes: Buffer, expected: ExpectedFile): string | null {
  if (expected.kind === 'json') {
    try {
      JSON.parse(bytes.toString('utf8'))
      return null
    } catch (err) {
      return `not valid JSON (${(err as Error).message}; ${bytes.byteLength} bytes)`
    }
  }
  if (expected.kind === 'sha256') {
    const actual = createHash('sha256').update(bytes).digest('hex')
    return actual === expected.sha256
      ? null
      : `${bytes.byteLength} bytes whose sha256 ${actual.slice(0, 12)}... differs from the recorded ` +
        `${String(expected.sha256).slice(0, 12)}...`
  }
  if (expected.kind === 'wasm') return wasm.validate(bytes) ? null : `${bytes.byteLength} bytes that are not valid WebAssembly`
  return binfileDamage(bytes, expected.magic ?? '')
}

/** snarkjs' binary files (@iden3/binfileutils): magic, version, section count, then sections of (type u32, size u64, data). */
function binfileDamage (bytes: Buffer, magic: string): string | null {
  if (bytes.byteLength < 12) return `${bytes.byteLength} bytes: shorter than a '${magic}' file header`
  if (bytes.toString('latin1', 0, 4) !== magic) return `does not start with '${magic}'`
  const sections = bytes.readUInt32LE(8)
  let at = 12
  for (let i = 0; i < sections; i++) {
    if (at + 12 > bytes.byteLength) return `cut off: ${bytes.byteLength} bytes, section ${i + 1} of ${sections} has no header`
    at += 12 + Number(bytes.readBigUInt64LE(at + 4))
  }
  return at === bytes.byteLength ? null : `${bytes.byteLength} bytes where its ${sections} sections make ${at}`
}
