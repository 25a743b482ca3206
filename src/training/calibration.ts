/**
 * Platt scaling: p = sigmoid(a * logit + b), fitted by Newton's method on the log-loss of a validation
 * slice (rows the model was not trained on, at the end of its training period).
 *
 * Why Platt and not isotonic regression: an affine map of the logit folds into the last Gemm layer
 * (W3 <- a W3, b3 <- a b3 + b), so the exported ONNX graph and its circuit keep their shape and the
 * proven logit IS the calibrated one; isotonic regression is a step function that would need
 * comparisons in the circuit. It also has 2 parameters instead of one per step, which matters on a
 * validation slice of a few hundred rows with ~25% positives. The recipes train with positives
 * weighted by neg/pos (~3.4 on the real rows), which inflates probabilities; the fitted b undoes that.
 *
 * Platt's target smoothing ((n+ + 1)/(n+ + 2), 1/(n- + 2)) keeps a and b finite on a separable slice.
 */
export interface PlattMap { a: number, b: number }

export const IDENTITY: PlattMap = { a: 1, b: 0 }

export function fitPlatt (logits: ArrayLike<number>, y: ArrayLike<number>, maxIter = 100): PlattMap {
  const n = logits.length
  let pos = 0
  for (let i = 0; i < n; i++) pos += y[i] === 1 ? 1 : 0
  const neg = n - pos
  if (pos === 0 || neg === 0) return IDENTITY
  const hiT = (pos + 1) / (pos + 2)
  const loT = 1 / (neg + 2)
  const t = Array.from({ length: n }, (_, i) => (y[i] === 1 ? hiT : loT))
  let a = 1
  let b = Math.log((pos + 1) / (neg + 1))
  let loss = nll(logits, t, a, b)
  for (let iter = 0; iter < maxIter; iter++) {
    // gradient and Hessian of the mean log-loss in (a, b)
    let ga = 0; let gb = 0; let haa = 0; let hab = 0; let hbb = 0
    for (let i = 0; i < n; i++) {
      const z = logits[i]
      const p = sigmoid(a * z + b)
      const d = p - t[i]
      const w = Math.max(p * (1 - p), 1e-12)
      ga += d * z; gb += d
      haa += w * z * z; hab += w * z; hbb += w
    }
    // a small ridge keeps the 2x2 solve defined when every logit is equal
    haa += 1e-9; hbb += 1e-9
    const det = haa * hbb - hab * hab
    if (!(Math.abs(det) > 0)) break
    const da = (hbb * ga - hab * gb) / det
    const db = (haa * gb - hab * ga) / det
    let step = 1
    let next = { a: a - da, b: b - db, loss: nll(logits, t, a - da, b - db) }
    while (next.loss > loss && step > 1e-6) {
      step /= 2
      next = { a: a - step * da, b: b - step * db, loss: nll(logits, t, a - step * da, b - step * db) }
    }
    if (next.loss > loss) break
    const done = loss - next.loss < 1e-12
    a = next.a; b = next.b; loss = next.loss
    if (done) break
  }
  return { a, b }
}

/**
 * The map that is folded into the model: a positive slope keeps the model's ranking (ROC-AUC is then
 * unchanged by calibration). A slope <= 0 means the logits carry no usable signal on the slice; rather
 * than invert the model, only the intercept is fitted (a = 1).
 */
export function fitPlattMonotone (logits: ArrayLike<number>, y: ArrayLike<number>): PlattMap & { intercept_only: boolean } {
  const full = fitPlatt(logits, y)
  if (full.a > 1e-3 && Number.isFinite(full.a) && Number.isFinite(full.b)) return { ...full, intercept_only: false }
  // 1-D Newton on b with a = 1
  let b = 0
  for (let iter = 0; iter < 100; iter++) {
    let g = 0; let h = 1e-9
    for (let i = 0; i < logits.length; i++) {
      const p = sigmoid(logits[i] + b)
      g += p - y[i]; h += p * (1 - p)
    }
    const step = g / h
    b -= step
    if (Math.abs(step) < 1e-10) break
  }
  return { a: 1, b: Number.isFinite(b) ? b : 0, intercept_only: true }
}

export function applyPlatt (map: PlattMap, logit: number): number {
  return sigmoid(map.a * logit + map.b)
}

export function sigmoid (z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z))
}

function nll (z: ArrayLike<number>, t: number[], a: number, b: number): number {
  let s = 0
  for (let i = 0; i < t.length; i++) {
    const u = a * z[i] + b
    // log(1 + e^u) - t u, stable
    s += (u > 0 ? u + Math.log1p(Math.exp(-u)) : Math.log1p(Math.exp(u))) - t[i] * u
  }
  return s / t.length
}
