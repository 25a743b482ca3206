import { AppError } from '../errors.js'
import type { Services } from '../services.js'
import type { VersionMeta } from '../registry/registry.js'
import { notProvableMessage } from '../jobs/circuit-builds.js'
import type { ModelInput } from './instances.js'
import type { LoadedModel } from './predictor.js'

export interface PredictOutcome {
  model: string
  version: number
  threshold: number
  predictions: Array<{ probability: number, label: number, proof?: { id: string, status: 'queued', href: string } }>
  proof_error?: string
}

/**
 * Runs the model on already-checked input, then (when asked, or by default for provable
 * versions) queues one proof per row. The prediction never waits for a proof.
 */
export async function predictWithProofs (services: Services, meta: VersionMeta, loaded: LoadedModel, input: ModelInput, proof: boolean | undefined): Promise<PredictOutcome> {
  const probabilities = await services.predictor.predict(loaded, input.values, input.rows)
  const outcome: PredictOutcome = {
    model: meta.name,
    version: meta.version,
    threshold: loaded.threshold,
    predictions: Array.from(probabilities, (p) => ({ probability: p, label: p >= loaded.threshold ? 1 : 0 })),
  }
  const circuit = services.registry.circuit(meta)
  const provable = circuit.status !== 'failed' && circuit.status !== 'unsupported'
  if (proof === false || (proof == null && !provable)) return outcome
  if (!provable) throw new AppError(422, 'not_provable', `${notProvableMessage(meta, circuit.error)}; ask without proof`, { field: 'proof' })
  const limit = services.config.MAX_PROOFS_PER_REQUEST
  if (input.rows > limit) {
    if (proof === true) throw new AppError(400, 'too_many_proofs', `${input.rows} rows ask for proofs; at most ${limit} proofs per request (MAX_PROOFS_PER_REQUEST): split the batch or set proof to false`, { field: 'instances' })
    outcome.proof_error = `no proofs: ${input.rows} rows exceed the ${limit} proofs allowed per request; send fewer rows with proof true`
    return outcome
  }
  await services.proofs.ensureRoom(input.rows)
  const width = loaded.width
  for (let r = 0; r < input.rows; r++) {
    const prediction = outcome.predictions[r]
    const job = await services.proofs.create(meta, Array.from(input.exact.subarray(r * width, (r + 1) * width)), { probability: prediction.probability, label: prediction.label })
    prediction.proof = { id: job.id, status: 'queued', href: `/proofs/${job.id}` }
  }
  return outcome
}

export function checkBatch (rows: number, max: number): void {
  if (rows > max) throw new AppError(400, 'batch_too_large', `${rows} instances; at most ${max} per request (MAX_BATCH)`, { field: 'instances' })
}
