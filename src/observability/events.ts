import diagnostics from 'node:diagnostics_channel'

/**
 * What the service's core announces for observers (metrics, traces) without knowing them:
 * Node's diagnostics channels cost one property read when nobody subscribes (METRICS=false), and
 * a worker process that runs jobs subscribes in the same way as the HTTP process. Every message
 * names its `source` (the Predictor, ProofJobs, TrainJobs or CircuitBuilds instance) so that an
 * observer counts only its own service when a test runs several apps in one process.
 */
export interface InferenceEvent {
  source: object
  model: string
  version: number
  rows: number
  seconds: number
  ok: boolean
}

export interface ProofEvent {
  source: object
  state: 'queued' | 'proving' | 'succeeded' | 'failed'
  proof_system: string
  /** How the proof is made: 'embedded' (the in-process queue); other dispatchers name their own. */
  mode: string
  /** For proving: seconds it waited in the queue; for succeeded: seconds the prover took. */
  seconds?: number
}

export interface TrainingEvent {
  source: object
  state: 'queued' | 'running' | 'succeeded' | 'failed'
  recipe: string
  seconds?: number
}

export interface CircuitEvent {
  source: object
  state: 'ready' | 'failed' | 'unsupported'
  proof_system: string
  seconds?: number
}

export const inferenceChannel = diagnostics.channel('zkpredict:inference')
export const proofChannel = diagnostics.channel('zkpredict:proof')
export const trainingChannel = diagnostics.channel('zkpredict:training')
export const circuitChannel = diagnostics.channel('zkpredict:circuit')

export function publishProof (event: ProofEvent): void {
  if (proofChannel.hasSubscribers) proofChannel.publish(event)
}

export function publishTraining (event: TrainingEvent): void {
  if (trainingChannel.hasSubscribers) trainingChannel.publish(event)
}

export function publishCircuit (event: CircuitEvent): void {
  if (circuitChannel.hasSubscribers) circuitChannel.publish(event)
}

/** The depth of one job queue, as the queue itself counts it (the in-process WorkQueue, or BullMQ's counts). */
export interface QueueDepth {
  waiting: number
  active: number
  /** Milliseconds the oldest waiting job has waited; null when none waits. */
  oldestWaitingMs: number | null
}

/** Anything that can say how deep its queue is: metrics read it at scrape time, not per job. */
export interface QueueDepthSource {
  readonly name: string
  depth: () => QueueDepth | Promise<QueueDepth>
}
