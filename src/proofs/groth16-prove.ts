/**
 * The Groth16 prover over a parsed key (zkey.ts): witness -> sparse A/B/C evaluation (skipping zero
 * witness values, most of them are range-check bits) -> 6 FFTs -> 5 multi-exponentiations, the same
 * algorithm and the same output format as snarkjs groth16 prove.
 *
 * ffjavascript internals relied on (pinned to an exact version in package.json for that reason): the
 * curve's Fr.batchToMontgomery / ifft / fft / batchApplyKey / shift / w, G1/G2.multiExpAffine, and the
 * thread manager's `tm.queueAction` running the wasm functions `qap_joinABC` and
 * `frm_batchFromMontgomery` (as snarkjs's groth16_prove.js does).
 */
import type * as snarkjs from 'snarkjs'
import type { Curve } from './curve.js'
import { R, writeBig32, type Groth16Key } from './zkey.js'

async function joinABC (curve: Curve, a: Uint8Array, b: Uint8Array, c: Uint8Array): Promise<Uint8Array> {
  // (a * b - c) on the coset, out of Montgomery form, as snarkjs groth16_prove.js joinABC does
  const n8 = curve.Fr.n8
  const n = a.byteLength / n8
  const task = [
    { cmd: 'ALLOCSET', var: 0, buff: a },
    { cmd: 'ALLOCSET', var: 1, buff: b },
    { cmd: 'ALLOCSET', var: 2, buff: c },
    { cmd: 'ALLOC', var: 3, len: n * n8 },
    { cmd: 'CALL', fnName: 'qap_joinABC', params: [{ var: 0 }, { var: 1 }, { var: 2 }, { val: n }, { var: 3 }] },
    { cmd: 'CALL', fnName: 'frm_batchFromMontgomery', params: [{ var: 3 }, { val: n }, { var: 3 }] },
    { cmd: 'GET', out: 0, var: 3, len: n * n8 }
  ]
  const res = await curve.tm.queueAction(task)
  return res[0]
}

export async function groth16Prove (k: Groth16Key, curve: Curve, w: bigint[]): Promise<{ proof: snarkjs.Proof, publicSignals: string[] }> {
  const Fr = curve.Fr
  const G1 = curve.G1
  const G2 = curve.G2
  const n8 = 32
  if (w.length !== k.nVars) throw new Error(`witness has ${w.length} values, the key expects ${k.nVars}`)

  const wBuf = new Uint8Array(k.nVars * n8)
  const wDv = new DataView(wBuf.buffer)
  for (let i = 0; i < k.nVars; i++) writeBig32(wDv, i * n8, w[i])

  // Sparse QAP evaluation: A and B rows from the coefficients, C = A * B pointwise
  const A: bigint[] = new Array(k.domainSize).fill(0n)
  const B: bigint[] = new Array(k.domainSize).fill(0n)
  for (let i = 0; i < k.coefV.length; i++) {
    const wv = w[k.coefS[i]]
    if (wv === 0n) continue
    const t = wv === 1n ? k.coefV[i] : k.coefV[i] * wv
    if (k.coefM[i] === 0) A[k.coefC[i]] += t
    else B[k.coefC[i]] += t
  }
  const aBuf = new Uint8Array(k.domainSize * n8)
  const bBuf = new Uint8Array(k.domainSize * n8)
  const cBuf = new Uint8Array(k.domainSize * n8)
  const aDv = new DataView(aBuf.buffer)
  const bDv = new DataView(bBuf.buffer)
  const cDv = new DataView(cBuf.buffer)
  for (let i = 0; i < k.domainSize; i++) {
    const a = A[i] % R
    const b = B[i] % R
    writeBig32(aDv, i * n8, a)
    writeBig32(bDv, i * n8, b)
    writeBig32(cDv, i * n8, (a * b) % R)
  }
  const [aM, bM, cM] = await Promise.all([Fr.batchToMontgomery(aBuf), Fr.batchToMontgomery(bBuf), Fr.batchToMontgomery(cBuf)])

  const inc = k.power === Fr.s ? Fr.shift : Fr.w[k.power + 1]
  const odd = async (x: Uint8Array) => Fr.fft(await Fr.batchApplyKey(await Fr.ifft(x), Fr.e(1), inc))
  const [aOdd, bOdd, cOdd] = await Promise.all([odd(aM), odd(bM), odd(cM)])
  const hBuf = await joinABC(curve, aOdd, bOdd, cOdd)

  const [piA, piB1, piB, piC, resH] = await Promise.all([
    G1.multiExpAffine(k.pointsA, wBuf),
    G1.multiExpAffine(k.pointsB1, wBuf),
    G2.multiExpAffine(k.pointsB2, wBuf),
    G1.multiExpAffine(k.pointsC, wBuf.slice((k.nPublic + 1) * n8)),
    G1.multiExpAffine(k.pointsH, hBuf)
  ])

  const r = Fr.random()
  const s = Fr.random()
  let pi_a = G1.add(piA, k.alpha1)
  pi_a = G1.add(pi_a, G1.timesFr(k.delta1, r))
  let pi_b = G2.add(piB, k.beta2)
  pi_b = G2.add(pi_b, G2.timesFr(k.delta2, s))
  let pib1 = G1.add(piB1, k.beta1)
  pib1 = G1.add(pib1, G1.timesFr(k.delta1, s))
  let pi_c = G1.add(piC, resH)
  pi_c = G1.add(pi_c, G1.timesFr(pi_a, s))
  pi_c = G1.add(pi_c, G1.timesFr(pib1, r))
  pi_c = G1.add(pi_c, G1.timesFr(k.delta1, Fr.neg(Fr.mul(r, s))))

  const str = (o: unknown): unknown => Array.isArray(o) ? o.map(str) : typeof o === 'bigint' ? o.toString() : o
  const proof = {
    pi_a: str(G1.toObject(G1.toAffine(pi_a))),
    pi_b: str(G2.toObject(G2.toAffine(pi_b))),
    pi_c: str(G1.toObject(G1.toAffine(pi_c))),
    protocol: 'groth16',
    curve: 'bn128'
  } as snarkjs.Proof
  const publicSignals = w.slice(1, k.nPublic + 1).map((v) => v.toString())
  return { proof, publicSignals }
}

