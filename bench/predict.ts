import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { request } from 'undici'
import * as ort from 'onnxruntime-node'
import { createSession } from '../src/inference/session-cache.js'
import { fmt, load, machine, startChild, stopChild, type LoadResult } from './lib.js'

/**
 * /predict without proofs, measured in one run beside its floors: a bare Fastify route answering
 * the same JSON, and onnxruntime's session.run alone on the same model.
 *   node dist/bench/predict.js [seconds per load run, default 10]
 */
const seconds = Number(process.argv[2] ?? 10)
const here = path.dirname(fileURLToPath(import.meta.url))
const dataDir = await mkdtemp(path.join(tmpdir(), 'zkpredict-bench-'))

const service = await startChild(path.join(here, '..', 'src', 'server.js'), { DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent', DEFAULT_MODELS: 'false', PRINT_PORT: '1' })
const serviceUrl = `http://127.0.0.1:${service.firstLine.trim()}`
const bare = await startChild(path.join(here, 'bare-server.js'), {})
const bareUrl = `http://127.0.0.1:${bare.firstLine.trim()}`

async function json (method: string, url: string, body?: unknown): Promise<any> {
  const res = await request(url, { method: method as 'GET', headers: { 'content-type': 'application/json' }, body: body == null ? undefined : JSON.stringify(body) })
  return await res.body.json()
}

try {
  // A model as the service trains it (scaler in the graph, 10-32-16-1), trained quickly on synthetic data.
  const job = await json('POST', `${serviceUrl}/train`, { model: 'bench', recipe: 'tutorial', epochs: 1, data: { synthetic: { days: 200 } } })
  let state = job
  while (state.status !== 'succeeded') {
    if (state.status === 'failed') throw new Error(state.error)
    await new Promise((resolve) => setTimeout(resolve, 200))
    state = await json('GET', `${serviceUrl}/train/${job.id}`)
  }
  const onnx = new Uint8Array(await (await request(`${serviceUrl}/models/bench/versions/1/model.onnx`)).body.arrayBuffer())

  const row = [2.1e7, 9.5e6, 1850.2, 0, 8.1e9, 1.9e7, 8.7e6, 0, 7.7e9, 0.031]
  const bodies = {
    1: JSON.stringify({ model: 'bench', instances: [row], proof: false }),
    100: JSON.stringify({ model: 'bench', instances: Array.from({ length: 100 }, (_, i) => row.map((v) => v * (1 + i / 1000))), proof: false }),
  }

  // session.run alone, same model, same rows, same options as the service.
  const session = await createSession(onnx)
  const sessionRun = async (rows: number, iterations: number): Promise<number> => {
    const data = new Float32Array(rows * 10).map((_, i) => row[i % 10])
    const feeds = { input: new ort.Tensor('float32', data, [rows, 10]) }
    for (let i = 0; i < 200; i++) await session.run(feeds)
    const started = process.hrtime.bigint()
    for (let i = 0; i < iterations; i++) await session.run(feeds)
    return Number(process.hrtime.bigint() - started) / 1e3 / iterations // µs per call
  }
  const runUs = { 1: await sessionRun(1, 20_000), 100: await sessionRun(100, 5_000) }
  await session.release()

  const results: Array<{ rows: 1 | 100, connections: number, service: LoadResult, bare: LoadResult }> = []
  for (const rows of [1, 100] as const) {
    for (const connections of rows === 1 ? [1, 32, 128] : [32]) {
      await load(`${serviceUrl}/predict`, bodies[rows], connections, 2) // warm-up
      const serviceResult = await load(`${serviceUrl}/predict`, bodies[rows], connections, seconds)
      await load(`${bareUrl}/predict`, bodies[rows], connections, 2)
      const bareResult = await load(`${bareUrl}/predict`, bodies[rows], connections, seconds)
      results.push({ rows, connections, service: serviceResult, bare: bareResult })
    }
  }

  const lines = [
    `Machine: ${machine()}`,
    `Command: \`node dist/bench/predict.js ${seconds}\` (autocannon, ${seconds} s per run after a 2 s warm-up; server and bare route each in their own process; no proofs)`,
    `Date: ${new Date().toISOString()}`,
    '',
    '| rows | connections | /predict req/s | bare Fastify req/s | ratio | /predict p50 / p99 ms | bare p50 / p99 ms | errors |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...results.map((r) => `| ${r.rows} | ${r.connections} | ${fmt(r.service.rps, 0)} | ${fmt(r.bare.rps, 0)} | ${fmt(r.service.rps / r.bare.rps, 2)} | ${r.service.p50} / ${r.service.p99} | ${r.bare.p50} / ${r.bare.p99} | ${r.service.errors + r.service.non2xx} |`),
    '',
    '| rows | session.run alone (µs/call) | its ceiling (calls/s, one core) | /predict req/s at 32 connections | /predict as share of the ceiling |',
    '|---:|---:|---:|---:|---:|',
    ...([1, 100] as const).map((rows) => {
      const r = results.find((x) => x.rows === rows && x.connections === 32)
      const ceiling = 1e6 / runUs[rows]
      return `| ${rows} | ${fmt(runUs[rows], 1)} | ${fmt(ceiling, 0)} | ${fmt(r?.service.rps ?? 0, 0)} | ${fmt((r?.service.rps ?? 0) / ceiling, 3)} |`
    }),
  ]
  console.log(lines.join('\n'))
} finally {
  await stopChild(service.child)
  await stopChild(bare.child)
  await rm(dataDir, { recursive: true, force: true })
}
