import t from 'tap'
import { AppError } from '../../src/errors.js'
import { WorkQueue } from '../../src/jobs/work-queue.js'

t.test('a task weighs its count against the queue limit (a batch proof counts as its rows)', async (t) => {
  const queue = new WorkQueue('proof', 1, 10)
  let release: () => void = () => {}
  const blocked = new Promise<void>((resolve) => { release = resolve })
  const ran: string[] = []
  queue.push(async () => { await blocked; ran.push('running') })
  queue.push(async () => { ran.push('batch of 8') }, 8)
  t.doesNotThrow(() => queue.ensureRoom(2), '8 waiting rows + 2 fit a limit of 10')
  const full = (() => { try { queue.ensureRoom(3); return null } catch (err) { return err } })()
  t.ok(full instanceof AppError && full.statusCode === 503, '8 + 3 rows do not')
  t.match((full as Error).message, /proof queue is full \(8 waiting, limit 10\)/)
  queue.push(async () => { ran.push('single') })
  t.equal(queue.pending, 2, 'two tasks wait')
  release()
  await new Promise<void>((resolve) => { queue.push(async () => { resolve() }) })
  t.same(ran, ['running', 'batch of 8', 'single'])
  t.doesNotThrow(() => queue.ensureRoom(10), 'once they ran, their weight is gone')
})
