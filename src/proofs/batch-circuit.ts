/**
 * circom source of a batch circuit: the single-row template of circom-source.ts (unchanged, with
 * every range check and its soundness argument) instantiated `size` times, the rows' inputs private,
 * and the public signals the packed words of batch-layout.ts.
 *
 * Why the row's own signals suffice for packing: each packed field is an input or an output of the
 * row template whose range the row already proves (x_i by its input range check, the logit and the
 * label by the label comparison); the only new signal is the `real` flag, constrained to a bit
 * here. A word is then a linear combination of row signals with power-of-two coefficients: one
 * linear constraint per word, and the circuit grows by size + words constraints over size rows.
 *
 * Shared work per batch: none for a public model (its weights are constants). A private variant
 * (weights as witness behind a commitment) would compute the commitment once in this template and
 * feed the same weight signals to every row.
 */
import { circomSource, CIRCOM_TEMPLATE } from './circom-source.js'
import { fieldPositions, type BatchLayout } from './batch-layout.js'
import type { CircuitPlan } from './quantize.js'

export const BATCH_TEMPLATE = 'ZkPredictBatch'

/** The circom source proving `layout.size` rows of `plan` with `layout.words` public words. */
export function batchCircomSource (plan: CircuitPlan, layout: BatchLayout, header = ''): string {
  const single = circomSource(plan, header)
  const mainLine = `component main {public [x]} = ${CIRCOM_TEMPLATE}();`
  if (!single.includes(mainLine)) throw new Error('circom-source.ts no longer ends with the expected main component')
  const L: string[] = [single.replace(mainLine, '').trimEnd(), '']
  const N = layout.size
  const n = plan.nInputs
  L.push(`// ${N} rows of ${CIRCOM_TEMPLATE}; public signals: ${layout.words} words packing every row's`)
  L.push('// [real, label, logit + 2^(L-1) - thresholdQ, x_i + 2^(n_i-1) - centre_i] (src/proofs/batch-layout.ts).')
  L.push(`template ${BATCH_TEMPLATE}() {`)
  L.push(`    signal input x[${N}][${n}];`)
  L.push('    // 1 for a request row, 0 for a padding row')
  L.push(`    signal input real[${N}];`)
  L.push(`    signal output words[${layout.words}];`)
  L.push(`    component row[${N}];`)
  L.push(`    for (var r = 0; r < ${N}; r++) {`)
  L.push(`        row[r] = ${CIRCOM_TEMPLATE}();`)
  L.push('        row[r].x <== x[r];')
  L.push('        real[r] * (real[r] - 1) === 0;')
  L.push('    }')
  const pos = fieldPositions(layout.fields, N, layout.wordBits)
  const terms: string[][] = Array.from({ length: layout.words }, () => [])
  const consts: bigint[] = new Array(layout.words).fill(0n)
  for (let r = 0; r < N; r++) {
    layout.fields.forEach((f, j) => {
      const { word, shift } = pos[r][j]
      const sig = f.kind === 'real'
        ? `real[${r}]`
        : f.kind === 'label' ? `row[${r}].label` : f.kind === 'logit' ? `row[${r}].logit` : `x[${r}][${f.col}]`
      terms[word].push(shift === 0 ? sig : `${sig} * ${(1n << BigInt(shift)).toString()}`)
      consts[word] += f.offset << BigInt(shift)
    })
  }
  terms.forEach((t, w) => {
    const c = consts[w]
    const tail = c === 0n ? '' : c > 0n ? ` + ${c}` : ` - ${-c}`
    L.push(`    words[${w}] <== ${t.join(' + ')}${tail};`)
  })
  L.push('}')
  L.push('')
  L.push(`component main = ${BATCH_TEMPLATE}();`)
  L.push('')
  return L.join('\n')
}
