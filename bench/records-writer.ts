import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { parentPort, workerData } from 'node:worker_threads'
import { newTimeId } from '../src/jobs/queues/ids.js'

/**
 * One worker thread of bench/records.ts: writes records `from` .. `to` - 1 of the embedded proof store's
 * on-disk format (`<dir>/<day>/<hour>/<id>.json`, src/jobs/queues/file-proof-store.ts) with plain
 * synchronous writes: a few such threads keep the disk busier than one event loop's async writes.
 */
const { dir, template, now, stepMs, from, to } = workerData as { dir: string, template: [string, string, string], now: number, stepMs: number, from: number, to: number }
let hourDir = ''
let last = ''
for (let i = from; i < to; i++) {
  const time = Math.floor(now - i * stepMs)
  const id = newTimeId(time)
  const iso = new Date(time).toISOString()
  const dirOfHour = path.join(dir, iso.slice(0, 10), iso.slice(11, 13))
  if (dirOfHour !== hourDir) { mkdirSync(dirOfHour, { recursive: true }); hourDir = dirOfHour }
  writeFileSync(path.join(dirOfHour, `${id}.json`), template[0] + id + template[1] + iso + template[2])
  last = id
}
// The id of this thread's oldest record: the bench asks for the oldest of all through GET /proofs/{id}.
parentPort?.postMessage(last)
