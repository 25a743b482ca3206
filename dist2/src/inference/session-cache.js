import { LRUCache } from 'lru-cache';
// Session creation lives in src/onnx; re-exported for the callers that still import it from here.
/**
 * A bounded least-recently-used cache of loaded sessions, one per model version (lru-cache): an
 * evicted or released entry has its onnxruntime session released once its load settles.
 */
export class SessionCache {
    entries;
    constructor(capacity) {
        this.entries = new LRUCache({
            max: capacity,
            dispose: (entry) => { entry.then(async (v) => await v.session.release(), () => undefined).catch(() => undefined); },
        });
    }
    async get(key, load) {
        let entry = this.entries.get(key);
        if (entry != null)
            return await entry;
        entry = load();
        this.entries.set(key, entry);
        // A failed load is forgotten (without dispose: there is no session to release).
        entry.catch(() => { if (this.entries.peek(key) === entry)
            this.entries.delete(key); });
        return await entry;
    }
    release(key) {
        this.entries.delete(key);
    }
    releaseAll() {
        this.entries.clear();
    }
}
//# sourceMappingURL=session-cache.js.map