/**
 * Private against public proofs: node dist/bench/private-proofs.js [--n 20] [--sizes 10,32,16,1]
 * (bench/run.ts calls benchPrivateProofs when a big enough ptau is at hand).
 *
 * The same network (random weights, the Aave-like scaler) as a public circuit (weights as constants,
 * src/proofs/setup.ts) and as a private one (weights as private inputs with a Poseidon commitment,
 * src/proofs/private), in the same run: constraints, domain, compile and setup time, prove p50/p95
 * (in-process, warm, the same Groth16 prover), verify p50/p95, proof size and on-chain verification
 * gas (snarkjs' verifier.sol compiled with solc, run in @ethereumjs/evm).
 *
 * The private circuit of 10-32-16-1 has ~29k constraints (2^15): it needs PTAU_FILE or a 2^15+
 * development ptau in the cache (`node dist/scripts/make-dev-ptau.js 15 <cache dir>`, ~10-40 min on
 * 2 shared cores); without one this benchmark is skipped by run.ts.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { AAVE_LIKE_SCALER, buildMlpOnnx, randomLayers, rng } from '../test/helpers/mlp-onnx.js'
import { prove } from '../src/proofs/prove.js'
import { releaseProvers } from '../src/proofs/prover-cache.js'
import { devPtauName } from '../src/proofs/ptau.js'
import { buildCircuit, defaultPtauCacheDir } from '../src/proofs/setup.js'
import { encodeVerifierArgs, solidityCallData, verifierSignature } from '../src/proofs/solidity.js'
import { extractModel } from '../src/proofs/extract.js'
import { verifyProofTimed } from '../src/proofs/verify.js'
import { buildArchitecture, commitParams, newSalt, provePrivate, quantizePrivate, verifyPrivateProof } from '../src/proofs/private/index.js'
import { deployVerifier } from '../test/helpers/evm-verifier.js'
import type { Section } from './lib.js'

const fixturePtau = new URL('../../models/ptau/INSECURE-dev-pot12.ptau', import.meta.url).pathname

function pct (xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))]
}

/** A ptau of at least 2^power without making one: PTAU_FILE or a development file in the cache. */
export function hasPtau (power: number, cacheDir = defaultPtauCacheDir()): boolean {
  if ((process.env.PTAU_FILE ?? '') !== '') return true
  return [15, 16, 17, 18, 19, 20].some((p) => p >= power && existsSync(path.join(cacheDir, devPtauName(p))))
}

interface Row { kind: string, constraints: number, power: number, compileS: number, setupS: number, prove: number[], verify: number[], proofBytes: number, gas: bigint, nPublic: number }

export async function benchPrivateProofs (o: { n: number, sizes?: number[], ptauCacheDir?: string }): Promise<Section> {
  const sizes = o.sizes ?? [10, 32, 16, 1]
  const onnx = buildMlpOnnx({ layers: randomLayers(sizes, 1), scaler: sizes[0] === 10 ? AAVE_LIKE_SCALER : undefined, metadata: { threshold: '0.5' } })
  const g = rng(42)
  const { min, max } = AAVE_LIKE_SCALER
  const rows = Array.from({ length: o.n }, () => sizes[0] === 10 ? min.map((m, i) => (max[i] === m ? m : m + (max[i] - m) * g())) : Array.from({ length: sizes[0] }, () => g()))
  const work = mkdtempSync(path.join(os.tmpdir(), 'zkp-bench-private-'))
  const logger = { info: (m: string) => console.error(m), warn: (m: string) => console.error(`WARNING: ${m}`) }
  const cacheDir = o.ptauCacheDir ?? defaultPtauCacheDir()
  const out: Row[] = []
  try {
    console.error('== public: building')
    const pub = await buildCircuit({ onnx, outDir: path.join(work, 'public'), proofSystem: 'groth16', devPtauCandidates: [fixturePtau], ptauCacheDir: cacheDir, logger })
    console.error('== private: building the architecture')
    const arch = await buildArchitecture({ sizes, outDir: path.join(work, 'private'), ptauCacheDir: cacheDir, devPtauCandidates: [fixturePtau], logger })
    const { params } = quantizePrivate(extractModel(onnx))
    const salt = newSalt()
    const commitment = commitParams(arch.plan, params, salt).toString()

    const pubRow: Row = { kind: 'public (weights are circuit constants)', constraints: pub.constraints, power: pub.meta.power, compileS: pub.meta.timings.compileMs / 1000, setupS: pub.meta.timings.setupMs / 1000, prove: [], verify: [], proofBytes: 0, gas: 0n, nPublic: pub.vk.nPublic }
    const privRow: Row = { kind: 'private (weights private, Poseidon commitment)', constraints: arch.meta.constraints, power: arch.meta.power, compileS: arch.meta.timings.compileMs / 1000, setupS: arch.meta.timings.setupMs / 1000, prove: [], verify: [], proofBytes: 0, gas: 0n, nPublic: arch.vk.nPublic }
    await prove(pub, rows[0])
    await provePrivate(arch.dir, params, salt, rows[0])
    // Interleaved so that both see the same load
    let lastPub = null
    let lastPriv = null
    for (let i = 0; i < o.n; i++) {
      console.error(`== proof ${i + 1}/${o.n}`)
      const a = await prove(pub, rows[i])
      pubRow.prove.push(a.prove_ms)
      const va = await verifyProofTimed('groth16', pub.vk, a.publicSignals, a.proof)
      if (!va.verified) throw new Error('a public benchmark proof did not verify')
      pubRow.verify.push(va.verification_ms)
      pubRow.proofBytes = JSON.stringify(a.proof).length
      lastPub = a
      const b = await provePrivate(arch.dir, params, salt, rows[i])
      privRow.prove.push(b.prove_ms)
      const vb = await verifyPrivateProof(arch.vk, b.publicSignals, b.proof, commitment)
      if (!vb.verified) throw new Error('a private benchmark proof did not verify')
      privRow.verify.push(vb.verification_ms)
      privRow.proofBytes = JSON.stringify(b.proof).length
      lastPriv = b
    }
    for (const [row, dir, res] of [[pubRow, pub.verifierPath, lastPub], [privRow, arch.verifierPath, lastPriv]] as const) {
      if (res == null) continue
      const call = await deployVerifier(readFileSync(dir, 'utf8'), 'Groth16Verifier', verifierSignature('groth16', row.nPublic))
      const r = await call(encodeVerifierArgs(await solidityCallData('groth16', res.proof, res.publicSignals)))
      if (!r.returned) throw new Error(`the EVM verifier refused a ${row.kind} proof`)
      row.gas = r.gas
    }
    out.push(pubRow, privRow)
  } finally {
    await releaseProvers()
    rmSync(work, { recursive: true, force: true })
  }
  const f = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(1))
  const lines: string[] = []
  lines.push(`Network ${sizes.join('-')}, random weights, the Aave-like scaler; ${o.n} proofs each, interleaved, in-process, warm; the same Groth16 prover (src/proofs/prove.ts). Milliseconds.`)
  lines.push('')
  lines.push('| circuit | constraints | domain | compile s | setup s | public signals | proof bytes (JSON) | prove p50 / p95 | verify p50 / p95 | verifier gas (EVM) |')
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
  for (const r of out) {
    lines.push(`| ${r.kind} | ${r.constraints} | 2^${r.power} | ${r.compileS.toFixed(1)} | ${r.setupS.toFixed(1)} | ${r.nPublic} | ${r.proofBytes} | ${f(pct(r.prove, 0.5))} / ${f(pct(r.prove, 0.95))} | ${f(pct(r.verify, 0.5))} / ${f(pct(r.verify, 0.95))} | ${r.gas} |`)
  }
  const [p, q] = out
  if (p != null && q != null) {
    lines.push('')
    lines.push(`Private / public: ${(q.constraints / p.constraints).toFixed(1)}x constraints, ${(pct(q.prove, 0.5) / pct(p.prove, 0.5)).toFixed(1)}x prove p50, ${(Number(q.gas) / Number(p.gas)).toFixed(2)}x gas. The private setup is per architecture (once); the public one per model version.`)
  }
  const goals = q == null ? [] : [{ goal: `private Groth16 prove p50 <= 1.5 s (${sizes.join('-')})`, met: pct(q.prove, 0.5) <= 1500, measured: `${f(pct(q.prove, 0.5))} ms` }]
  return { title: 'Proofs: private models (weights as private inputs) beside public ones', markdown: lines.join('\n'), goals }
}

if (process.argv[1]?.endsWith('private-proofs.js') === true) {
  const arg = (name: string, dflt: string): string => {
    const i = process.argv.indexOf(`--${name}`)
    return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt
  }
  const bench = await benchPrivateProofs({ n: Number(arg('n', '20')), sizes: arg('sizes', '10,32,16,1').split(',').map(Number), ptauCacheDir: arg('ptau-cache', defaultPtauCacheDir()) })
  console.log(bench.markdown)
  for (const g of bench.goals) console.log(`- ${g.goal}: ${g.met ? 'met' : 'NOT met'} (${g.measured})`)
}
