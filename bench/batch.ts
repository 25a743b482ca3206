/**
 * Batch-proof benchmark: node dist/bench/batch.js [--sizes 1,4,8] [--seconds 20] [--workers 2]
 *   [--ptau FILE] [--onnx FILE] [--out FILE.md]
 *
 * On one model (default: the 10-32-16-1 fixture with the service's scaler layout, 3,180 constraints
 * per row), in the same run: for batch size 1 (today's single-row circuit, prove.ts) and each batch
 * size (batch-*.ts): constraints, public words, setup time, row-proofs/s with `workers` threads
 * proving back to back (saturated; single-threaded curves, as the prover pool), p50 prove time per
 * proof, proof and bundle bytes, off-chain verify p50 (the bundle check: pairing + words = rows),
 * and gas of the on-chain check (execution in @ethereumjs/evm + 21,000 + calldata), per batch and
 * per prediction. Sizes whose circuit needs more powers of tau than the file holds are skipped (and
 * said so): pass --ptau with a big enough file (a public ceremony's, or an INSECURE local one).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { Worker } from 'node:worker_threads'
import { createEVM } from '@ethereumjs/evm'
import { hexToBytes } from '@ethereumjs/util'
import type * as snarkjs from 'snarkjs'
import { batchLayout, packRows, unpackWords } from '../src/proofs/batch-layout.js'
import { evaluatePlan, quantizeInputs } from '../src/proofs/evaluate.js'
import { proveBatch } from '../src/proofs/batch-prove.js'
import { batchConstraints, buildBatchCircuit } from '../src/proofs/batch-setup.js'
import { BATCH_VERIFY_SIGNATURE, batchCallArgs, batchContractName, batchVerifierSolidity, calldataGas, encodeBatchCall } from '../src/proofs/batch-solidity.js'
import { checkBatchBundle, type BatchBundle } from '../src/proofs/batch-verify.js'
import { AAVE_LIKE_SCALER, rng } from '../test/helpers/mlp-onnx.js'
import { prove } from '../src/proofs/prove.js'
import { releaseProvers } from '../src/proofs/prover-cache.js'
import { readPtauHeader } from '../src/proofs/ptau.js'
import { buildCircuit } from '../src/proofs/setup.js'
import { encodeVerifierArgs, solidityCallData, verifierSignature } from '../src/proofs/solidity.js'
import { transpile } from '../src/proofs/transpile.js'
import { verifyProofTimed } from '../src/proofs/verify.js'
import { fmt, machine, median } from './lib.js'

const require = createRequire(import.meta.url)
const here = path.dirname(new URL(import.meta.url).pathname)
const fixture = path.resolve(here, '..', '..', 'test', 'fixtures', 'proof-aave-scaled.onnx')
const shippedPtau = path.resolve(here, '..', '..', 'models', 'ptau', 'INSECURE-dev-pot12.ptau')

export interface BatchBenchRow {
  size: number
  constraints: number
  power: number
  words: number
  setupS: number
  rowsPerS: number
  proveP50: number
  proofBytes: number
  bundleBytes: number
  verifyP50: number
  gasExec: number
  gasTx: number
  gasPerPrediction: number
}

function rowsOf (n: number, seed: number): number[][] {
  const g = rng(seed)
  const { min, max } = AAVE_LIKE_SCALER
  return Array.from({ length: n }, () => min.map((m, i) => (max[i] === m ? m : m + (max[i] - m) * g())))
}

async function saturate (dir: string, single: boolean, rows: number[][], workers: number, seconds: number): Promise<{ rowsPerS: number, times: number[] }> {
  const ws = Array.from({ length: workers }, () => new Worker(new URL('./batch-worker.js', import.meta.url), { workerData: { mod: 'data:text/javascript,', type: 'module', dir, single, rows, seconds } }))
  try {
    await Promise.all(ws.map((w) => new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject) })))
    const started = performance.now() + performance.timeOrigin
    const done = Promise.all(ws.map((w) => new Promise<{ proven: number, times: number[], finishedAt: number }>((resolve, reject) => {
      w.once('message', resolve)
      w.once('error', reject)
    })))
    for (const w of ws) w.postMessage('go')
    const res = await done
    const wall = (Math.max(...res.map((r) => r.finishedAt)) - started) / 1000
    return { rowsPerS: res.reduce((a, r) => a + r.proven, 0) / wall, times: res.flatMap((r) => r.times) }
  } finally {
    await Promise.all(ws.map((w) => w.terminate()))
  }
}

type Caller = (dataHex: string) => Promise<{ ok: boolean, gas: bigint, error?: string }>

const INVALID_PROOF_SELECTOR = '0x09bde339' // bytes4(keccak256("InvalidProof()"))

async function deploy (source: string, contract: string, signature: string, decodeErrors = false): Promise<Caller> {
  const solc = require('solc') as { compile(input: string): string }
  const out = JSON.parse(solc.compile(JSON.stringify({
    language: 'Solidity',
    sources: { 'c.sol': { content: source } },
    settings: { optimizer: { enabled: true, runs: 200 }, outputSelection: { '*': { '*': ['evm.bytecode.object', 'evm.methodIdentifiers'] } } }
  }))) as { errors?: { severity: string, formattedMessage: string }[], contracts: Record<string, Record<string, { evm: { bytecode: { object: string }, methodIdentifiers: Record<string, string> } }>> }
  const errors = (out.errors ?? []).filter((e) => e.severity === 'error')
  if (errors.length) throw new Error(errors.map((e) => e.formattedMessage).join('\n'))
  const c = out.contracts['c.sol'][contract]
  const selector = c.evm.methodIdentifiers[signature]
  const evm = await createEVM()
  const d = await evm.runCall({ data: hexToBytes(`0x${c.evm.bytecode.object}`), gasLimit: 30_000_000n })
  if (d.execResult.exceptionError || !d.createdAddress) throw new Error(`deploy failed: ${d.execResult.exceptionError?.error}`)
  const to = d.createdAddress
  return async (argsHex: string) => {
    const call = await evm.runCall({ to, data: hexToBytes(`0x${selector}${argsHex}`), gasLimit: 30_000_000n })
    const ret = Buffer.from(call.execResult.returnValue).toString('hex')
    const error = !call.execResult.exceptionError ? undefined : decodeErrors && `0x${ret.slice(0, 8)}` === INVALID_PROOF_SELECTOR ? 'InvalidProof' : `revert 0x${ret.slice(0, 8)}`
    return { ok: !call.execResult.exceptionError, gas: call.execResult.executionGasUsed, error }
  }
}

export async function benchBatch (o: { sizes: number[], seconds: number, workers: number, ptau: string, onnx: Uint8Array, log?: (m: string) => void }): Promise<{ rows: BatchBenchRow[], skipped: string[], rowConstraints: number, gasOnly: StandInGas[] }> {
  const log = o.log ?? ((m: string) => console.error(m))
  const work = mkdtempSync(path.join(os.tmpdir(), 'zkp-bench-batch-'))
  const ptauPower = (await readPtauHeader(o.ptau)).power
  const { plan } = transpile(o.onnx)
  const out: BatchBenchRow[] = []
  const skipped: string[] = []
  let rowConstraints = 0
  const gasOnly: StandInGas[] = []
  try {
    const single = await buildCircuit({ onnx: o.onnx, outDir: path.join(work, 'single'), proofSystem: 'groth16', ptauPath: o.ptau })
    rowConstraints = single.constraints
    for (const size of o.sizes) {
      const rows = rowsOf(Math.max(size, 8), 100 + size)
      if (size === 1) {
        log(`batch 1 (single-row circuit): saturating ${o.workers} workers for ${o.seconds} s`)
        const sat = await saturate(single.dir, true, rows, o.workers, o.seconds)
        const r = await prove(single.dir, rows[0])
        const verify: number[] = []
        for (let i = 0; i < 20; i++) verify.push((await verifyProofTimed('groth16', single.vk, r.publicSignals, r.proof)).verification_ms)
        const call = await deploy(readFileSync(single.verifierPath, 'utf8'), 'Groth16Verifier', verifierSignature('groth16', single.vk.nPublic))
        const args = encodeVerifierArgs(await solidityCallData('groth16', r.proof, r.publicSignals))
        const g = await call(args)
        if (!g.ok) throw new Error('the single-row verifier refused its proof')
        const gasTx = Number(g.gas) + 21000 + calldataGas(`00000000${args}`)
        const bundle = { proof_system: 'groth16', proof: r.proof, public_signals: r.publicSignals, verification_key: single.vk }
        out.push({
          size: 1,
          constraints: single.constraints,
          power: single.meta.power,
          words: single.vk.nPublic,
          setupS: single.meta.timings.setupMs / 1000,
          rowsPerS: sat.rowsPerS,
          proveP50: median(sat.times),
          proofBytes: JSON.stringify(r.proof).length,
          bundleBytes: JSON.stringify(bundle).length,
          verifyP50: median(verify),
          gasExec: Number(g.gas),
          gasTx,
          gasPerPrediction: gasTx
        })
        continue
      }
      const layout = batchLayout(plan, size)
      const need = Math.floor(Math.log2(batchConstraints(rowConstraints, layout) + layout.words)) + 1
      if (need > ptauPower) {
        skipped.push(`batch ${size}: ~${batchConstraints(rowConstraints, layout)} constraints need 2^${need}, the ptau holds 2^${ptauPower}: ` +
          'not proven; its gas measured with a stand-in key (below)')
        log(skipped.at(-1) as string)
        gasOnly.push(await standInGas(single, plan, size))
        continue
      }
      log(`batch ${size}: building (2^${need})`)
      const art = await buildBatchCircuit({ onnx: o.onnx, outDir: path.join(work, `batch-${size}`), size, ptauPath: o.ptau })
      const full = rows.slice(0, size)
      log(`batch ${size}: saturating ${o.workers} workers for ${o.seconds} s`)
      const sat = await saturate(art.dir, false, full, o.workers, o.seconds)
      const r = await proveBatch(art.dir, full)
      const bundle: BatchBundle = {
        kind: 'batch',
        proof_system: 'groth16',
        proof: r.proof,
        public_signals: r.publicSignals,
        verification_key: art.vk,
        batch: { size, inputFracBits: art.meta.inputFracBits, logitScaleBits: art.meta.logitScaleBits, layout: art.meta.batch.layout },
        rows: r.rows
      }
      const verify: number[] = []
      for (let i = 0; i < 20; i++) {
        const t0 = performance.now()
        const c = await checkBatchBundle(bundle)
        if (!c.rowsMatch) throw new Error(`bundle check failed: ${c.reason}`)
        verify.push(performance.now() - t0)
      }
      const call = await deploy(readFileSync(art.contractPath, 'utf8'), batchContractName(size), BATCH_VERIFY_SIGNATURE)
      const args = encodeBatchCall(batchCallArgs(art.layout, r.proof, r.publicSignals))
      const g = await call(args)
      if (!g.ok) throw new Error('the batch contract refused its proof')
      const gasTx = Number(g.gas) + 21000 + calldataGas(`00000000${args}`)
      out.push({
        size,
        constraints: art.constraints,
        power: art.meta.power,
        words: layout.words,
        setupS: art.meta.timings.setupMs / 1000,
        rowsPerS: sat.rowsPerS,
        proveP50: median(sat.times),
        proofBytes: JSON.stringify(r.proof).length,
        bundleBytes: JSON.stringify(bundle).length,
        verifyP50: median(verify),
        gasExec: Number(g.gas),
        gasTx,
        gasPerPrediction: gasTx / size
      })
    }
  } finally {
    await releaseProvers()
    rmSync(work, { recursive: true, force: true })
  }
  return { rows: out, skipped, rowConstraints, gasOnly }
}

export interface StandInGas { size: number, words: number, gasExec: number, gasTx: number, gasPerPrediction: number, verifyP50: number }

/**
 * Gas of the batch contract for `size` full rows without a circuit of that size (no ptau big enough):
 * the contract generated for the real layout, with a stand-in verification key (the single-row
 * circuit's points, IC points reused) and a real single-row proof. The precompiles' gas (ecMul 6,000,
 * ecAdd 150, pairing 45,000 + 34,000 per pair) does not depend on the points, the packing does not
 * depend on the key, so execution gas equals the real contract's; the pairing check fails at the end
 * (InvalidProof), which the bench asserts, so nothing else reverted early.
 */
async function standInGas (single: Awaited<ReturnType<typeof buildCircuit>>, plan: ReturnType<typeof transpile>['plan'], size: number): Promise<StandInGas> {
  const layout = batchLayout(plan, size)
  const vk = JSON.parse(JSON.stringify(single.vk)) as Record<string, any>
  const ic = (single.vk as unknown as { IC: string[][] }).IC
  vk.IC = Array.from({ length: layout.words + 1 }, (_, i) => ic[i % ic.length])
  vk.nPublic = layout.words
  const source = batchVerifierSolidity(vk as unknown as snarkjs.VerificationKey, layout, { onnx_sha256: single.meta.onnx_sha256, inputFracBits: plan.params.inputFracBits, logitScaleBits: plan.logitScaleBits })
  const call = await deploy(source, batchContractName(size), BATCH_VERIFY_SIGNATURE, true)
  const rows = rowsOf(size, 500 + size).map((x) => {
    const xq = quantizeInputs(plan, x)
    const e = evaluatePlan(plan, xq)
    return { xq, logitQ: e.logitQ, label: e.label }
  })
  const words = packRows(layout, rows).map(String)
  const proof = (await prove(single.dir, rowsOf(1, 1)[0])).proof
  const args = encodeBatchCall(batchCallArgs(layout, proof, words))
  const g = await call(args)
  if (g.ok || g.error !== 'InvalidProof') throw new Error(`stand-in gas run ended with ${g.error ?? 'success'}, expected InvalidProof`)
  const gasTx = Number(g.gas) + 21000 + calldataGas(`00000000${args}`)
  // Off-chain: the same work as checking a real bundle of this size (an MSM over `words` points, the
  // pairings, unpacking and re-packing the rows); the stand-in key makes the pairing come out false
  const bundle = { proof, publicSignals: words }
  const verify: number[] = []
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now()
    const v = await verifyProofTimed('groth16', vk, bundle.publicSignals, bundle.proof)
    if (v.reason) throw new Error(`stand-in verify rejected early: ${v.reason}`)
    const un = unpackWords(layout, bundle.publicSignals)
    packRows(layout, un.rows)
    verify.push(performance.now() - t0)
  }
  return { size, words: layout.words, gasExec: Number(g.gas), gasTx, gasPerPrediction: gasTx / size, verifyP50: median(verify) }
}

export function batchTable (res: { rows: BatchBenchRow[], skipped: string[], gasOnly: StandInGas[] }): string {
  const base = res.rows.find((r) => r.size === 1)
  const L = [
    '| batch | constraints | domain | public signals | setup s | row-proofs/s (saturated) | vs single | prove p50 ms per proof | proof B | bundle B | verify p50 ms | gas exec | gas tx (21k + calldata + exec) | gas per prediction |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|'
  ]
  for (const r of res.rows) {
    L.push(`| ${r.size} | ${r.constraints} | 2^${r.power} | ${r.words} | ${fmt(r.setupS)} | ${fmt(r.rowsPerS, 2)} | ${base ? `${fmt(r.rowsPerS / base.rowsPerS, 2)}x` : '-'} | ${fmt(r.proveP50, 0)} | ${r.proofBytes} | ${r.bundleBytes} | ${fmt(r.verifyP50)} | ${r.gasExec} | ${r.gasTx} | ${fmt(r.gasPerPrediction, 0)} |`)
  }
  for (const s of res.skipped) L.push('', `skipped: ${s}`)
  if (res.gasOnly.length) {
    L.push('', 'Gas of the batch contract at sizes not proven here (stand-in key, see standInGas; the accept path is the same code):', '')
    L.push('| batch | public words | gas exec | gas tx (21k + calldata + exec) | gas per prediction | off-chain check p50 ms (stand-in key) |', '|---|---|---|---|---|---|')
    for (const g of res.gasOnly) L.push(`| ${g.size} | ${g.words} | ${g.gasExec} | ${g.gasTx} | ${fmt(g.gasPerPrediction, 0)} | ${fmt(g.verifyP50)} |`)
  }
  return L.join('\n')
}

if (process.argv[1] && path.resolve(process.argv[1]) === new URL(import.meta.url).pathname) {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '1,2,4,8' },
      seconds: { type: 'string', default: '20' },
      workers: { type: 'string', default: '2' },
      ptau: { type: 'string', default: process.env.PTAU_FILE || shippedPtau },
      onnx: { type: 'string', default: fixture },
      out: { type: 'string' }
    }
  })
  const loadStart = os.loadavg()[0]
  const started = new Date()
  const res = await benchBatch({
    sizes: (values.sizes as string).split(',').map(Number),
    seconds: Number(values.seconds),
    workers: Number(values.workers),
    ptau: values.ptau as string,
    onnx: new Uint8Array(readFileSync(values.onnx as string))
  })
  const text = [
    `Batch proofs: \`node dist/bench/batch.js --sizes ${values.sizes} --seconds ${values.seconds} --workers ${values.workers}\`, ${started.toISOString()},`,
    `${machine()}; load average ${fmt(loadStart, 1)} at start, ${fmt(os.loadavg()[0], 1)} at end; model ${path.basename(values.onnx as string)} (${res.rowConstraints} constraints per row),`,
    `ptau ${path.basename(values.ptau as string)}.`,
    '',
    batchTable(res),
    ''
  ].join('\n')
  console.log(text)
  if (values.out) writeFileSync(values.out, text)
  process.exit(0)
}
