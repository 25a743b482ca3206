/**
 * Proving with a private model: the architecture's witness calculator and parsed proving key are
 * loaded once per architecture directory and shared by every model of that architecture; a proof
 * takes the model's parameters and salt as private inputs. The commitment the circuit outputs is
 * checked against the one computed here (and, by the caller, against the version's published one).
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { WitnessCalculatorBuilder, type WitnessCalculator } from 'circom_runtime'
import type * as snarkjs from 'snarkjs'
import { getCurve, type Curve } from '../curve.js'
import { groth16Prove } from '../groth16-prove.js'
import { loadGroth16Key, type Groth16Key } from '../zkey.js'
import { fromField, sigmoid } from '../signals.js'
import { commitParams } from './commitment.js'
import { evaluatePrivate, privateCircuitInput, quantizePrivateInputs } from './evaluate.js'
import { FMT, checkParams, planArchitecture, type ArchitecturePlan, type PrivateParams } from './format.js'
import { PRIVATE_FILES, type ArchitectureMeta } from './setup.js'

interface PrivateProver {
  dir: string
  meta: ArchitectureMeta
  plan: ArchitecturePlan
  wc: WitnessCalculator
  curve: Curve
  key: Groth16Key
}

export interface PrivateProveResult {
  proof: snarkjs.Proof
  publicSignals: string[]
  commitment: string
  output: { logit: number, probability: number, label: 0 | 1 }
  prove_ms: number
  witness_ms: number
}

const provers = new Map<string, Promise<PrivateProver>>()

export function loadPrivateProver (dir: string, singleThread = false): Promise<PrivateProver> {
  const d = path.resolve(dir)
  const k = `${d}|${singleThread ? 1 : 0}`
  let p = provers.get(k)
  if (!p) {
    p = (async () => {
      const meta = JSON.parse(await readFile(path.join(d, PRIVATE_FILES.meta), 'utf8')) as ArchitectureMeta
      const wc = await WitnessCalculatorBuilder(await readFile(path.join(d, PRIVATE_FILES.wasm)))
      const curve = await getCurve(singleThread)
      const key = await loadGroth16Key(new Uint8Array(await readFile(path.join(d, PRIVATE_FILES.zkey))), curve)
      return { dir: d, meta, plan: planArchitecture(meta.sizes), wc, curve, key }
    })()
    provers.set(k, p)
    p.catch(() => provers.delete(k))
  }
  return p
}

/** Forgets a loaded architecture (after a ceremony replaced its key). */
export function evictPrivateProver (dir: string): void {
  const d = path.resolve(dir)
  for (const k of [...provers.keys()]) if (k.startsWith(`${d}|`)) provers.delete(k)
}

/** Decodes [commitment, logit, label, x...] (no verification). */
export interface DecodedPrivateSignals { commitment: string, logit: number, probability: number, label: 0 | 1, inputs: number[] }

export function decodePrivateSignals (signals: readonly string[], nInputs: number): DecodedPrivateSignals {
  if (!Array.isArray(signals) || signals.length !== 3 + nInputs) throw new Error(`expected ${3 + nInputs} public signals`)
  const logit = Number(fromField(BigInt(signals[1]))) / 2 ** (FMT.activationFracBits + FMT.weightFracBits)
  const label = BigInt(signals[2])
  if (label !== 0n && label !== 1n) throw new Error('public signal 2 (label) is not a bit')
  return {
    commitment: BigInt(signals[0]).toString(),
    logit,
    probability: sigmoid(logit),
    label: label === 1n ? 1 : 0,
    inputs: signals.slice(3).map((s) => Number(fromField(BigInt(s))) / 2 ** FMT.inputFracBits)
  }
}

/**
 * Proves that the model committed to by commit(params, salt) maps rawInputs to the returned logit
 * and label. Throws InputRangeError for inputs the format cannot represent.
 */
export async function provePrivate (
  dir: string, params: PrivateParams, salt: bigint, rawInputs: readonly number[], opts: { singleThread?: boolean } = {}
): Promise<PrivateProveResult> {
  const prover = await loadPrivateProver(dir, opts.singleThread)
  checkParams(prover.plan, params)
  const xq = quantizePrivateInputs(prover.plan, rawInputs)
  const expected = evaluatePrivate(prover.plan, params, xq)
  const t0 = performance.now()
  let w: bigint[]
  try {
    w = await prover.wc.calculateWitness(privateCircuitInput(params, xq, salt), true)
  } catch (err) {
    throw new Error(`witness generation failed: ${(err as Error).message.split('\n')[0]}`)
  }
  const t1 = performance.now()
  const { proof, publicSignals } = await groth16Prove(prover.key, prover.curve, w)
  const proveMs = performance.now() - t0
  const d = decodePrivateSignals(publicSignals, prover.plan.sizes[0])
  const commitment = commitParams(prover.plan, params, salt).toString()
  if (d.commitment !== commitment) throw new Error('the circuit and commitment.ts disagree on the commitment')
  if (fromField(BigInt(publicSignals[1])) !== expected.logitQ || d.label !== expected.label) {
    throw new Error('proven output differs from the exact evaluation: the circuit and the plan disagree')
  }
  const output = { logit: d.logit, probability: d.probability, label: d.label }
  return { proof, publicSignals, commitment, output, prove_ms: proveMs, witness_ms: t1 - t0 }
}
