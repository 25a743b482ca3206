/**
 * PLONK end to end on a small model of the service's layout (10-4-1 with the scaler: ~2k PLONK
 * gates, within the committed 2^12 dev ptau), and the exported Solidity verifiers of both proof
 * systems compiled with solc and run in an in-process EVM (@ethereumjs/evm).
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import '../helpers/child-env.js'
import { TEST_CIRCUIT_CACHE } from '../helpers/circuit-cache.js'
import * as ort from 'onnxruntime-node'
import { deployVerifier } from '../helpers/evm-verifier.js'
import { AAVE_LIKE_SCALER, rng } from '../helpers/mlp-onnx.js'
import { prove } from '../../src/proofs/prove.js'
import { releaseProvers } from '../../src/proofs/prover-cache.js'
import { buildCircuit, type CircuitArtifacts } from '../../src/proofs/setup.js'
import { SHIPPED_DEV_PTAU } from '../../src/services/index.js'
import { encodeVerifierArgs, solidityCallData, verifierSignature } from '../../src/proofs/solidity.js'
import { verifyProof, verifyProofTimed } from '../../src/proofs/verify.js'

const require = createRequire(import.meta.url)
const run = promisify(execFile)
const fixtures = new URL('../../../test/fixtures/', import.meta.url)
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(name, fixtures)))
const PTAU = SHIPPED_DEV_PTAU

const work = mkdtempSync(path.join(os.tmpdir(), 'zkp-plonk-'))
t.teardown(async () => {
  await releaseProvers()
  rmSync(work, { recursive: true, force: true })
})

function rows (n: number, seed: number): number[][] {
  const g = rng(seed)
  const { min, max } = AAVE_LIKE_SCALER
  return Array.from({ length: n }, () => min.map((m, i) => (max[i] === m ? m : m + (max[i] - m) * g())))
}

let plonkArt: CircuitArtifacts
let grothArt: CircuitArtifacts

t.before(async () => {
  plonkArt = await buildCircuit({ onnx: fixture('proof-small.onnx'), outDir: path.join(work, 'small-plonk'), proofSystem: 'plonk', ptauPath: PTAU, buildCache: TEST_CIRCUIT_CACHE })
  t.comment(`plonk: ${plonkArt.constraints} constraints, ${plonkArt.plonkGates} gates, setup ${plonkArt.meta.timings.setupMs.toFixed(0)} ms`)
  grothArt = await buildCircuit({ onnx: fixture('proof-small.onnx'), outDir: path.join(work, 'small-groth16'), proofSystem: 'groth16', ptauPath: PTAU, buildCache: TEST_CIRCUIT_CACHE })
})

t.test('PLONK: prove, verify, reject tampering, threshold from metadata', async (t) => {
  t.equal(plonkArt.vk.protocol, 'plonk')
  t.equal(plonkArt.meta.threshold, 0.3)
  t.equal(plonkArt.r1cs_sha256, grothArt.r1cs_sha256, 'the R1CS is reproducible from the ONNX (same for both systems)')
  const sess = await ort.InferenceSession.create(fixture('proof-small.onnx'))
  const xs = rows(3, 31)
  const served = (await sess.run({ input: new ort.Tensor('float32', Float32Array.from(xs.flat()), [3, 10]) })).probability.data as Float32Array
  for (const [i, x] of xs.entries()) {
    const res = await prove(plonkArt, x)
    const v = await verifyProofTimed('plonk', plonkArt.vk, res.publicSignals, res.proof)
    t.ok(v.verified, `verified in ${v.verification_ms.toFixed(1)} ms`)
    t.ok(Math.abs(res.output.probability - served[i]) <= 1e-3)
    t.equal(res.output.label, res.output.probability >= 0.3 ? 1 : 0, 'label at the model threshold 0.3')
    if (i > 0) continue
    const bad = [...res.publicSignals]
    bad[1] = bad[1] === '1' ? '0' : '1'
    t.notOk(await verifyProof('plonk', plonkArt.vk, bad, res.proof), 'flipped label')
    const tampered = JSON.parse(JSON.stringify(res.proof)) as Record<string, unknown>
    tampered.eval_a = (BigInt(tampered.eval_a as string) + 1n).toString()
    t.notOk(await verifyProof('plonk', plonkArt.vk, res.publicSignals, tampered), 'tampered evaluation')
    const moved = JSON.parse(JSON.stringify(res.proof)) as Record<string, string[]>
    moved.A = moved.B
    t.notOk(await verifyProof('plonk', plonkArt.vk, res.publicSignals, moved), 'tampered commitment')
    t.notOk(await verifyProof('groth16', grothArt.vk, res.publicSignals, res.proof), 'a PLONK proof is not a Groth16 proof')
    // The stock CLI accepts it too
    writeFileSync(path.join(work, 'public.json'), JSON.stringify(res.publicSignals))
    writeFileSync(path.join(work, 'proof.json'), JSON.stringify(res.proof))
    const cli = path.join(path.dirname(require.resolve('snarkjs')), 'cli.cjs')
    const { stdout } = await run(process.execPath, [cli, 'plonk', 'verify', plonkArt.vkPath, path.join(work, 'public.json'), path.join(work, 'proof.json')])
    t.match(stdout, /OK!/)
  }
})

t.test('Solidity verifiers (Groth16 and PLONK) compile with solc and accept proofs in an EVM', async (t) => {
  for (const art of [grothArt, plonkArt]) {
    const res = await prove(art, rows(1, 32)[0])
    const calldata = await solidityCallData(art.proofSystem, res.proof, res.publicSignals)
    const contract = art.proofSystem === 'groth16' ? 'Groth16Verifier' : 'PlonkVerifier'
    const call = await deployVerifier(readFileSync(art.verifierPath, 'utf8'), contract, verifierSignature(art.proofSystem, art.vk.nPublic))
    const ok = await call(encodeVerifierArgs(calldata))
    t.equal(ok.ok, true, ok.error ?? `${art.proofSystem} call ran`)
    t.equal(ok.returned, true, `${art.proofSystem} verifyProof returned true`)
    t.comment(`${art.proofSystem} on-chain verification gas: ${ok.gas}`)
    const bad = [...res.publicSignals]
    bad[0] = (BigInt(bad[0]) + 1n).toString()
    const no = await call(encodeVerifierArgs(await solidityCallData(art.proofSystem, res.proof, bad)))
    t.equal(no.returned, false, `${art.proofSystem} refuses a changed logit on-chain`)
  }
})
