import { AppError } from '../errors.js'

/**
 * Runs tasks with bounded concurrency and a bounded backlog. A full backlog is refused at
 * submission (503 with Retry-After), never by dropping work that was accepted.
 */
export class WorkQueue {
  private running = 0
  private readonly waiting: Array<() => void> = []

  constructor (readonly name: string, private readonly concurrency: number, private readonly limit: number) {}

  get pending (): number { return this.waiting.length }
  get active (): number { return this.running }

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
        this.waiting.shift()?.()
      })
    }
    if (this.running < this.concurrency) start()
    else this.waiting.push(start)
  }
}
