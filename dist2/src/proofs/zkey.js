/**
 * Groth16 proving-key parsing: a .zkey read once into what groth16-prove.ts needs (header, curve
 * points, and the QAP coefficients decoded to bigints), instead of snarkjs's re-reading and
 * re-decoding of the whole file on every proof.
 *
 * snarkjs internals relied on (pinned to an exact version in package.json for that reason): the zkey
 * section layout of snarkjs 0.7 (section 1 protocol id, 2 header, 4 coefficients as
 * [matrix u32, constraint u32, signal u32, value in Montgomery form times R], 5-9 the A, B1, B2, C and H
 * point sections), read through @iden3/binfileutils, and ffjavascript's G1/G2 `fromRprLEM`.
 */
import * as binFileUtils from '@iden3/binfileutils';
import { BN254_P } from './signals.js';
export const R = BN254_P;
/** Montgomery R = 2^256 mod r; zkey coefficients are stored as value * R^2. */
const MONT_R = (1n << 256n) % R;
function modPow(b, e, m) {
    let r = 1n;
    b %= m;
    while (e > 0n) {
        if (e & 1n)
            r = (r * b) % m;
        b = (b * b) % m;
        e >>= 1n;
    }
    return r;
}
const INV_R2 = modPow((MONT_R * MONT_R) % R, R - 2n, R);
function leToBig(b, off, n) {
    let v = 0n;
    for (let i = n - 1; i >= 0; i--)
        v = (v << 8n) | BigInt(b[off + i]);
    return v;
}
export const MASK64 = (1n << 64n) - 1n;
export function writeBig32(dv, off, v) {
    if (v <= MASK64) {
        dv.setBigUint64(off, v, true);
        dv.setBigUint64(off + 8, 0n, true);
        dv.setBigUint64(off + 16, 0n, true);
        dv.setBigUint64(off + 24, 0n, true);
        return;
    }
    dv.setBigUint64(off, v & MASK64, true);
    dv.setBigUint64(off + 8, (v >> 64n) & MASK64, true);
    dv.setBigUint64(off + 16, (v >> 128n) & MASK64, true);
    dv.setBigUint64(off + 24, v >> 192n, true);
}
export async function loadGroth16Key(bytes, curve) {
    const { fd, sections } = await binFileUtils.readBinFile({ type: 'mem', data: bytes }, 'zkey', 2);
    fd.pos = sections[1][0].p;
    if (await fd.readULE32() !== 1)
        throw new Error('zkey is not a groth16 key');
    fd.pos = sections[2][0].p;
    const n8q = await fd.readULE32();
    const q = await binFileUtils.readBigInt(fd, n8q);
    const n8r = await fd.readULE32();
    const r = await binFileUtils.readBigInt(fd, n8r);
    if (BigInt(r) !== R || n8q !== 32 || BigInt(q) === 0n)
        throw new Error('zkey is not for BN254');
    const nVars = await fd.readULE32();
    const nPublic = await fd.readULE32();
    const domainSize = await fd.readULE32();
    const g1 = async () => curve.G1.fromRprLEM(await fd.read(n8q * 2), 0);
    const g2 = async () => curve.G2.fromRprLEM(await fd.read(n8q * 4), 0);
    const alpha1 = await g1();
    const beta1 = await g1();
    const beta2 = await g2();
    await g2(); // gamma2: only the verifier needs it
    const delta1 = await g1();
    const delta2 = await g2();
    const sec = async (id) => {
        const b = await binFileUtils.readSection(fd, sections, id);
        // Small circuits fit a plain Uint8Array; BigBuffer pages only past 1 GiB
        return b instanceof Uint8Array ? b : b.slice(0, b.byteLength);
    };
    const coefs = await sec(4);
    const dv = new DataView(coefs.buffer, coefs.byteOffset, coefs.byteLength);
    const n = dv.getUint32(0, true);
    const size = 12 + n8r;
    const coefM = new Uint8Array(n);
    const coefC = new Uint32Array(n);
    const coefS = new Uint32Array(n);
    const coefV = new Array(n);
    for (let i = 0; i < n; i++) {
        const o = 4 + i * size;
        coefM[i] = dv.getUint32(o, true);
        coefC[i] = dv.getUint32(o + 4, true);
        coefS[i] = dv.getUint32(o + 8, true);
        coefV[i] = (leToBig(coefs, o + 12, n8r) * INV_R2) % R;
    }
    const key = {
        nVars,
        nPublic,
        domainSize,
        power: Math.log2(domainSize),
        alpha1,
        beta1,
        beta2,
        delta1,
        delta2,
        coefM,
        coefC,
        coefS,
        coefV,
        pointsA: await sec(5),
        pointsB1: await sec(6),
        pointsB2: await sec(7),
        pointsC: await sec(8),
        pointsH: await sec(9)
    };
    await fd.close();
    return key;
}
//# sourceMappingURL=zkey.js.map