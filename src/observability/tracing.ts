import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, propagation, trace, type Attributes, type Span } from '@opentelemetry/api'
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base'

/**
 * OpenTelemetry traces, off unless the standard OTEL_* variables ask for them (an exporter or an
 * endpoint; OTEL_SDK_DISABLED=true wins). The SDK reads the rest itself: OTEL_SERVICE_NAME,
 * OTEL_EXPORTER_OTLP_*, OTEL_TRACES_SAMPLER, OTEL_PROPAGATORS. HTTP spans come from @fastify/otel
 * (registered by the app when tracing is on); jobs carry their request's context (W3C traceparent)
 * in their record, so a proof made later, or by another process, continues the request's trace.
 */
let active: Tracing | null = null

export function tracingEnabled (): boolean {
  return active != null
}

export function tracingRequested (env: Record<string, string | undefined> = process.env): boolean {
  if (env.OTEL_SDK_DISABLED === 'true') return false
  const exporter = env.OTEL_TRACES_EXPORTER
  if (exporter != null && exporter !== '') return exporter !== 'none'
  return (env.OTEL_EXPORTER_OTLP_ENDPOINT ?? '') !== '' || (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? '') !== ''
}

export interface Tracing {
  shutdown: () => Promise<void>
}

/**
 * Starts the SDK when the environment asks for it, or always with `spanProcessors` (tests use an
 * in-memory exporter). Loaded lazily: the SDK and its exporters cost ~40 ms and memory at start.
 * Started already (server.ts with ROLE=worker hands over to worker.ts): the running SDK's handle,
 * so that whoever shuts the process down flushes the spans it holds.
 */
export async function startTracing (
  options: { spanProcessors?: SpanProcessor[], env?: Record<string, string | undefined> } = {}
): Promise<Tracing | null> {
  if (active != null && options.spanProcessors == null) return active
  if (options.spanProcessors == null && !tracingRequested(options.env)) return null
  const { NodeSDK } = await import('@opentelemetry/sdk-node')
  const sdk = new NodeSDK({
    serviceName: process.env.OTEL_SERVICE_NAME ?? 'zkpredict',
    instrumentations: [],
    ...(options.spanProcessors != null ? { spanProcessors: options.spanProcessors } : {}),
  })
  sdk.start()
  const tracing: Tracing = {
    shutdown: async () => {
      if (active === tracing) active = null
      await sdk.shutdown()
    },
  }
  active = tracing
  return tracing
}

/** The active trace context as W3C headers, to keep with a job; undefined when nothing is recorded. */
export function traceCarrier (): Record<string, string> | undefined {
  const span = trace.getActiveSpan()
  if (span == null || !span.isRecording()) return undefined
  const carrier: Record<string, string> = {}
  propagation.inject(context.active(), carrier)
  return Object.keys(carrier).length > 0 ? carrier : undefined
}

/**
 * Runs a job step in a span whose parent is the context the job carries (or a new trace when it
 * carries none). Without a tracer provider this is the API's no-op span.
 */
export async function inJobSpan<T> (
  name: string,
  carrier: Record<string, string> | undefined,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>
): Promise<T> {
  const parent = carrier != null ? propagation.extract(ROOT_CONTEXT, carrier) : ROOT_CONTEXT
  return await trace.getTracer('zkpredict').startActiveSpan(name, { kind: SpanKind.CONSUMER, attributes }, parent, async (span) => {
    try {
      return await fn(span)
    } catch (err) {
      span.recordException(err as Error)
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message })
      throw err
    } finally {
      span.end()
    }
  })
}
