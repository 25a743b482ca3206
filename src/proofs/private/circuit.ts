/**
 * ArchitecturePlan -> circom 2 source of the private circuit. The model's parameters are private
 * inputs; the public signals are, in order (circom lists outputs first, then public inputs):
 *
 *   [0] commitment   Poseidon chain over (tag, salt, packed parameters), see commitment.ts
 *   [1] logit        at 2^34, signed mod p
 *   [2] label        [logit >= threshold * 2^14]
 *   [3 + i] x[i]     round(x_i * 2^24), feature i as the client sent it, signed mod p
 *
 * Every parameter is range-checked with circomlib's Num2Bits (each bit b(b - 1) = 0, and the
 * weighted sum equals the input), so every product and sum below has an integer bound far under
 * p / 2: the field computation is the integer computation (see src/proofs/README.md, "Private models").
 */
import { commitmentBlocks, HASH_ARITY } from './commitment.js'
import { FMT, RELU_SHIFT, SCALE_SHIFT, WIDTH, paramKinds, type ArchitecturePlan } from './format.js'

export const PRIVATE_TEMPLATE = 'ZkPredictPrivate'

/**
 * circomlib's Poseidon(n) (PoseidonEx with initialState 0, one output), same constants
 * (poseidon_constants.circom), same rounds and order, with the linear layers (Ark, Mix, MixS, MixLast)
 * kept as circom vars instead of signals. Compiled at O1 (see setup.ts), circomlib's template costs
 * 2,092 constraints for 16 inputs, 1,480 of them linear (one per state element per round); here only
 * the S-boxes are constraints: 3 x (8 t + partial rounds) = 612 for t = 17. The output is checked
 * against poseidon-lite (an independent implementation of the same hash) on every proof.
 */
const POSEIDON_LIN = [
  'template PoseidonLin(nInputs) {',
  '    signal input inputs[nInputs];',
  '    signal output out;',
  '    var N_ROUNDS_P[16] = [56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68];',
  '    var t = nInputs + 1;',
  '    var nRoundsF = 8;',
  '    var nRoundsP = N_ROUNDS_P[t - 2];',
  '    var C[t*nRoundsF + nRoundsP] = POSEIDON_C(t);',
  '    var S[N_ROUNDS_P[t-2] * (t*2-1)] = POSEIDON_S(t);',
  '    var M[t][t] = POSEIDON_M(t);',
  '    var P[t][t] = POSEIDON_P(t);',
  '    signal f2[nRoundsF][t];',
  '    signal f4[nRoundsF][t];',
  '    signal f5[nRoundsF][t];',
  '    signal p2[nRoundsP];',
  '    signal p4[nRoundsP];',
  '    signal p5[nRoundsP];',
  '    var st[t];',
  '    var nx[t];',
  '    st[0] = C[0];',
  '    for (var j = 1; j < t; j++) { st[j] = inputs[j-1] + C[j]; }',
  '    for (var r = 0; r < nRoundsF\\2; r++) {',
  '        for (var j = 0; j < t; j++) {',
  '            f2[r][j] <== st[j] * st[j];',
  '            f4[r][j] <== f2[r][j] * f2[r][j];',
  '            f5[r][j] <== f4[r][j] * st[j];',
  '        }',
  '        for (var j = 0; j < t; j++) { st[j] = f5[r][j] + C[(r+1)*t + j]; }',
  '        for (var i = 0; i < t; i++) {',
  '            nx[i] = 0;',
  '            for (var j = 0; j < t; j++) { nx[i] += (r < nRoundsF\\2 - 1 ? M[j][i] : P[j][i]) * st[j]; }',
  '        }',
  '        for (var i = 0; i < t; i++) { st[i] = nx[i]; }',
  '    }',
  '    for (var r = 0; r < nRoundsP; r++) {',
  '        p2[r] <== st[0] * st[0];',
  '        p4[r] <== p2[r] * p2[r];',
  '        p5[r] <== p4[r] * st[0];',
  '        var s0 = p5[r] + C[(nRoundsF\\2+1)*t + r];',
  '        var lc = S[(t*2-1)*r] * s0;',
  '        for (var i = 1; i < t; i++) { lc += S[(t*2-1)*r + i] * st[i]; }',
  '        for (var i = 1; i < t; i++) { st[i] = st[i] + s0 * S[(t*2-1)*r + t + i - 1]; }',
  '        st[0] = lc;',
  '    }',
  '    for (var r = 0; r < nRoundsF\\2 - 1; r++) {',
  '        var R = nRoundsF\\2 + r;',
  '        for (var j = 0; j < t; j++) {',
  '            f2[R][j] <== st[j] * st[j];',
  '            f4[R][j] <== f2[R][j] * f2[R][j];',
  '            f5[R][j] <== f4[R][j] * st[j];',
  '        }',
  '        for (var j = 0; j < t; j++) { st[j] = f5[R][j] + C[(nRoundsF\\2+1)*t + nRoundsP + r*t + j]; }',
  '        for (var i = 0; i < t; i++) {',
  '            nx[i] = 0;',
  '            for (var j = 0; j < t; j++) { nx[i] += M[j][i] * st[j]; }',
  '        }',
  '        for (var i = 0; i < t; i++) { st[i] = nx[i]; }',
  '    }',
  '    var lcOut = 0;',
  '    for (var j = 0; j < t; j++) {',
  '        f2[nRoundsF-1][j] <== st[j] * st[j];',
  '        f4[nRoundsF-1][j] <== f2[nRoundsF-1][j] * f2[nRoundsF-1][j];',
  '        f5[nRoundsF-1][j] <== f4[nRoundsF-1][j] * st[j];',
  '        lcOut += M[j][0] * f5[nRoundsF-1][j];',
  '    }',
  '    out <== lcOut;',
  '}',
  ''
]

/** circom name of each entry of the flat parameter vector (format.ts paramKinds order). */
export function paramSignalNames (sizes: readonly number[]): string[] {
  const names: string[] = []
  for (let i = 0; i < sizes[0]; i++) names.push(`centre[${i}]`)
  for (let i = 0; i < sizes[0]; i++) names.push(`alpha[${i}]`)
  for (let l = 1; l < sizes.length; l++) {
    for (let o = 0; o < sizes[l]; o++) for (let i = 0; i < sizes[l - 1]; i++) names.push(`w${l}[${o}][${i}]`)
    for (let o = 0; o < sizes[l]; o++) names.push(`b${l}[${o}]`)
  }
  names.push('thr')
  return names
}

/** The helper templates every private circuit uses (range checks, scaler, ReLU, linear-layer Poseidon). */
export function privateHelperTemplates (): string[] {
  const L: string[] = []
  L.push('include "circomlib/circuits/bitify.circom";')
  L.push('include "circomlib/circuits/poseidon_constants.circom";')
  L.push('')
  L.push('// -2^(W-1) <= in < 2^(W-1)')
  L.push('template RangeSigned(W) {')
  L.push('    signal input in;')
  L.push('    component bits = Num2Bits(W);')
  L.push('    bits.in <== in + 2**(W-1);')
  L.push('}')
  L.push('')
  L.push('// u = round(a (x - m) / 2^SH) with |x - m| < 2^(DW-1) and -2^(UW-1) <= u < 2^(UW-1): one Num2Bits of the')
  L.push('// rounded product gives the remainder (low SH bits), the quotient and its bound at once.')
  L.push('template ScaleInput(DW, SH, UW) {')
  L.push('    signal input x;')
  L.push('    signal input m;')
  L.push('    signal input a;')
  L.push('    signal output u;')
  L.push('    component d = Num2Bits(DW);')
  L.push('    d.in <== x - m + 2**(DW-1);')
  L.push('    signal p <== a * (x - m);')
  L.push('    component r = Num2Bits(SH + UW);')
  L.push('    r.in <== p + 2**(SH-1) + 2**(SH+UW-1);')
  L.push('    var q = 0;')
  L.push('    for (var j = SH; j < SH + UW; j++) { q += r.out[j] * 2**(j - SH); }')
  L.push('    u <== q - 2**(UW-1);')
  L.push('}')
  L.push('')
  L.push('// out = relu(round(in / 2^SH)) for -2^(K-1) <= in + 2^(SH-1) < 2^(K-1): the remainder (low SH bits),')
  L.push('// the quotient (bits SH..K-2) and the sign (bit K-1) all come from one Num2Bits(K).')
  L.push('template ReluRound(K, SH) {')
  L.push('    signal input in;')
  L.push('    signal output out;')
  L.push('    component bits = Num2Bits(K);')
  L.push('    bits.in <== in + 2**(K-1) + 2**(SH-1);')
  L.push('    var q = 0;')
  L.push('    for (var j = SH; j < K - 1; j++) { q += bits.out[j] * 2**(j - SH); }')
  L.push('    out <== bits.out[K-1] * q;')
  L.push('}')
  L.push('')
  L.push(...POSEIDON_LIN)
  return L
}

/** Declarations of the model's parameters as signal inputs (centre, alpha, w/b per layer, thr). */
export function paramInputLines (plan: ArchitecturePlan): string[] {
  const { sizes } = plan
  const n0 = sizes[0]
  const L: string[] = []
  L.push(`    signal input centre[${n0}];`)
  L.push(`    signal input alpha[${n0}];`)
  for (let l = 1; l < sizes.length; l++) {
    L.push(`    signal input w${l}[${sizes[l]}][${sizes[l - 1]}];`)
    L.push(`    signal input b${l}[${sizes[l]}];`)
  }
  L.push('    signal input thr;')
  return L
}

/** Range checks of every parameter (each a Num2Bits: real constraints). */
export function paramRangeCheckLines (plan: ArchitecturePlan): string[] {
  const { sizes } = plan
  const n0 = sizes[0]
  const L: string[] = []
  L.push('    // Range checks of every parameter: the bounds the no-wrap argument and the packing rely on')
  L.push(`    component rc[${n0}];`)
  L.push(`    component ra[${n0}];`)
  L.push(`    for (var i = 0; i < ${n0}; i++) {`)
  L.push(`        rc[i] = RangeSigned(${WIDTH.centre}); rc[i].in <== centre[i];`)
  L.push(`        ra[i] = RangeSigned(${WIDTH.alpha}); ra[i].in <== alpha[i];`)
  L.push('    }')
  for (let l = 1; l < sizes.length; l++) {
    L.push(`    component rw${l}[${sizes[l]}][${sizes[l - 1]}];`)
    L.push(`    component rb${l}[${sizes[l]}];`)
    L.push(`    for (var o = 0; o < ${sizes[l]}; o++) {`)
    const rw = `rw${l}[o][i]`
    L.push(`        for (var i = 0; i < ${sizes[l - 1]}; i++) { ${rw} = RangeSigned(${WIDTH.weight}); ${rw}.in <== w${l}[o][i]; }`)
    L.push(`        rb${l}[o] = RangeSigned(${WIDTH.bias}); rb${l}[o].in <== b${l}[o];`)
    L.push('    }')
  }
  L.push(`    component rthr = RangeSigned(${WIDTH.bias});`)
  L.push('    rthr.in <== thr;')
  return L
}

/**
 * One row: scaler, layers, label, from the signals x, the parameters and thr in scope, into the
 * signals `logit` and `label` (declared by the caller).
 */
export function rowLines (plan: ArchitecturePlan): string[] {
  const { sizes } = plan
  const n0 = sizes[0]
  const nL = sizes.length - 1
  const dW = FMT.inputFracBits + FMT.inputIntBits + 1
  const uW = FMT.scaledFracBits + FMT.scaledIntBits + 1
  const L: string[] = []
  const fmtU = `at 2^${FMT.scaledFracBits}, |u_i| < 2^${FMT.scaledIntBits}`
  L.push(`    // Scaler: u_i = round(alpha_i (x_i - centre_i) / 2^${SCALE_SHIFT}) ${fmtU}`)
  L.push(`    component sc[${n0}];`)
  L.push(`    for (var i = 0; i < ${n0}; i++) {`)
  L.push(`        sc[i] = ScaleInput(${dW}, ${SCALE_SHIFT}, ${uW});`)
  L.push('        sc[i].x <== x[i]; sc[i].m <== centre[i]; sc[i].a <== alpha[i];')
  L.push('    }')
  let prev = 'u'
  L.push(`    signal u[${n0}];`)
  L.push(`    for (var i = 0; i < ${n0}; i++) { u[i] <== sc[i].u; }`)
  for (let l = 1; l <= nL; l++) {
    const last = l === nL
    const nIn = sizes[l - 1]
    const nOut = sizes[l]
    L.push('')
    L.push(`    // Layer ${l}: acc = sum w h + b 2^${FMT.weightFracBits} at 2^${FMT.activationFracBits + FMT.weightFracBits}` +
      (last ? ': the logit' : `, h${l} = relu(round(acc / 2^${RELU_SHIFT})) at 2^${FMT.activationFracBits}`))
    L.push(`    signal p${l}[${nOut}][${nIn}];`)
    if (!last) {
      L.push(`    signal h${l}[${nOut}];`)
      L.push(`    component a${l}[${nOut}];`)
    }
    L.push(`    for (var o = 0; o < ${nOut}; o++) {`)
    L.push(`        var acc = b${l}[o] * ${2 ** FMT.weightFracBits};`)
    L.push(`        for (var i = 0; i < ${nIn}; i++) { p${l}[o][i] <== w${l}[o][i] * ${prev}[i]; acc += p${l}[o][i]; }`)
    if (last) {
      L.push('        logit <== acc;')
    } else {
      L.push(`        a${l}[o] = ReluRound(${plan.layers[l - 1].reluBits}, ${RELU_SHIFT});`)
      L.push(`        a${l}[o].in <== acc;`)
      L.push(`        h${l}[o] <== a${l}[o].out;`)
    }
    L.push('    }')
    prev = `h${l}`
  }
  L.push('')
  L.push(`    // label = [logit >= thr 2^${FMT.weightFracBits}]: the sign bit of the difference`)
  L.push(`    component ge = Num2Bits(${plan.labelBits});`)
  L.push(`    ge.in <== logit - thr * ${2 ** FMT.weightFracBits} + 2**${plan.labelBits - 1};`)
  L.push(`    label <== ge.out[${plan.labelBits - 1}];`)
  return L
}

/** The commitment: packed range-checked parameters and the salt through the Poseidon chain, into `commitment`. */
export function commitmentLines (plan: ArchitecturePlan): string[] {
  const { sizes } = plan
  const L: string[] = []
  L.push('    // Commitment: packed range-checked parameters (slot = value + 2^(width-1)), Poseidon chain')
  const names = paramSignalNames(sizes)
  const kinds = paramKinds(sizes)
  L.push(`    signal e[${plan.packing.length}];`)
  plan.packing.forEach((slots, j) => {
    const terms = slots.map((s) => {
      const offset = (1n << BigInt(WIDTH[kinds[s.index]] - 1)).toString()
      return `(${names[s.index]} + ${offset}) * ${(1n << BigInt(s.shift)).toString()}`
    })
    L.push(`    e[${j}] <== ${terms.join(' + ')};`)
  })
  const blocks = commitmentBlocks(plan.packing.length)
  L.push(`    component hs[${blocks.length}];`)
  blocks.forEach((b, k) => {
    L.push(`    hs[${k}] = PoseidonLin(${HASH_ARITY});`)
    const head = k === 0 ? [plan.tag.toString(), 'salt'] : [`hs[${k - 1}].out`]
    const ins = [...head]
    for (let j = 0; j < b.count; j++) ins.push(`e[${b.start + j}]`)
    while (ins.length < HASH_ARITY) ins.push('0')
    ins.forEach((v, i) => L.push(`    hs[${k}].inputs[${i}] <== ${v};`))
  })
  L.push(`    commitment <== hs[${blocks.length - 1}].out;`)
  return L
}

export function privateCircomSource (plan: ArchitecturePlan): string {
  const n0 = plan.sizes[0]
  const L: string[] = []
  L.push('pragma circom 2.1.0;')
  L.push(`// Generated by zkpredict src/proofs/private/circuit.ts for architecture ${plan.id}: do not edit.`)
  L.push('// Public signals: [commitment, logit, label, x[..]]; every model parameter is a private input.')
  L.push('')
  L.push(...privateHelperTemplates())
  L.push(`template ${PRIVATE_TEMPLATE}() {`)
  L.push(`    signal input x[${n0}];`)
  L.push(...paramInputLines(plan))
  L.push('    signal input salt;')
  L.push('    signal output commitment;')
  L.push('    signal output logit;')
  L.push('    signal output label;')
  L.push('')
  L.push(...paramRangeCheckLines(plan))
  L.push('')
  L.push(...rowLines(plan))
  L.push('')
  L.push(...commitmentLines(plan))
  L.push('}')
  L.push('')
  L.push(`component main {public [x]} = ${PRIVATE_TEMPLATE}();`)
  L.push('')
  return L.join('\n')
}
