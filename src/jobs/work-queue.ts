import { AppError } from '../errors.js'
import type { QueueDepth, QueueDepthSource } from '../observability/events.js'

/**
 * Runs tasks with bounded concurrency and a bounded backlog. A full backlog is refused at
 * submission (503 with Retry-After), never by dropping work that was accepted.
 */
export class WorkQueue implements QueueDepthSource {
  private running = 0
  private readonly waiting: Array<() => void> = []
  /** When each waiting task was pushed, in the order of `waiting` (for the metrics' oldest-waiting age). */
  private readonly waitingSince: number[] = []

  constructor (readonly name: string, private readonly concurrency: number, private readonly limit: number) {}

  get pending (): number { return this.waiting.length }
  get active (): number { return this.running }

  depth (): QueueDepth {
    const oldest = this.waitingSince[0]
    return { waiting: this.waiting.length, active: this.running, oldestWaitingMs: oldest != null ? Date.now() - oldest : null }
  }

  /** Throws a 503 AppError when `count` more tasks would not fit. */
  ensureRoom (count = 1): void {
    if (this.waiting.length + count > this.limit) {
      throw new AppError(503, 'queue_full',
        `the ${this.name} queue is full (${this.waiting.length} waiting, limit ${this.limit}); retry later`)
    }
  }

  push (task: () => Promise<void>): void {
    const start = (): void => {
      this.running++
      task().catch(() => undefined).finally(() => {
        this.running--
        this.waitingSince.shift()
        this.waiting.shift()?.()
      })
    }
    if (this.running < this.concurrency) start()
    else { this.waiting.push(start); this.waitingSince.push(Date.now()) }
  }
}
