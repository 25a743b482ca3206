import { AppError } from '../errors.js'
import type { QueueDepth, QueueDepthSource } from '../observability/events.js'

/**
 * Runs tasks with bounded concurrency and a bounded backlog. A full backlog is refused at
 * submission (503 with Retry-After), never by dropping work that was accepted. A task may weigh more
 * than one against the limit (a batch proof weighs its row count, issue 15).
 */
export class WorkQueue implements QueueDepthSource {
  private running = 0
  private readonly waiting: Array<() => void> = []
  /** When each waiting task was pushed, in the order of `waiting` (for the metrics' oldest-waiting age). */
  private readonly waitingSince: number[] = []
  /** The weight of each waiting task, in the order of `waiting`, and their sum. */
  private readonly waitingWeights: number[] = []
  private waitingWeight = 0

  constructor (readonly name: string, private readonly concurrency: number, private readonly limit: number) {}

  get pending (): number { return this.waiting.length }
  get active (): number { return this.running }

  depth (): QueueDepth {
    const oldest = this.waitingSince[0]
    return { waiting: this.waiting.length, active: this.running, oldestWaitingMs: oldest != null ? Date.now() - oldest : null }
  }

  /** Throws a 503 AppError when `count` more tasks would not fit. */
  ensureRoom (count = 1): void {
    if (this.waitingWeight + count > this.limit) {
      throw new AppError(503, 'queue_full',
        `the ${this.name} queue is full (${this.waitingWeight} waiting, limit ${this.limit}); retry later`)
    }
  }

  push (task: () => Promise<void>, weight = 1): void {
    const start = (): void => {
      this.running++
      task().catch(() => undefined).finally(() => {
        this.running--
        const next = this.waiting.shift()
        if (next != null) {
          this.waitingSince.shift()
          this.waitingWeight -= this.waitingWeights.shift() ?? 1
          next()
        }
      })
    }
    if (this.running < this.concurrency) start()
    else { this.waiting.push(start); this.waitingSince.push(Date.now()); this.waitingWeights.push(weight); this.waitingWeight += weight }
  }
}
