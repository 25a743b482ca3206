/** A raw input outside the range the circuit can prove (see quantize.ts, "The supported input range"). */
export class InputRangeError extends Error {
    column;
    constructor(message, column) {
        super(message);
        this.name = 'InputRangeError';
        this.column = column;
    }
}
const pow2 = (n) => 1n << BigInt(n);
/** Quantizes raw feature values: x_q = round(x * 2^inputFracBits). */
export function quantizeInputs(plan, raw) {
    if (raw.length !== plan.nInputs) {
        throw new InputRangeError(`expected ${plan.nInputs} input values, got ${raw.length}`, -1);
    }
    const s = 2 ** plan.params.inputFracBits;
    return raw.map((x, i) => {
        if (typeof x !== 'number' || !Number.isFinite(x))
            throw new InputRangeError(`input ${i} is not a finite number`, i);
        return BigInt(Math.round(x * s));
    });
}
export function evaluatePlan(plan, xq) {
    if (xq.length !== plan.nInputs)
        throw new InputRangeError(`expected ${plan.nInputs} inputs, got ${xq.length}`, -1);
    let cur = plan.inputs.map((c, i) => {
        const v = xq[i] - c.centerQ + pow2(c.bits - 1);
        if (v < 0n || v >= pow2(c.bits)) {
            const x = Number(xq[i]) / 2 ** plan.params.inputFracBits;
            throw new InputRangeError(`input ${i} = ${x} is outside the provable range [${c.min}, ${c.max})`, i);
        }
        if (c.drop === 0)
            return v;
        return (v >> BigInt(c.drop)) + ((v >> BigInt(c.drop - 1)) & 1n);
    });
    const acc = [];
    const act = [];
    for (const [li, l] of plan.layers.entries()) {
        const a = l.weights.map((row, o) => row.reduce((s, w, i) => s + w * cur[i], l.bias[o]));
        acc.push(a);
        if (!l.relu) {
            cur = a;
            act.push([]);
            continue;
        }
        const R = pow2(l.shift - 1);
        const h = a.map((v, o) => {
            const t = v + R;
            // Cannot happen for inputs inside the box (the widths are worst-case); kept as a guard
            if (t < -pow2(l.bits[o] - 1) || t >= pow2(l.bits[o] - 1))
                throw new Error(`layer ${li + 1} neuron ${o} overflows its range check`);
            return t >= 0n ? t >> BigInt(l.shift) : 0n;
        });
        act.push(h);
        cur = h;
    }
    const logitQ = cur[0];
    return { xq: [...xq], acc, act, logitQ, label: logitQ >= plan.thresholdQ ? 1 : 0 };
}
//# sourceMappingURL=evaluate.js.map