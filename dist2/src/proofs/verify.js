/**
 * Proof verification, hardened for untrusted input: verifyProof never throws. Anything
 * malformed (wrong shapes, non-numeric strings, values >= p, points not on the curve, a key of the
 * other proof system, a signal count that does not match the key) is simply `false`, with the reason
 * available from verifyProofTimed. Only a proof that checks against this exact verification key and
 * these exact public signals is `true`.
 *
 * Groth16 runs snarkjs' own check (groth16_verify.js: points on the curve, public inputs < r, then
 * e(-A, B) e(vk_x, gamma) e(C, delta) e(alpha, beta) = 1) with the verification key's points decoded
 * once and cached, on a single-threaded curve: ~12 ms instead of ~25 ms for snarkjs.groth16.verify,
 * which re-decodes the key and sends a 12-point multi-exponentiation to its worker threads each call.
 * PLONK uses snarkjs.plonk.verify as is.
 */
import { createHash } from 'node:crypto';
import { utils as ffUtils } from 'ffjavascript';
import * as snarkjs from 'snarkjs';
import { getCurve } from './curve.js';
import { BN254_P } from './signals.js';
const DEC = /^[0-9]{1,78}$/;
const noop = () => { };
const SILENT = { debug: noop, info: noop, warn: noop, error: noop };
function isFieldString(v, modulus = BN254_P) {
    return typeof v === 'string' && DEC.test(v) && BigInt(v) < modulus;
}
/** BN254 base field: proof coordinates live here. */
const BN254_Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
function isG1(v) {
    return Array.isArray(v) && v.length === 3 && v.every((c) => isFieldString(c, BN254_Q));
}
function isG2(v) {
    return Array.isArray(v) && v.length === 3 && v.every((c) => Array.isArray(c) && c.length === 2 && c.every((x) => isFieldString(x, BN254_Q)));
}
const PLONK_G1 = ['A', 'B', 'C', 'Z', 'T1', 'T2', 'T3', 'Wxi', 'Wxiw'];
const PLONK_FR = ['eval_a', 'eval_b', 'eval_c', 'eval_s1', 'eval_s2', 'eval_zw'];
function malformed(system, vk, publicSignals, proof) {
    if (system !== 'groth16' && system !== 'plonk')
        return `unknown proof system ${String(system)}`;
    if (!vk || typeof vk !== 'object')
        return 'verification key is not an object';
    const k = vk;
    if (k.protocol !== system)
        return `verification key is for ${String(k.protocol)}, not ${system}`;
    if (k.curve !== 'bn128')
        return 'verification key is not for BN254';
    if (!Array.isArray(publicSignals))
        return 'public signals are not an array';
    if (publicSignals.length !== k.nPublic)
        return `expected ${String(k.nPublic)} public signals, got ${publicSignals.length}`;
    if (!publicSignals.every((s) => isFieldString(s)))
        return 'a public signal is not a decimal field element';
    if (!proof || typeof proof !== 'object')
        return 'proof is not an object';
    const p = proof;
    if (p.protocol !== undefined && p.protocol !== system)
        return `proof is a ${String(p.protocol)} proof`;
    if (system === 'groth16') {
        if (!isG1(p.pi_a) || !isG2(p.pi_b) || !isG1(p.pi_c))
            return 'proof points are malformed';
    }
    else {
        if (!PLONK_G1.every((f) => isG1(p[f])))
            return 'proof commitments are malformed';
        if (!PLONK_FR.every((f) => isFieldString(p[f])))
            return 'proof evaluations are malformed';
    }
    return null;
}
const preparedVks = new Map();
async function prepareVk(vk) {
    const key = createHash('sha256').update(JSON.stringify(vk)).digest('hex');
    let p = preparedVks.get(key);
    if (p)
        return p;
    const curve = await getCurve(true);
    const v = ffUtils.unstringifyBigInts(vk);
    const ic = v.IC;
    if (!Array.isArray(ic) || ic.length !== vk.nPublic + 1)
        throw new Error('verification key IC does not match nPublic');
    const n = curve.G1.F.n8 * 2;
    const IC = new Uint8Array(n * (ic.length - 1));
    for (let i = 1; i < ic.length; i++)
        IC.set(curve.G1.fromObject(ic[i]), (i - 1) * n);
    p = {
        IC0: curve.G1.fromObject(ic[0]),
        IC,
        alpha1: curve.G1.fromObject(v.vk_alpha_1),
        beta2: curve.G2.fromObject(v.vk_beta_2),
        gamma2: curve.G2.fromObject(v.vk_gamma_2),
        delta2: curve.G2.fromObject(v.vk_delta_2)
    };
    preparedVks.set(key, p);
    if (preparedVks.size > 64)
        preparedVks.delete(preparedVks.keys().next().value);
    return p;
}
/** snarkjs groth16_verify.js with a cached, decoded key (inputs are already shape-checked). */
async function groth16Verify(vk, publicSignals, proof) {
    const curve = await getCurve(true);
    const k = await prepareVk(vk);
    const n8 = curve.Fr.n8;
    const w = new Uint8Array(n8 * publicSignals.length);
    const dv = new DataView(w.buffer);
    publicSignals.forEach((s, i) => {
        let v = BigInt(s);
        for (let j = 0; j < 4; j++) {
            dv.setBigUint64(i * n8 + j * 8, v & 0xffffffffffffffffn, true);
            v >>= 64n;
        }
    });
    let cpub = await curve.G1.multiExpAffine(k.IC, w);
    cpub = curve.G1.add(cpub, k.IC0);
    const p = ffUtils.unstringifyBigInts(proof);
    const piA = curve.G1.fromObject(p.pi_a);
    const piB = curve.G2.fromObject(p.pi_b);
    const piC = curve.G1.fromObject(p.pi_c);
    if (!curve.G1.isValid(piA) || !curve.G2.isValid(piB) || !curve.G1.isValid(piC))
        return false;
    return (await curve.pairingEq(curve.G1.neg(piA), piB, cpub, k.gamma2, piC, k.delta2, k.alpha1, k.beta2)) === true;
}
/** Verifies a proof; never throws. */
export async function verifyProofTimed(system, vk, publicSignals, proof) {
    const t0 = performance.now();
    const reason = malformed(system, vk, publicSignals, proof);
    if (reason)
        return { verified: false, verification_ms: performance.now() - t0, reason };
    let verified = false;
    if (system === 'groth16') {
        try {
            verified = await groth16Verify(vk, publicSignals, proof);
        }
        catch (err) {
            return { verified: false, verification_ms: performance.now() - t0, reason: `verifier error: ${err.message}` };
        }
        return { verified, verification_ms: performance.now() - t0 };
    }
    try {
        // A silent logger: snarkjs would print "Invalid proof" for every rejection, and plonk verify
        // dereferences its logger on malformed commitments
        verified = (await snarkjs.plonk.verify(vk, publicSignals, proof, SILENT)) === true;
    }
    catch (err) {
        return { verified: false, verification_ms: performance.now() - t0, reason: `verifier error: ${err.message}` };
    }
    return { verified, verification_ms: performance.now() - t0 };
}
/** true iff `proof` is valid for `publicSignals` under `vk`; false for anything else (never throws). */
export async function verifyProof(system, vk, publicSignals, proof) {
    return (await verifyProofTimed(system, vk, publicSignals, proof)).verified;
}
//# sourceMappingURL=verify.js.map