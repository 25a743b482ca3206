/**
 * Proving a private batch: every row is evaluated exactly first with the model's parameters
 * (evaluate.ts: a row outside the model's provable box is a BatchInputRangeError naming the row and
 * column before any witness work), the witness of the whole batch is computed once, and the Groth16
 * proof made with the batch directory's parsed key (prove.ts' loadPrivateProver, cached per
 * directory). The proven commitment and words are checked against commit() and the words packed from
 * the exact evaluation, so a circuit that disagreed with the plan fails here, not at a verifier.
 */
import type * as snarkjs from 'snarkjs'
import { BatchInputRangeError } from '../batch-prove.js'
import { decodeRow, layoutFromJSON, packRows, type BatchLayout, type BatchRowQ, type DecodedBatchRow } from '../batch-layout.js'
import { InputRangeError } from '../evaluate.js'
import { groth16Prove } from '../groth16-prove.js'
import { toField } from '../signals.js'
import { commitParams } from './commitment.js'
import { evaluatePrivate, privateCircuitInput, quantizePrivateInputs } from './evaluate.js'
import { checkParams, FMT, type ArchitecturePlan, type PrivateParams } from './format.js'
import { loadPrivateProver } from './prove.js'
import type { PrivateBatchMeta } from './batch-setup.js'

export interface PrivateBatchProveResult {
  proof: snarkjs.Proof
  /** [commitment, words...] (decimal strings): what `snarkjs groth16 verify` takes as public.json */
  publicSignals: string[]
  commitment: string
  /** The request rows, decoded from the proven words (padding rows are not listed) */
  rows: DecodedBatchRow[]
  size: number
  prove_ms: number
  witness_ms: number
}

export const PRIVATE_LOGIT_SCALE_BITS = FMT.activationFracBits + FMT.weightFracBits

/**
 * The rows of a private model as the batch circuit would prove them; throws BatchInputRangeError for
 * the first row the model cannot prove (so a caller can leave it out of the batch).
 */
export function evaluatePrivateRows (plan: ArchitecturePlan, params: PrivateParams, rawRows: readonly (readonly number[])[]): BatchRowQ[] {
  return rawRows.map((raw, r) => {
    try {
      const xq = quantizePrivateInputs(plan, raw)
      const e = evaluatePrivate(plan, params, xq)
      return { xq, logitQ: e.logitQ, label: e.label }
    } catch (err) {
      if (err instanceof InputRangeError) throw new BatchInputRangeError(`row ${r}: ${err.message}`, r, err.column)
      throw err
    }
  })
}

/** Proves that the model committed to by commit(params, salt) maps each of `rawRows` to the logit and label returned for it. */
export async function provePrivateBatch (
  dir: string, params: PrivateParams, salt: bigint, rawRows: readonly (readonly number[])[], opts: { singleThread?: boolean } = {}
): Promise<PrivateBatchProveResult> {
  const prover = await loadPrivateProver(dir, opts.singleThread)
  const meta = prover.meta as unknown as PrivateBatchMeta
  if (meta.batch == null) throw new Error(`${dir} is not a private batch circuit`)
  const layout: BatchLayout = layoutFromJSON(meta.batch.layout)
  if (rawRows.length < 1 || rawRows.length > layout.size) {
    throw new RangeError(`a batch of this circuit holds 1 to ${layout.size} rows, got ${rawRows.length}`)
  }
  checkParams(prover.plan, params)
  const t0 = performance.now()
  const rows = evaluatePrivateRows(prover.plan, params, rawRows)
  const commitment = commitParams(prover.plan, params, salt)
  const expected = [commitment, ...packRows(layout, rows)]
  // Padding rows repeat row 0's inputs (provable by this model) and are masked to zeros by real = 0
  const input = privateCircuitInput(params, rows[0].xq, salt)
  input.x = Array.from({ length: layout.size }, (_, r) => (r < rows.length ? rows[r] : rows[0]).xq.map((v) => toField(v).toString()))
  input.real = Array.from({ length: layout.size }, (_, r) => (r < rows.length ? '1' : '0'))
  let w: bigint[]
  try {
    w = await prover.wc.calculateWitness(input, true)
  } catch (err) {
    throw new Error(`witness generation failed: ${(err as Error).message.split('\n')[0]}`)
  }
  const t1 = performance.now()
  const { proof, publicSignals } = await groth16Prove(prover.key, prover.curve, w)
  if (publicSignals.length !== expected.length || publicSignals.some((s, i) => BigInt(s) !== expected[i])) {
    throw new Error('proven commitment or words differ from the exact evaluation: the private batch circuit and the plan disagree')
  }
  return {
    proof,
    publicSignals,
    commitment: commitment.toString(),
    rows: rows.map((r) => decodeRow(r, { inputFracBits: FMT.inputFracBits, logitScaleBits: PRIVATE_LOGIT_SCALE_BITS })),
    size: layout.size,
    prove_ms: performance.now() - t0,
    witness_ms: t1 - t0
  }
}
