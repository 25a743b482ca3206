import { timeOfId } from './ids.js';
/** Whether an id's creation time (UUIDv7) is past the retention: such a record is gone or about to be. */
export function isExpired(id, retentionMs, now = Date.now()) {
    const created = timeOfId(id);
    return created != null && created + retentionMs <= now;
}
//# sourceMappingURL=proof-store.js.map