import { LRUCache } from 'lru-cache'
import type * as ort from 'onnxruntime-node'

interface Entry<V> {
  load: Promise<V>
  /** Set once the load has succeeded: what `ready` hands out without a promise. */
  value?: V
}

/**
 * A bounded least-recently-used cache of loaded sessions, one per model version (lru-cache): an
 * evicted or released entry has its onnxruntime session released once its load settles.
 */
export class SessionCache<V extends { session: ort.InferenceSession }> {
  private readonly entries: LRUCache<string, Entry<V>>

  constructor (capacity: number) {
    this.entries = new LRUCache<string, Entry<V>>({
      max: capacity,
      dispose: (entry) => { entry.load.then(async (v) => await v.session.release(), () => undefined).catch(() => undefined) },
    })
  }

  /** A loaded value, if its load has finished (counts as a use); undefined while loading or not cached. */
  ready (key: string): V | undefined {
    return this.entries.get(key)?.value
  }

  async get (key: string, load: () => Promise<V>): Promise<V> {
    const cached = this.entries.get(key)
    if (cached != null) return await cached.load
    const entry: Entry<V> = { load: load() }
    this.entries.set(key, entry)
    entry.load.then((value) => { entry.value = value }, () => {
      // A failed load is forgotten (without dispose: there is no session to release).
      if (this.entries.peek(key) === entry) this.entries.delete(key)
    })
    return await entry.load
  }

  release (key: string): void {
    this.entries.delete(key)
  }

  releaseAll (): void {
    this.entries.clear()
  }
}
