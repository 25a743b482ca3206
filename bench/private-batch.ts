/**
 * Private batch proofs against single private proofs, in the same run:
 *
 *   node dist/bench/private-batch.js [--sizes 3,4,3,1] [--batch 1,2] [--rounds 5] [--count 1,2,4]
 *
 * 1. Constraints: the single private circuit and the private batch circuit at each size of --count
 *    (compiled only, no setup): shared constraints (parameter range checks + commitment) and the
 *    per-row marginal cost C(N+1) - C(N).
 * 2. For each size of --batch whose domain fits the powers of tau at hand (PTAU_FILE, else the shipped
 *    2^12 file): setup, then --rounds interleaved rounds of [N single private proofs of N rows] and
 *    [one private batch proof of the same N rows]; row-proofs/s of each, prove p50, verify p50, and
 *    gas per prediction in the EVM (the architecture's verifier.sol per row; the batch contract
 *    deployed with the commitment, per batch / N).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { AAVE_LIKE_SCALER, buildMlpOnnx, randomLayers, rng } from '../test/helpers/mlp-onnx.js'
import { deployVerifier } from '../test/helpers/evm-verifier.js'
import { compileCircuit } from '../src/proofs/compile.js'
import { extractModel } from '../src/proofs/extract.js'
import { readPtauHeader } from '../src/proofs/ptau.js'
import { releaseProvers } from '../src/proofs/prover-cache.js'
import { BATCH_VERIFY_SIGNATURE, batchCallArgs, batchContractName, calldataGas, encodeBatchCall } from '../src/proofs/batch-solidity.js'
import { encodeVerifierArgs, solidityCallData, verifierSignature } from '../src/proofs/solidity.js'
import {
  buildArchitecture, buildPrivateBatch, commitParams, newSalt, planArchitecture, privateBatchCircomSource, privateBatchLayout,
  privateCircomSource, provePrivate, provePrivateBatch, quantizePrivate, verifyPrivateBatch, verifyPrivateProof
} from '../src/proofs/private/index.js'
import type { BatchBundle } from '../src/proofs/batch-verify.js'

const shippedPtau = new URL('../../models/ptau/INSECURE-dev-pot12.ptau', import.meta.url).pathname

function pct (xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))]
}

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : dflt
}
const list = (s: string): number[] => s.split(',').filter((v) => v !== '').map(Number)

async function main (): Promise<void> {
  const sizes = list(arg('sizes', '3,4,3,1'))
  const batchSizes = list(arg('batch', '1,2'))
  const counts = list(arg('count', '1,2'))
  const rounds = Number(arg('rounds', '5'))
  const ptauPath = (process.env.PTAU_FILE ?? '') !== '' ? process.env.PTAU_FILE as string : shippedPtau
  const ptauPower = (await readPtauHeader(ptauPath)).power
  const plan = planArchitecture(sizes)
  const scaler = sizes[0] === 10 ? AAVE_LIKE_SCALER : { min: new Array(sizes[0]).fill(0), max: new Array(sizes[0]).fill(1) }
  const onnx = buildMlpOnnx({ layers: randomLayers(sizes, 1), scaler, metadata: { threshold: '0.5' } })
  const { params } = quantizePrivate(extractModel(onnx))
  const salt = newSalt()
  const commitment = commitParams(plan, params, salt).toString()
  const g = rng(42)
  const row = (): number[] => scaler.min.map((m, i) => (scaler.max[i] === m ? m : m + (scaler.max[i] - m) * g()))
  const work = mkdtempSync(path.join(os.tmpdir(), 'zkp-bench-private-batch-'))
  const out: string[] = []
  const log = (s: string): void => { console.error(s); out.push(s) }
  try {
    // 1. constraints (compile only)
    const single = await compileCircuit(privateCircomSource(plan), path.join(work, 'c-single'), 'circuit', { optimize: 'O1' })
    log(`single private ${plan.id}: ${single.constraints} constraints`)
    const c: Record<number, number> = {}
    for (const n of counts) {
      const r = await compileCircuit(privateBatchCircomSource(plan, privateBatchLayout(plan, n)), path.join(work, `c-b${n}`), 'circuit', { optimize: 'O1' })
      c[n] = r.constraints
      log(`private batch x ${n}: ${r.constraints} constraints, ${privateBatchLayout(plan, n).words} words + commitment`)
    }
    const ns = Object.keys(c).map(Number).sort((a, b) => a - b)
    if (ns.length >= 2) {
      const [a, b] = [ns[ns.length - 2], ns[ns.length - 1]]
      const perRow = (c[b] - c[a]) / (b - a)
      const shared = c[a] - a * perRow
      log(`per-row marginal cost ${perRow.toFixed(0)} constraints; shared (range checks + commitment + words) ${shared.toFixed(0)}; ` +
        `single = ${single.constraints}: a batch of N costs shared + N x row instead of N x ${single.constraints}`)
    }

    // 2. proofs, interleaved (none asked: constraints only, no setup)
    if (batchSizes.length === 0) return
    const arch = await buildArchitecture({ sizes, outDir: path.join(work, 'arch'), ptauPath, ptauCacheDir: path.join(work, 'ptau') })
    const singleCall = await deployVerifier(readFileSync(arch.verifierPath, 'utf8'), 'Groth16Verifier', verifierSignature('groth16', arch.vk.nPublic))
    for (const n of batchSizes) {
      const layout = privateBatchLayout(plan, n)
      const need = c[n] != null ? Math.ceil(Math.log2(c[n] + layout.words + 2)) : 0
      if (need > ptauPower) { log(`batch x ${n}: needs 2^${need}, the ptau holds 2^${ptauPower}: skipped`); continue }
      const b = await buildPrivateBatch({ sizes, size: n, outDir: path.join(work, `b${n}`), ptauPath, ptauCacheDir: path.join(work, 'ptau') })
      const xs = Array.from({ length: n }, row)
      await provePrivate(arch.dir, params, salt, xs[0])
      await provePrivateBatch(b.dir, params, salt, xs)
      const singleMs: number[] = []
      const batchMs: number[] = []
      const singleProve: number[] = []
      const batchProve: number[] = []
      const singleVerify: number[] = []
      const batchVerify: number[] = []
      let lastBatch = null
      let lastSingle = null
      for (let k = 0; k < rounds; k++) {
        const rowsK = Array.from({ length: n }, row)
        let t0 = performance.now()
        for (const x of rowsK) {
          const r = await provePrivate(arch.dir, params, salt, x)
          singleProve.push(r.prove_ms)
          lastSingle = r
        }
        singleMs.push(performance.now() - t0)
        t0 = performance.now()
        const r = await provePrivateBatch(b.dir, params, salt, rowsK)
        batchMs.push(performance.now() - t0)
        batchProve.push(r.prove_ms)
        lastBatch = r
        const v1 = await verifyPrivateProof(arch.vk, lastSingle!.publicSignals, lastSingle!.proof, commitment)
        if (!v1.verified) throw new Error('single proof did not verify')
        singleVerify.push(v1.verification_ms)
        const batch = { size: n, inputFracBits: b.meta.inputFracBits, logitScaleBits: b.meta.logitScaleBits, layout: b.meta.batch.layout }
        const bundle: BatchBundle = {
          kind: 'batch',
          proof_system: 'groth16',
          proof: r.proof,
          public_signals: r.publicSignals,
          verification_key: b.vk,
          commitment,
          batch,
          rows: r.rows
        }
        const v2 = await verifyPrivateBatch(bundle, commitment)
        if (!v2.verified || !v2.rowsMatch) throw new Error(`batch proof did not verify: ${v2.reason}`)
        batchVerify.push(v2.verification_ms)
      }
      const rowsPerS = (ms: number[]): number => n * rounds / (ms.reduce((s, v) => s + v, 0) / 1000)
      const sRate = rowsPerS(singleMs)
      const bRate = rowsPerS(batchMs)
      const gs = await singleCall(encodeVerifierArgs(await solidityCallData('groth16', lastSingle!.proof, lastSingle!.publicSignals)))
      if (!gs.returned) throw new Error('the EVM refused the single proof')
      const word = (v: string): string => BigInt(v).toString(16).padStart(64, '0')
      const bc = await deployVerifier(readFileSync(b.contractPath, 'utf8'), batchContractName(n, true), BATCH_VERIFY_SIGNATURE, word(commitment))
      const callHex = encodeBatchCall(batchCallArgs(b.layout, lastBatch!.proof, lastBatch!.publicSignals.slice(1)))
      const gb = await bc(callHex)
      if (!gb.ok) throw new Error(`the EVM refused the batch proof: ${gb.error}`)
      log(`batch x ${n} (${b.meta.constraints} constraints, 2^${b.meta.power}): row-proofs/s single ${sRate.toFixed(2)}, batch ${bRate.toFixed(2)} ` +
        `(${(bRate / sRate).toFixed(2)}x); prove p50 single ${pct(singleProve, 0.5).toFixed(0)} ms, batch ${pct(batchProve, 0.5).toFixed(0)} ms; ` +
        `verify p50 single ${pct(singleVerify, 0.5).toFixed(1)} ms, batch ${pct(batchVerify, 0.5).toFixed(1)} ms; ` +
        `gas per prediction single ${gs.gas} (execution), batch ${(Number(gb.gas) / n).toFixed(0)} execution + ` +
        `${(calldataGas(callHex) / n).toFixed(0)} calldata`)
    }
  } finally {
    await releaseProvers()
    rmSync(work, { recursive: true, force: true })
  }
  console.log(out.join('\n'))
}

await main()
