import * as ort from 'onnxruntime-node'

/**
 * Options for models of a few hundred parameters: a thread pool or spinning threads cost more
 * than the work itself, so every session runs sequentially on the calling thread.
 */
export const SMALL_MODEL_SESSION_OPTIONS: ort.InferenceSession.SessionOptions = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
  extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
}

export async function createSession (bytes: Uint8Array): Promise<ort.InferenceSession> {
  return await ort.InferenceSession.create(bytes, SMALL_MODEL_SESSION_OPTIONS)
}

/** A bounded least-recently-used cache of loaded sessions, one per model version. */
export class SessionCache<V extends { session: ort.InferenceSession }> {
  private readonly entries = new Map<string, Promise<V>>()
  constructor (private readonly capacity: number) {}

  async get (key: string, load: () => Promise<V>): Promise<V> {
    let entry = this.entries.get(key)
    if (entry != null) {
      // Map keeps insertion order: re-inserting marks the entry as most recently used.
      this.entries.delete(key)
      this.entries.set(key, entry)
      return await entry
    }
    entry = load()
    this.entries.set(key, entry)
    entry.catch(() => this.entries.delete(key))
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string
      this.release(oldest)
    }
    return await entry
  }

  release (key: string): void {
    const entry = this.entries.get(key)
    if (entry == null) return
    this.entries.delete(key)
    entry.then(async (v) => await v.session.release(), () => undefined).catch(() => undefined)
  }

  releaseAll (): void {
    for (const key of [...this.entries.keys()]) this.release(key)
  }
}
