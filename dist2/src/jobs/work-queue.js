import { AppError } from '../errors.js';
/**
 * Runs tasks with bounded concurrency and a bounded backlog. A full backlog is refused at
 * submission (503 with Retry-After), never by dropping work that was accepted.
 */
export class WorkQueue {
    name;
    concurrency;
    limit;
    running = 0;
    waiting = [];
    constructor(name, concurrency, limit) {
        this.name = name;
        this.concurrency = concurrency;
        this.limit = limit;
    }
    get pending() { return this.waiting.length; }
    get active() { return this.running; }
    /** Throws a 503 AppError when `count` more tasks would not fit. */
    ensureRoom(count = 1) {
        if (this.waiting.length + count > this.limit) {
            throw new AppError(503, 'queue_full', `the ${this.name} queue is full (${this.waiting.length} waiting, limit ${this.limit}); retry later`);
        }
    }
    push(task) {
        const start = () => {
            this.running++;
            task().catch(() => undefined).finally(() => {
                this.running--;
                this.waiting.shift()?.();
            });
        };
        if (this.running < this.concurrency)
            start();
        else
            this.waiting.push(start);
    }
}
//# sourceMappingURL=work-queue.js.map