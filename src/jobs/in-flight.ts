/**
 * The tasks a component has under way, so that its shutdown can wait until none of them writes into
 * DATA_DIR any more (a test, or an operator, removes or copies the folder once close() has returned).
 */
export class InFlight {
  private readonly running = new Set<Promise<unknown>>()

  async run<T> (task: () => Promise<T>): Promise<T> {
    const promise = task()
    this.running.add(promise)
    try {
      return await promise
    } finally {
      this.running.delete(promise)
    }
  }

  /** Resolves once every task under way has ended, however it ended. */
  async settled (): Promise<void> {
    await Promise.allSettled([...this.running])
  }
}
