/**
 * prove: the composition of the proving steps for one input row. The input is first evaluated in
 * bigint (evaluate.ts) so an input outside the supported range fails with InputRangeError before the
 * witness calculator is touched; the prover (prover-cache.ts: witness calculator, key, curve) proves it
 * with groth16-prove.ts or snarkjs plonk prove, and the proven output is checked against that evaluation.
 */
import * as snarkjs from 'snarkjs'
import { evaluatePlan, InputRangeError, quantizeInputs, type Evaluation } from './evaluate.js'
import { groth16Prove } from './groth16-prove.js'
import { loadProver, type Prover, type ProverOptions } from './prover-cache.js'
import { BN254_P, circuitInput, decodePublicSignals } from './signals.js'
import type { Groth16Key } from './zkey.js'

export { InputRangeError }

const R = BN254_P

export interface ProofOutput {
  /** Decoded public logit (logit_q / 2^logitScaleBits). */
  logit: number
  /** sigmoid(logit), computed outside the circuit. */
  probability: number
  label: 0 | 1
}

export interface ProveResult {
  proof: snarkjs.Proof
  publicSignals: string[]
  output: ProofOutput
  /** Wall time of the whole call (witness + proof), ms. */
  prove_ms: number
  witness_ms: number
}

/** Witness calculation; an unexpected assertion failure becomes a clear error. */
async function witness (prover: Prover, xq: bigint[]): Promise<bigint[]> {
  try {
    return await prover.wc.calculateWitness(circuitInput(xq), true)
  } catch (err) {
    throw new Error(`witness generation failed: ${(err as Error).message.split('\n')[0]}`)
  }
}

/** Proves already-quantized inputs without the range pre-check (tests use it to hit the circuit's own checks). */
export async function proveQuantized (prover: Prover, xq: bigint[], expected?: Evaluation): Promise<ProveResult> {
  const t0 = performance.now()
  const w = await witness(prover, xq)
  const t1 = performance.now()
  let res: { proof: snarkjs.Proof, publicSignals: string[] }
  if (prover.system === 'groth16') {
    res = await groth16Prove(prover.groth16 as Groth16Key, prover.curve, w)
  } else {
    const wtns = await prover.wc.calculateWTNSBin(circuitInput(xq), true)
    res = await snarkjs.plonk.prove({ type: 'mem', data: prover.zkeyBytes }, { type: 'mem', data: wtns }, undefined, { singleThread: prover.singleThread })
  }
  const prove_ms = performance.now() - t0
  const d = decodePublicSignals(res.publicSignals, prover.meta)
  if (expected && (BigInt(res.publicSignals[0]) !== ((expected.logitQ % R) + R) % R || d.label !== expected.label)) {
    throw new Error('proven output differs from the exact evaluation: the circuit and the plan disagree')
  }
  return {
    proof: res.proof,
    publicSignals: res.publicSignals,
    output: { logit: d.logit, probability: d.probability, label: d.label },
    prove_ms,
    witness_ms: t1 - t0
  }
}

/**
 * Proves that the circuit's model maps `rawInputs` (raw feature values, as sent by the client, in the
 * model's input order) to the returned logit and label. Throws InputRangeError for inputs the
 * circuit cannot represent (see quantize.ts), Error for a failed witness or a broken artifact dir.
 */
export async function prove (artifacts: string | { dir: string }, rawInputs: readonly number[], opts: ProverOptions = {}): Promise<ProveResult> {
  const prover = await loadProver(typeof artifacts === 'string' ? artifacts : artifacts.dir, opts)
  const xq = quantizeInputs(prover.plan, rawInputs)
  const expected = evaluatePlan(prover.plan, xq)
  return proveQuantized(prover, xq, expected)
}
