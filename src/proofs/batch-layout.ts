/**
 * Public signals of a batch circuit: every row's values bit-packed into as few field elements
 * ("words") as their proven ranges allow.
 *
 * A batch circuit proves N rows at once (N fixed per circuit; a request is padded to the next size).
 * Each row contributes these fields, in this order, each a non-negative integer below 2^bits:
 *
 * | field | value packed | bits | bounded in the circuit by |
 * |---|---|---|---|
 * | `real` | 1 for a request row, 0 for padding | 1 | `real * (real - 1) === 0` |
 * | `label` | the row's label | 1 | it is the top bit of the row's label comparison (Num2Bits) |
 * | `logit` | logit_q + 2^(L-1) - thresholdQ | L = plan.labelBits | the label comparison's Num2Bits(L) |
 * | `x[i]` | x_q,i + 2^(n_i-1) - centerQ_i | n_i = plan.inputs[i].bits | the input range check Num2Bits(n_i) |
 *
 * Fields are laid out greedily in one stream: a field goes into the current word at the next free
 * bit if it fits below WORD_BITS, else it starts the next word (a field is never split, so every
 * word is a plain linear combination of row signals: free in R1CS). WORD_BITS = 253 < log2(p), so a
 * word never wraps modulo p, and since every field is range-checked to its own width the words
 * determine every row uniquely: a verifier that recomputes the words from the rows it was shown and
 * finds them equal to the proof's public signals knows the proof is about exactly those rows.
 *
 * Padding rows are canonical: real = 0, every x_i at its box centre (packed value 2^(n_i-1)), and
 * the logit and label the model gives for that input (a constant of the circuit). They say nothing
 * about anyone; a verifier rebuilds them itself rather than reading them from the bundle.
 */
import { evaluatePlan } from './evaluate.js'
import type { CircuitPlan } from './quantize.js'
import { BN254_P, fromField, sigmoid } from './signals.js'

/** Bits per public word: 2^253 < p (BN254's scalar field, ~2^253.6), so packing never wraps. */
export const WORD_BITS = 253

export type BatchFieldKind = 'real' | 'label' | 'logit' | 'x'

/** One field of the per-row pattern (the same for every row). */
export interface BatchField {
  kind: BatchFieldKind
  /** Input column for kind 'x'. */
  col?: number
  bits: number
  /** Added to the signed integer value before packing (so the packed value is in [0, 2^bits)). */
  offset: bigint
}

export interface BatchLayout {
  format: 'zkpredict-batch-layout-v1'
  size: number
  nInputs: number
  wordBits: number
  /** The field pattern of one row. */
  fields: BatchField[]
  /** Number of public words (the public signals, in order). */
  words: number
  /** The canonical padding row. */
  pad: { xq: bigint[], logitQ: bigint, label: 0 | 1 }
}

/** A row as integers: inputs x_q = round(x * 2^inputFracBits), logit at 2^logitScaleBits. */
export interface BatchRowQ {
  xq: bigint[]
  logitQ: bigint
  label: 0 | 1
}

const pow2 = (n: number) => 1n << BigInt(n)

export function rowFields (plan: CircuitPlan): BatchField[] {
  return [
    { kind: 'real', bits: 1, offset: 0n },
    { kind: 'label', bits: 1, offset: 0n },
    { kind: 'logit', bits: plan.labelBits, offset: pow2(plan.labelBits - 1) - plan.thresholdQ },
    ...plan.inputs.map((c, i): BatchField => ({ kind: 'x', col: i, bits: c.bits, offset: pow2(c.bits - 1) - c.centerQ }))
  ]
}

/** Word index and bit position of every field of every row, greedy as documented above. */
export function fieldPositions (fields: readonly BatchField[], size: number, wordBits = WORD_BITS): { word: number, shift: number }[][] {
  let word = 0
  let pos = 0
  const out: { word: number, shift: number }[][] = []
  for (let r = 0; r < size; r++) {
    const row: { word: number, shift: number }[] = []
    for (const f of fields) {
      if (f.bits > wordBits) throw new Error(`a ${f.bits}-bit field does not fit a ${wordBits}-bit word`)
      if (pos + f.bits > wordBits) { word++; pos = 0 }
      row.push({ word, shift: pos })
      pos += f.bits
    }
    out.push(row)
  }
  return out
}

export function batchLayout (plan: CircuitPlan, size: number): BatchLayout {
  if (!Number.isInteger(size) || size < 1) throw new Error(`batch size must be a positive integer, got ${size}`)
  const fields = rowFields(plan)
  const pos = fieldPositions(fields, size)
  const padX = plan.inputs.map((c) => c.centerQ)
  const padEval = evaluatePlan(plan, padX)
  return {
    format: 'zkpredict-batch-layout-v1',
    size,
    nInputs: plan.nInputs,
    wordBits: WORD_BITS,
    fields,
    words: pos[size - 1][fields.length - 1].word + 1,
    pad: { xq: padX, logitQ: padEval.logitQ, label: padEval.label }
  }
}

function fieldValue (f: BatchField, row: BatchRowQ, real: boolean): bigint {
  switch (f.kind) {
    case 'real': return real ? 1n : 0n
    case 'label': return BigInt(row.label)
    case 'logit': return row.logitQ + f.offset
    case 'x': return row.xq[f.col as number] + f.offset
  }
}

/**
 * The public words for `rows` (at most layout.size; the rest is canonical padding). Throws if a
 * value is outside its field's range: such a row cannot have been proven by this circuit.
 */
export function packRows (layout: BatchLayout, rows: readonly BatchRowQ[]): bigint[] {
  if (rows.length > layout.size) throw new Error(`${rows.length} rows do not fit a batch of ${layout.size}`)
  const pos = fieldPositions(layout.fields, layout.size, layout.wordBits)
  const words: bigint[] = new Array(layout.words).fill(0n)
  for (let r = 0; r < layout.size; r++) {
    const real = r < rows.length
    const row = real ? rows[r] : layout.pad
    if (real && row.xq.length !== layout.nInputs) throw new Error(`row ${r}: expected ${layout.nInputs} inputs, got ${row.xq.length}`)
    if (row.label !== 0 && row.label !== 1) throw new Error(`row ${r}: label is not 0 or 1`)
    layout.fields.forEach((f, j) => {
      const v = fieldValue(f, row, real)
      if (v < 0n || v >= pow2(f.bits)) {
        throw new Error(`row ${r}: ${f.kind === 'x' ? `input ${f.col}` : f.kind} is outside the range the circuit proves`)
      }
      words[pos[r][j].word] += v << BigInt(pos[r][j].shift)
    })
  }
  return words
}

export interface UnpackedBatch {
  /** Request rows (real = 1), in order. */
  rows: BatchRowQ[]
  /** True when every padding row is the canonical one and real rows come first. */
  canonical: boolean
}

/** Public words -> rows. Throws on a wrong count or a value that is not a packed word. */
export function unpackWords (layout: BatchLayout, signals: readonly (string | bigint)[]): UnpackedBatch {
  if (!Array.isArray(signals) || signals.length !== layout.words) {
    throw new Error(`expected ${layout.words} public signals, got ${Array.isArray(signals) ? signals.length : typeof signals}`)
  }
  const words = signals.map((s, i) => {
    let v: bigint
    try { v = BigInt(s) } catch { throw new Error(`public signal ${i} is not an integer`) }
    if (v < 0n || v >= BN254_P || v >= pow2(layout.wordBits)) throw new Error(`public signal ${i} is not a packed word`)
    return v
  })
  const pos = fieldPositions(layout.fields, layout.size, layout.wordBits)
  const rows: BatchRowQ[] = []
  let canonical = true
  let seenPad = false
  for (let r = 0; r < layout.size; r++) {
    const vals = layout.fields.map((f, j) => (words[pos[r][j].word] >> BigInt(pos[r][j].shift)) & (pow2(f.bits) - 1n))
    const row: BatchRowQ = { xq: new Array(layout.nInputs), logitQ: 0n, label: 0 }
    let real = false
    layout.fields.forEach((f, j) => {
      if (f.kind === 'real') real = vals[j] === 1n
      else if (f.kind === 'label') row.label = vals[j] === 1n ? 1 : 0
      else if (f.kind === 'logit') row.logitQ = vals[j] - f.offset
      else row.xq[f.col as number] = vals[j] - f.offset
    })
    if (real) {
      if (seenPad) canonical = false
      rows.push(row)
    } else {
      seenPad = true
      const p = layout.pad
      if (row.logitQ !== p.logitQ || row.label !== p.label || row.xq.some((v, i) => v !== p.xq[i])) canonical = false
    }
  }
  // A bit beyond the fields of a word cannot come from the circuit
  const used: bigint[] = new Array(layout.words).fill(0n)
  for (const row of pos) row.forEach((p, j) => { used[p.word] |= (pow2(layout.fields[j].bits) - 1n) << BigInt(p.shift) })
  words.forEach((w, i) => { if ((w & ~used[i]) !== 0n) throw new Error(`public signal ${i} has bits outside its fields`) })
  return { rows, canonical }
}

export interface DecodedBatchRow {
  inputs: number[]
  logit: number
  probability: number
  label: 0 | 1
}

/** A quantized row as the numbers a user reads (inputs / 2^inputFracBits, logit / 2^logitScaleBits). */
export function decodeRow (row: BatchRowQ, meta: { inputFracBits: number, logitScaleBits: number }): DecodedBatchRow {
  const logit = Number(fromField(((row.logitQ % BN254_P) + BN254_P) % BN254_P)) / 2 ** meta.logitScaleBits
  return {
    inputs: row.xq.map((v) => Number(v) / 2 ** meta.inputFracBits),
    logit,
    probability: sigmoid(logit),
    label: row.label
  }
}

/** JSON-safe layout (bigints as decimal strings) and back. */
export function layoutToJSON (l: BatchLayout): unknown {
  return JSON.parse(JSON.stringify(l, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)))
}

export function layoutFromJSON (json: unknown): BatchLayout {
  const l = json as Record<string, any>
  return {
    ...(l as BatchLayout),
    fields: l.fields.map((f: Record<string, any>) => ({ ...f, offset: BigInt(f.offset) })),
    pad: { xq: l.pad.xq.map((v: string) => BigInt(v)), logitQ: BigInt(l.pad.logitQ), label: l.pad.label }
  }
}
