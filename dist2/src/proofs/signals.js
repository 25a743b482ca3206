/**
 * Public signals of a zkpredict circuit, in the order snarkjs lists them (circom puts the main
 * component's outputs first, then its public inputs, each in declaration order):
 *
 *   [0]      logit  = round-to-circuit(logit * 2^logitScaleBits), a signed integer encoded mod p
 *   [1]      label  = 1 if logit >= thresholdQ (threshold from the model's `threshold` prop, else 0.5), else 0
 *   [2 + i]  x_i    = round(x_i * 2^inputFracBits), feature i exactly as the client sent it, signed mod p
 *
 * Every value is a decimal string of a field element in [0, p); a negative integer z is p + z.
 * probability = sigmoid(logit / 2^logitScaleBits) is computed outside the circuit from the public logit.
 */
export const BN254_P = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
const HALF_P = BN254_P / 2n;
export function toField(z) {
    const r = z % BN254_P;
    return r < 0n ? r + BN254_P : r;
}
/** Field element -> signed integer in (-p/2, p/2]. */
export function fromField(f) {
    return f > HALF_P ? f - BN254_P : f;
}
export function sigmoid(z) {
    return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}
/** The circom input object for quantized inputs: {x: [field elements as decimal strings]}. */
export function circuitInput(xq) {
    return { x: xq.map((v) => toField(v).toString()) };
}
/** Integer / 2^bits as a float, exact up to float64 rounding even beyond 2^53. */
function scaleDown(v, bits) {
    return Number(v) / 2 ** bits;
}
/**
 * Decodes public signals (as produced by prove or read from a bundle). Throws on a wrong count or
 * a value that is not a field element; it does not verify anything.
 */
export function decodePublicSignals(signals, meta) {
    if (!Array.isArray(signals) || signals.length !== 2 + meta.nInputs) {
        throw new Error(`expected ${2 + meta.nInputs} public signals, got ${Array.isArray(signals) ? signals.length : typeof signals}`);
    }
    const vals = signals.map((s, i) => {
        let v;
        try {
            v = BigInt(s);
        }
        catch {
            throw new Error(`public signal ${i} is not an integer`);
        }
        if (v < 0n || v >= BN254_P)
            throw new Error(`public signal ${i} is not a field element`);
        return v;
    });
    const label = vals[1];
    if (label !== 0n && label !== 1n)
        throw new Error('public signal 1 (label) is not a bit');
    const logit = scaleDown(fromField(vals[0]), meta.logitScaleBits);
    return {
        inputs: vals.slice(2).map((v) => scaleDown(fromField(v), meta.inputFracBits)),
        logit,
        probability: sigmoid(logit),
        label: label === 1n ? 1 : 0
    };
}
//# sourceMappingURL=signals.js.map