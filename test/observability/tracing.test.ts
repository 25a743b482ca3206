import t from 'tap'
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { startTracing, tracingRequested } from '../../src/observability/tracing.js'
import { settled, startServer, waitFor } from '../helpers/app.js'
import { buildMlpOnnx } from '../helpers/onnx-fixture.js'
import { postMultipart } from '../helpers/multipart.js'

t.test('tracing is off unless the OTEL_* variables ask for it', async (t) => {
  t.equal(tracingRequested({}), false)
  t.equal(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }), true)
  t.equal(tracingRequested({ OTEL_TRACES_EXPORTER: 'otlp' }), true)
  t.equal(tracingRequested({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }), false)
  t.equal(tracingRequested({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' }), false)
})

const parentOf = (span: ReadableSpan): string | undefined => (span as unknown as { parentSpanContext?: { spanId: string } }).parentSpanContext?.spanId

t.test('one trace from POST /predict through the proof job to its completion', async (t) => {
  const exporter = new InMemorySpanExporter()
  const tracing = await startTracing({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
  t.teardown(async () => { await tracing?.shutdown() })
  const server = await startServer()
  t.teardown(server.close)

  const up = await postMultipart(`${server.url}/models`, { model: { bytes: buildMlpOnnx({ seed: 7 }).bytes, filename: 'zk.onnx' }, spec: JSON.stringify({ name: 'zk' }) })
  t.equal(up.status, 201)
  const res = await server.call('POST', '/predict', { model: 'zk', instances: [[0.1, 0.5, 0.9, 0.3, 0.7, 0.2, 0.8, 0.4, 0.6, 0.05]], proof: true })
  t.equal(res.status, 200)
  const id = res.body.predictions[0].proof.id as string
  const proof = await settled(server, `/proofs/${id}`)
  t.equal(proof.status, 'succeeded', proof.error)

  // The job's span ends right after the record is saved: wait for it to be exported.
  const jobSpan = await waitFor(async () => exporter.getFinishedSpans().find((s) => s.name === 'proof job' && s.attributes['zkpredict.proof.id'] === id), 10_000, 20)
  const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === jobSpan.spanContext().traceId)
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]))
  // Walk up from the proof job to the root of its trace: it must be the POST /predict request.
  const chain: ReadableSpan[] = [jobSpan]
  for (let parent = parentOf(jobSpan); parent != null; parent = parentOf(chain[chain.length - 1])) {
    const span = byId.get(parent)
    if (span == null) throw new Error(`span ${parent} of the chain was not exported`)
    chain.push(span)
  }
  const root = chain[chain.length - 1]
  t.equal(root.name, 'request', 'the root is the HTTP request span (@fastify/otel)')
  t.equal(root.attributes['http.route'], '/predict')
  t.equal(root.attributes['http.request.method'] ?? root.attributes['http.method'], 'POST')
  t.ok(chain.length >= 2, 'the proof job is a descendant of the request')
  t.equal(jobSpan.attributes['zkpredict.proof.status'], 'succeeded')
  t.equal(jobSpan.attributes['zkpredict.model'], 'zk')
  t.ok((jobSpan.attributes['zkpredict.proof.prove_ms'] as number) > 0)
  // The job span starts after the request ends (the proof is made in the background) and ends when the proof is stored.
  const ns = (time: [number, number]): bigint => BigInt(time[0]) * 1_000_000_000n + BigInt(time[1])
  t.ok(ns(jobSpan.endTime) >= ns(root.endTime), 'the proof completes after the request was answered')
  t.equal(proof.trace, undefined, 'the trace context stays in the job record, not in the API')
})
