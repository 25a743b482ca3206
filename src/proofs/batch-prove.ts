/**
 * Proving a batch: every row is evaluated exactly first (evaluate.ts: an input outside the supported
 * box is an InputRangeError naming the row and column before any witness work), the witness of the
 * whole batch is computed once, and the Groth16 proof is made by prove.ts' prover (parsed key,
 * cached per circuit directory and thread). The proven words are checked against the words packed
 * from the exact evaluation, so a circuit that disagreed with the plan would fail here, not later.
 */
import type * as snarkjs from 'snarkjs'
import { evaluatePlan, InputRangeError, quantizeInputs } from './evaluate.js'
import { decodeRow, layoutFromJSON, packRows, type BatchLayout, type BatchRowQ, type DecodedBatchRow } from './batch-layout.js'
import type { BatchMeta } from './batch-setup.js'
import { groth16Prove } from './groth16-prove.js'
import { loadProver, type Prover, type ProverOptions } from './prover-cache.js'
import { toField } from './signals.js'

export class BatchInputRangeError extends InputRangeError {
  readonly row: number
  constructor (message: string, row: number, column: number) {
    super(message, column)
    this.name = 'BatchInputRangeError'
    this.row = row
  }
}

export interface BatchProveResult {
  proof: snarkjs.Proof
  /** The packed words (decimal strings): what `snarkjs groth16 verify` takes as public.json. */
  publicSignals: string[]
  /** The request rows, decoded (padding rows are not listed). */
  rows: DecodedBatchRow[]
  size: number
  prove_ms: number
  witness_ms: number
}

const layouts = new WeakMap<Prover, BatchLayout>()

function layoutOf (prover: Prover): BatchLayout {
  let l = layouts.get(prover)
  if (!l) {
    const meta = prover.meta as BatchMeta
    if (!meta.batch) throw new Error(`${prover.dir} is not a batch circuit`)
    l = layoutFromJSON(meta.batch.layout)
    layouts.set(prover, l)
  }
  return l
}

/**
 * Proves that the circuit's model maps each row of `rawRows` (raw feature values in the model's input
 * order, at most the circuit's batch size) to the logit and label returned for it.
 */
export async function proveBatch (
  dir: string, rawRows: readonly (readonly number[])[], opts: ProverOptions = {}
): Promise<BatchProveResult> {
  const prover = await loadProver(dir, opts)
  const layout = layoutOf(prover)
  if (rawRows.length < 1 || rawRows.length > layout.size) {
    throw new RangeError(`a batch of this circuit holds 1 to ${layout.size} rows, got ${rawRows.length}`)
  }
  const t0 = performance.now()
  const rows: BatchRowQ[] = rawRows.map((raw, r) => {
    try {
      const xq = quantizeInputs(prover.plan, raw)
      const e = evaluatePlan(prover.plan, xq)
      return { xq, logitQ: e.logitQ, label: e.label }
    } catch (err) {
      if (err instanceof InputRangeError) throw new BatchInputRangeError(`row ${r}: ${err.message}`, r, err.column)
      throw err
    }
  })
  const expected = packRows(layout, rows)
  const xs = Array.from({ length: layout.size }, (_, r) => (r < rows.length ? rows[r].xq : layout.pad.xq).map((v) => toField(v).toString()))
  const real = Array.from({ length: layout.size }, (_, r) => (r < rows.length ? '1' : '0'))
  let w: bigint[]
  try {
    w = await prover.wc.calculateWitness({ x: xs, real }, true)
  } catch (err) {
    throw new Error(`witness generation failed: ${(err as Error).message.split('\n')[0]}`)
  }
  const t1 = performance.now()
  if (prover.groth16 == null) throw new Error(`${prover.dir} has no Groth16 key`)
  const { proof, publicSignals } = await groth16Prove(prover.groth16, prover.curve, w)
  if (publicSignals.length !== expected.length || publicSignals.some((s, i) => BigInt(s) !== expected[i])) {
    throw new Error('proven words differ from the exact evaluation: the batch circuit and the plan disagree')
  }
  return {
    proof,
    publicSignals,
    rows: rows.map((r) => decodeRow(r, prover.meta)),
    size: layout.size,
    prove_ms: performance.now() - t0,
    witness_ms: t1 - t0
  }
}
