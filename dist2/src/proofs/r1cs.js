function sections(bytes) {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (Buffer.from(bytes.subarray(0, 4)).toString('latin1') !== 'r1cs')
        throw new Error('not an r1cs file');
    const n = dv.getUint32(8, true);
    const list = [];
    let pos = 12;
    for (let s = 0; s < n; s++) {
        const type = dv.getUint32(pos, true);
        const size = Number(dv.getBigUint64(pos + 4, true));
        list.push({ type, pos: pos + 12, size });
        pos += 12 + size;
    }
    return { dv, list };
}
export function readR1csHeader(bytes) {
    const { dv, list } = sections(bytes);
    const h = list.find((s) => s.type === 1);
    if (!h)
        throw new Error('r1cs file has no header section');
    const n8 = dv.getUint32(h.pos, true);
    let p = h.pos + 4 + n8;
    const next = () => { const v = dv.getUint32(p, true); p += 4; return v; };
    const nWires = next();
    const nPubOut = next();
    const nPubIn = next();
    const nPrvIn = next();
    p += 8; // nLabels (u64)
    const nConstraints = next();
    return { n8, nWires, nPubOut, nPubIn, nPrvIn, nConstraints };
}
/** Smallest power of two domain snarkjs' Groth16 setup uses: 2^p > constraints + public signals. */
export function groth16Power(h) {
    return Math.floor(Math.log2(h.nConstraints + h.nPubIn + h.nPubOut)) + 1;
}
/**
 * PLONK gates as snarkjs plonk setup builds them (plonk_setup.js processConstraints): one gate per
 * public signal, per R1CS constraint one gate plus one addition gate per term beyond 1 in each of
 * A, B, C for a multiplication, or beyond 3 for a linear constraint.
 */
export function plonkGateCount(bytes) {
    const h = readR1csHeader(bytes);
    const { dv, list } = sections(bytes);
    const c = list.find((s) => s.type === 2);
    if (!c)
        throw new Error('r1cs file has no constraints section');
    let p = c.pos;
    const isZero = (off) => {
        for (let i = 0; i < h.n8; i++)
            if (dv.getUint8(off + i) !== 0)
                return false;
        return true;
    };
    // Returns [terms on non-constant wires, has a non-zero constant]
    const readLc = () => {
        const n = dv.getUint32(p, true);
        p += 4;
        let terms = 0;
        let k = false;
        for (let i = 0; i < n; i++) {
            const wire = dv.getUint32(p, true);
            const zero = isZero(p + 4);
            p += 4 + h.n8;
            if (zero)
                continue;
            if (wire === 0)
                k = true;
            else
                terms++;
        }
        return [terms, k];
    };
    let gates = h.nPubOut + h.nPubIn;
    for (let i = 0; i < h.nConstraints; i++) {
        const [a, ak] = readLc();
        const [b, bk] = readLc();
        const [cc] = readLc();
        const aType = a > 0 ? 'n' : ak ? 'k' : '0';
        const bType = b > 0 ? 'n' : bk ? 'k' : '0';
        if (aType === '0' || bType === '0') {
            gates += 1 + Math.max(0, cc - 3);
        }
        else if (aType === 'k') {
            // B scaled by the constant joined with C: terms may overlap; count the upper bound
            gates += 1 + Math.max(0, b + cc - 3);
        }
        else if (bType === 'k') {
            gates += 1 + Math.max(0, a + cc - 3);
        }
        else {
            gates += 1 + Math.max(0, a - 1) + Math.max(0, b - 1) + Math.max(0, cc - 1);
        }
    }
    return gates;
}
/** Smallest power snarkjs' PLONK setup uses for this many gates (at least 2^3). */
export function plonkPower(gates) {
    return Math.max(3, Math.floor(Math.log2(gates - 1)) + 1);
}
//# sourceMappingURL=r1cs.js.map