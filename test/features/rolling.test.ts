import t from 'tap'
import { kahanSum, logReturns, perGroup, rollingMean, rollingStd } from '../../src/features/rolling.js'
import { correctlyRoundedLog } from '../../src/features/log.js'

const close = (actual: number, expected: number, tolerance = 1e-12): boolean =>
  Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected))

t.test('rolling mean with min_periods 1', async (t) => {
  // windows of 3: [1] [1,2] [1,2,3] [2,3,4]
  t.same(rollingMean([1, 2, 3, 4], 3), [1, 1.5, 2, 3])
  // non-finite values are missing (pandas turns inf into NaN): [1] [1,inf]->[1] [inf,3]->[3] [3,NaN]->[3] [NaN,NaN]->NaN
  const withGaps = rollingMean([1, Infinity, 3, NaN, NaN], 2)
  t.same(withGaps.slice(0, 4), [1, 1, 3, 3])
  t.ok(Number.isNaN(withGaps[4]), 'a window with no value is NaN')
  t.same(rollingMean([5, 6], 1), [5, 6], 'window 1 is the value itself')
  t.same(rollingMean([], 3), [])
})

t.test('rolling std: sample std (ddof 1), NaN below two values', async (t) => {
  // [1] -> NaN; [1,2]: mean 1.5, squared deviations 0.5, /1 -> sqrt(0.5); [1,2,3]: 2/2 -> 1; [2,3,4] -> 1
  const std = rollingStd([1, 2, 3, 4], 3)
  t.ok(Number.isNaN(std[0]))
  t.ok(close(std[1], Math.SQRT1_2))
  t.ok(close(std[2], 1))
  t.ok(close(std[3], 1))
  // a run of equal values is exactly 0 (pandas GH#42064), not a rounding residue
  t.same(rollingStd([0.1, 0.1, 0.1], 3).slice(1), [0, 0])
  // a non-finite value is skipped: [1, inf] has one value -> NaN, [inf, 3] -> NaN, [3, 5] -> sqrt(2)
  const gaps = rollingStd([1, Infinity, 3, 5], 2)
  t.ok(Number.isNaN(gaps[1]) && Number.isNaN(gaps[2]))
  t.ok(close(gaps[3], Math.SQRT2))
})

t.test('online arithmetic matches pandas 1.5 to the bit, artefacts included', async (t) => {
  // Expected values printed by pandas: pd.Series(values).rolling(3, min_periods=1).mean() / .std().
  // After 1e8 leaves the window the running sums keep a rounding residue: pandas' std of [0.2, 0.3, 0.1]
  // comes out 0.0 (the true value is 0.1). The tutorial's numbers contain such values, so we reproduce them.
  const values = [1e8, 0.1, 0.2, 0.3, 0.1, -0.2, 0.25, Infinity, 0.3]
  t.same(rollingMean(values, 3), [100000000.0, 50000000.05, 33333333.433333334, 0.19999999999999998, 0.19999999999999998,
    0.06666666666666664, 0.049999999999999996, 0.024999999999999994, 0.275])
  t.same(rollingStd(values, 3).slice(1), [70710678.04794407, 57735026.83236004, 0, 0, 0, 0, 0, 0])
  t.same(rollingStd(values, 7).slice(1), [70710678.04794407, 57735026.83236004, 49999999.9, 44721359.47173341,
    40824829.00556147, 37796447.25367716, 0, 0])
})

t.test('log returns keep numpy special values', async (t) => {
  // ln(p / previous p): first NaN; 2/1 -> ln 2; 0/2 -> ln 0 = -inf; 4/0 -> +inf; 0/4 -> -inf; 0/0 -> NaN
  const r = logReturns([1, 2, 0, 4, 0, 0])
  t.ok(Number.isNaN(r[0]))
  t.equal(r[1], Math.LN2)
  t.same(r.slice(2, 5), [-Infinity, Infinity, -Infinity])
  t.ok(Number.isNaN(r[5]))
})

t.test('correctly rounded log', async (t) => {
  t.equal(correctlyRoundedLog(1), 0)
  t.equal(correctlyRoundedLog(2), 0.6931471805599453)
  t.equal(correctlyRoundedLog(10), 2.302585092994046)
  t.equal(correctlyRoundedLog(0), -Infinity)
  t.equal(correctlyRoundedLog(Infinity), Infinity)
  t.ok(Number.isNaN(correctlyRoundedLog(-1)) && Number.isNaN(correctlyRoundedLog(NaN)))
  t.equal(correctlyRoundedLog(5e-324), -744.4400719213812, 'smallest subnormal')
  t.equal(correctlyRoundedLog(1.7976931348623157e308), 709.782712893384, 'largest double')
  // Inputs where V8's Math.log is one unit in the last place off; values from Python's decimal at 50 digits.
  const cases: [number, number][] = [
    [0.9257263615127866, -0.07717659393215358],
    [1.2500163717596515, 0.2231566486361607],
    [1.2834085383940406, 0.24951945926059702],
    [1.0624068931653428, 0.06053698801467505],
    [1.1932515049735504, 0.17668193814216876],
    [1.6423665028437924, 0.49613819126605746],
  ]
  for (const [x, expected] of cases) t.equal(correctlyRoundedLog(x), expected, `ln ${x}`)
})

t.test('Kahan group sum and per-group windows', async (t) => {
  t.equal(kahanSum([1, NaN, 2]), 3, 'NaN skipped like pandas sum')
  t.equal(kahanSum([]), 0)
  // 0.1 + 0.2 + 0.3 is 0.6000000000000001 naively; compensated it is 0.6
  t.equal(kahanSum([0.1, 0.2, 0.3]), 0.6)
  // groups a: [1, 3] -> cumulative means [1, 2]; b: [10, 20] -> [10, 15]; written back in row order
  t.same(perGroup([1, 10, 3, 20], ['a', 'b', 'a', 'b'], (v) => rollingMean(v, 7)), [1, 10, 2, 15])
})
