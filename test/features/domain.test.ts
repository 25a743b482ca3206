import t from 'tap'
import { domainViolation, firstDomainViolation } from '../../src/features/domain.js'
import { FEATURE_NAMES } from '../../src/features/features.js'

/**
 * firstDomainViolation (the per-request check, with each feature's rule worked out once per feature list) finds what
 * a row-by-row, feature-by-feature scan with domainViolation finds: the same first row and feature, the same message.
 */
function naive (features: readonly string[], values: ArrayLike<number>, rows: number): { row: number, feature: string, violation: string } | null {
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < features.length; c++) {
      const violation = domainViolation(features[c], values[r * features.length + c])
      if (violation != null) return { row: r, feature: features[c], violation }
    }
  }
  return null
}

t.test('the same first violation as a row-major scan, on rows with several bad values', async (t) => {
  const features = [...FEATURE_NAMES[7]]
  let seed = 7
  const random = (): number => { seed = (seed * 16807) % 2147483647; return seed / 2147483647 }
  let found = 0
  for (let trial = 0; trial < 300; trial++) {
    const rows = 1 + Math.floor(random() * 6)
    // Mostly good values, some zero or negative: several violations per batch, in rows and columns of any order.
    const values = Float64Array.from({ length: rows * features.length }, () => random() < 0.1 ? -random() : random() < 0.05 ? 0 : random() * 100)
    const expected = naive(features, values, rows)
    t.same(firstDomainViolation(features, values, rows), expected)
    if (expected != null) found++
  }
  t.ok(found > 100, `most batches had a violation (${found})`)
  // Twice with the same feature list (the cached rules) gives the same answer.
  const bad = new Float64Array(features.length).fill(1)
  bad[features.indexOf('price')] = 0
  t.same(firstDomainViolation(features, bad, 1), naive(features, bad, 1))
  t.same(firstDomainViolation(features, bad, 1), naive(features, bad, 1))
})

t.test('features without a rule take any number', async (t) => {
  t.equal(firstDomainViolation(['a', 'b'], [-1, -1e30], 1), null)
})
