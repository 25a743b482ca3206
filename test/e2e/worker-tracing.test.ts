import t from 'tap'
import http from 'node:http'
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import { newTimeId } from '../../src/jobs/queues/ids.js'
import { waitFor } from '../helpers/app.js'
import { dropPrefix, redisForTest } from '../helpers/redis.js'

const SERVER = fileURLToPath(new URL('../../src/server.js', import.meta.url))

/**
 * A worker started as `ROLE=worker node dist/src/server.js` (the container's way) flushes its traces
 * when it stops, as the API does: the batch span processor would otherwise drop what it holds.
 */
t.test('a worker started through server.ts (ROLE=worker) exports the spans it holds when stopped', async (t) => {
  const url = await redisForTest(t)
  if (url == null) return
  const prefix = `otel${process.pid}x${Date.now()}`
  const dataDir = await mkdtemp(path.join(tmpdir(), 'zk-otel-'))
  t.teardown(async () => { await rm(dataDir, { recursive: true, force: true }) })

  // An OTLP/HTTP collector: what it receives on /v1/traces.
  const received: Buffer[] = []
  const collector = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      if (req.url === '/v1/traces') received.push(Buffer.concat(chunks))
      res.statusCode = 200
      res.end()
    })
  })
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve))
  t.teardown(() => collector.close())

  const child = spawn(process.execPath, [SERVER], {
    env: {
      ...process.env,
      ROLE: 'worker',
      REDIS_URL: url,
      REDIS_PREFIX: prefix,
      DATA_DIR: dataDir,
      WORKER_QUEUES: 'proofs',
      PRINT_READY: '1',
      LOG_LEVEL: 'warn',
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`,
      // Nothing is exported on a timer during the test: only the flush at shutdown can deliver the span.
      OTEL_BSP_SCHEDULE_DELAY: '600000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  t.teardown(async () => { if (child.exitCode == null && child.signalCode == null) child.kill('SIGKILL'); await exited })
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString('utf8'); if (output.includes('worker ready')) resolve() })
    child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString('utf8') })
    child.once('exit', (code, signal) => reject(new Error(`the worker exited (${signal ?? code}) before it was ready:\n${output}`)))
  })

  // A proof job whose model does not exist: the worker runs it in a 'proof job' span and records it failed.
  const connection = new Redis(url, { maxRetriesPerRequest: null })
  const proofs = new Queue('proofs', { connection, prefix })
  t.teardown(async () => {
    await proofs.close()
    connection.disconnect()
    await dropPrefix(url, prefix)
  })
  const id = newTimeId()
  const record = {
    id, status: 'queued', created: new Date().toISOString(), model: 'no-such-model', version: 1, proof_system: 'groth16', inputs: [1], served: { probability: 0.5, label: 1 },
  }
  await proofs.add('prove', { id, record }, { jobId: id })
  await waitFor(async () => await connection.hget(`${prefix}:proof:${id}`, 'status') === 'failed' ? true : undefined, 60_000, 100)
  t.equal(received.length, 0, 'nothing exported yet (the batch waits)')

  child.kill('SIGTERM')
  t.equal(await exited, 0, output)
  const exported = Buffer.concat(received)
  t.ok(exported.includes('proof job'), 'the proof job span reached the collector at shutdown')
  t.ok(exported.includes(id), 'with the proof id')
})
