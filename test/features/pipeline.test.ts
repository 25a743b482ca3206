import t from 'tap'
import type { DepositsBorrowsRecord, GizaDatasets, LiquidationRecord, TokenPriceRecord } from '../../src/data/types.js'
import { DataError } from '../../src/errors.js'
import {
  buildDailyTable, buildFeatureDataset, computeFeatures, featureNames, fitMinMaxScaler, parseScaler, scaleRows,
  scalerCoefficients, serializeScaler, splitByDay, type DailyTable, type LabeledRows,
} from '../../src/features/index.js'

const close = (actual: number, expected: number, tolerance = 1e-12): boolean =>
  Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected))

function liquidation (day: number, tokenCol: string, tokenDebt: string, debtValueUsd: number): LiquidationRecord {
  return {
    day, token_col: tokenCol, token_debt: tokenDebt, collateral_amount: 1, col_value_USD: 1, col_current_value_USD: 1,
    debt_amount: 1, debt_value_USD: debtValueUsd, debt_current_value_USD: debtValueUsd,
  }
}
const activity = (day: number, symbol: string, deposits: number, borrows: number): DepositsBorrowsRecord =>
  ({ day, symbol, deposits_volume: deposits, borrows_volume: borrows })
const price = (day: number, token: string, value: number, marketCap = 0, volume = 0): TokenPriceRecord =>
  ({ day, token, price: value, market_cap: marketCap, volumes_last_24h: volume })

/** Small data whose daily table is worked out by hand in the test below. */
function smallData (): GizaDatasets {
  return {
    liquidations_v2: [
      liquidation(100, 'WETH', 'USDC', 10),
      liquidation(100, 'WBTC', 'USDC', 5),
      liquidation(100, 'WETH', 'USDC', 1), // same (day, WETH, USDC) group as the first: 11
      liquidation(102, 'stETH', 'DAI', 7),
      liquidation(101, 'AAVE', 'USDC', 99), // collateral not kept
      liquidation(101, 'WETH', 'GHO', 99), // debt token not kept
    ],
    liquidations_v3: [liquidation(103, 'WETH', 'USDC', 3)],
    deposits_borrows_v2: [
      activity(92, 'USDC', 1, 1), // before earliest - 7: dropped
      activity(99, 'USDC', 1000, 100),
      activity(100, 'USDC', 2000, 200),
      activity(101, 'stETH', 50, 5), // in the token list (case-sensitive): kept, becomes STETH
      activity(101, 'STETH', 60, 6), // not in the token list: dropped
      activity(101, 'AAVE', 70, 7),
    ],
    deposits_borrows_v3: [activity(100, 'USDC', 500, 50)], // summed with v2's USDC on day 100
    token_prices: [
      price(100, 'USDC', 1.0, 1e9, 1e8),
      price(101, 'USDC', 1.01, 1e9, 1e8),
      price(100, 'DAI', 1, 5e9, 2e8),
      price(101, 'STETH', 2000, 2e10, 1e9),
      price(101, 'stETH', 1, 1, 1), // prices are matched against the UPPER-case list: dropped
      price(104, 'WETH', 3000, 0, 5e9), // a day after the last liquidation still joins in
    ],
  }
}

t.test('daily table: filters, zero-row filling, two rows for one debt token, outer joins, order', async (t) => {
  const table = buildDailyTable(smallData())
  t.equal(table.earliestDay, 100)
  // earliest = 100. Zero rows: USDC has days {100, 103} -> 101, 102; DAI has {102} -> 100, 101.
  // Day 100 holds two USDC rows (collateral WBTC: 5, WETH: 11) in groupby order (token_col WBTC < WETH),
  // both joined to USDC's deposits (2000 + 500, 200 + 50) and price. Keys sorted by (day, token):
  // DAI < STETH < USDC < WETH. Missing sides are 0.
  const expected = [
    [99, 'USDC', 0, 1000, 100, 0, 0, 0], // deposits only (day >= earliest - 7), no price that day
    [100, 'DAI', 0, 0, 0, 1, 5e9, 2e8], // zero row for DAI, joined to DAI's price
    [100, 'USDC', 5, 2500, 250, 1, 1e9, 1e8],
    [100, 'USDC', 11, 2500, 250, 1, 1e9, 1e8],
    [101, 'DAI', 0, 0, 0, 0, 0, 0],
    [101, 'STETH', 0, 50, 5, 2000, 2e10, 1e9], // stETH deposits meet STETH prices after upper-casing
    [101, 'USDC', 0, 0, 0, 1.01, 1e9, 1e8],
    [102, 'DAI', 7, 0, 0, 0, 0, 0],
    [102, 'USDC', 0, 0, 0, 0, 0, 0],
    [103, 'USDC', 3, 0, 0, 0, 0, 0],
    [104, 'WETH', 0, 0, 0, 3000, 0, 5e9], // price only
  ]
  t.same(table.rows.map((row) => [row.day, row.token, row.debtValueUsd, row.deposits_volume, row.borrows_volume,
    row.price, row.market_cap, row.volumes_last_24h]), expected)
})

/**
 * Two tokens over three days, earliest day 10 (day 9 only warms up the windows). Prices A: 1, 2, 2; B: 4, 8, 4.
 */
function twoTokenTable (): DailyTable {
  const row = (day: number, token: string, priceValue: number, deposits: number, debt: number) =>
    ({ day, token, debtValueUsd: debt, deposits_volume: deposits, borrows_volume: 0, price: priceValue, market_cap: 0, volumes_last_24h: 0 })
  return {
    earliestDay: 10,
    rows: [
      row(9, 'A', 1, 1, 0),
      row(9, 'B', 4, 10, 0),
      row(10, 'A', 2, 2, 5),
      row(10, 'B', 8, 20, 0),
      row(11, 'A', 2, 3, 0),
      row(11, 'B', 4, 30, 1),
    ],
  }
}

t.test('tutorial windows run over consecutive rows of both tokens', async (t) => {
  const rows = computeFeatures(twoTokenTable(), 'tutorial', 3)
  const L = Math.LN2
  // deposits over the table 1, 10, 2, 20, 3, 30: 3-row means from row 2 on: 13/3, 32/3, 25/3, 53/3
  t.same(rows.day, [10, 10, 11, 11])
  t.same(rows.token, ['A', 'B', 'A', 'B'])
  t.same(rows.y, [1, 0, 0, 1])
  const averages = rows.X.map((x) => x[5])
  ;[13 / 3, 32 / 3, 25 / 3, 53 / 3].forEach((value, i) => t.ok(close(averages[i], value), `deposits avg row ${i}`))
  // returns over the table (units of ln 2): -, 2, -1, 2, -2, 1 (price 1 -> 4 -> 2 -> 8 -> 2 -> 4, mixing A and B)
  // std of [2,-1] = sqrt(4.5), [2,-1,2] = sqrt(3), [-1,2,-2] = sqrt(13/3), [2,-2,1] = sqrt(13/3)
  const volatility = rows.X.map((x) => x[9])
  ;[Math.sqrt(4.5), Math.sqrt(3), Math.sqrt(13 / 3), Math.sqrt(13 / 3)]
    .forEach((value, i) => t.ok(close(volatility[i], value * L), `volatility row ${i}: ${volatility[i]} vs ${value * L}`))
})

t.test('per-token windows stay within each token', async (t) => {
  const rows = computeFeatures(twoTokenTable(), 'per-token', 3)
  const L = Math.LN2
  // A deposits 1, 2, 3 -> means 1.5, 2 on days 10, 11; B 10, 20, 30 -> 15, 20
  t.same(rows.X.map((x) => x[5]), [1.5, 15, 2, 20])
  // A returns -, ln 2, 0 -> std: one value (none -> 0), then std([ln2, 0]) = ln2/sqrt2
  // B returns -, ln 2, -ln 2 -> 0, then std([ln2, -ln2]) = sqrt2 ln2
  const volatility = rows.X.map((x) => x[9])
  t.equal(volatility[0], 0, 'a single return has no sample std: 0, not NaN')
  t.equal(volatility[1], 0)
  t.ok(close(volatility[2], L / Math.SQRT2))
  t.ok(close(volatility[3], Math.SQRT2 * L))
  t.same(rows.y, [1, 0, 0, 1], 'labels do not depend on the variant')
})

t.test('a missing price gives infinite returns that the std skips', async (t) => {
  const table = twoTokenTable()
  table.rows[2].price = 0 // A on day 10: ln(0/4) = -inf, ln(8/0) = +inf in the tutorial's sequence
  const rows = computeFeatures(table, 'tutorial', 3)
  // tutorial returns: -, ln4, -inf, +inf, ln(2/8), ln(4/2) -> finite per window:
  // row 2: [ln4] -> 0; row 3: [ln4] -> 0; row 4: [-2L] -> 0; row 5: [-2L, L] -> std = 3L/sqrt2
  t.same(rows.X.map((x) => x[9]).slice(0, 3), [0, 0, 0])
  t.ok(close(rows.X[3][9], 3 * Math.LN2 / Math.SQRT2))
  t.ok(rows.X.every((x) => x.every(Number.isFinite)), 'no NaN or inf reaches the features')
})

function rowsOverDays (days: number[]): LabeledRows {
  return { X: days.map((day) => [day, 1]), y: days.map((day) => day % 2), day: days, token: days.map(() => 'USDC') }
}

t.test('40-day split: test is day >= last day - 40', async (t) => {
  // days 0..50 with two rows on day 9 and on day 10: last 50, test from 10, so days 10..50 (41 days, 42 rows)
  const days = [...Array.from({ length: 51 }, (_, d) => d), 9, 10].sort((a, b) => a - b)
  const split = splitByDay(rowsOverDays(days))
  t.equal(split.testFromDay, 10)
  t.same(split.train.day, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9])
  t.equal(split.test.day.length, 42)
  t.equal(split.test.day[0], 10)
  t.same(split.test.X[0], [10, 1], 'rows keep their values')
  t.throws(() => splitByDay(rowsOverDays([0, 20, 40])), DataError, 'no training rows when everything is within 41 days')
  t.throws(() => splitByDay(rowsOverDays([])), DataError)
})

t.test('min-max scaler: fitted on train only, zero-range column, sklearn arithmetic', async (t) => {
  const train = [[0, 5, 1], [10, 5, 3]]
  const scaler = fitMinMaxScaler(train)
  t.same(scaler, { min: [0, 5, 1], max: [10, 5, 3] })
  // column 1 is constant: range 0 scales by 1 (x - 5); test values may leave [0, 1]
  t.same(scalerCoefficients(scaler), { scale: [0.1, 1, 0.5], offset: [0, -5, -0.5] })
  t.same(scaleRows(scaler, [[20, 7, 2]]), [[2, 2, 0.5]])
  t.same(scaleRows(scaler, train), [[0, 0, 0], [1, 0, 1]])
  t.same(parseScaler(JSON.parse(JSON.stringify(serializeScaler(scaler))), 3), scaler, 'JSON round trip')
  t.throws(() => parseScaler({ min: [0], max: [1, 2] }), DataError)
  t.throws(() => parseScaler({ min: [2], max: [1] }), DataError)
  t.throws(() => parseScaler({ min: [0, 0], max: [1, 1] }, 3), DataError)
  t.throws(() => fitMinMaxScaler([]), DataError)
  t.throws(() => fitMinMaxScaler([[1, NaN]], ['a', 'b']), /non-finite value \(NaN\) in b/)
})

/** 60 days of liquidations on USDC with prices, enough for a 40-day split. */
function sixtyDays (): GizaDatasets {
  const days = Array.from({ length: 60 }, (_, d) => 1000 + d)
  return {
    liquidations_v2: days.filter((day) => day % 3 === 0).map((day) => liquidation(day, 'WETH', 'USDC', 100)),
    liquidations_v3: [liquidation(1059, 'WBTC', 'USDC', 50)],
    deposits_borrows_v2: days.map((day) => activity(day, 'USDC', 1000 + day, 10 + day)),
    deposits_borrows_v3: [],
    token_prices: days.map((day) => price(day, 'USDC', 1 + (day % 5) / 1000, 3e10, 1e9)),
  }
}

t.test('buildFeatureDataset: split, scaler fitted on train only, names', async (t) => {
  for (const variant of ['tutorial', 'per-token'] as const) {
    for (const window of [3, 7] as const) {
      const dataset = buildFeatureDataset(sixtyDays(), { variant, window })
      t.same(dataset.featureNames, featureNames(window))
      t.equal(dataset.featureNames.length, 10)
      t.equal(dataset.testFromDay, 1059 - 40)
      t.ok(dataset.train.day.every((day) => day < dataset.testFromDay))
      t.ok(dataset.test.day.every((day) => day >= dataset.testFromDay))
      t.same(dataset.scaler, fitMinMaxScaler(dataset.train.X), `${variant}/${window}: scaler from train rows`)
      // deposits grow with the day, so the test rows lie above the training maximum: the scaler saw no test row
      t.ok(Math.max(...dataset.test.X.map((x) => x[0])) > dataset.scaler.max[0])
    }
  }
  t.same(featureNames(7), ['deposits_volume', 'borrows_volume', 'price', 'market_cap', 'volumes_last_24h',
    'deposits_volume_avg_7d', 'borrows_volume_avg_7d', 'market_cap_avg_7d', 'volumes_last_24h_avg_7d', 'volatility_7day'])
  t.same(featureNames(3).slice(5), ['deposits_volume_avg_3d', 'borrows_volume_avg_3d', 'market_cap_avg_3d',
    'volumes_last_24h_avg_3d', 'volatility_3day'])
})

t.test('buildFeatureDataset errors a user can act on', async (t) => {
  const noKeptLiquidation = { ...sixtyDays(), liquidations_v2: [liquidation(1000, 'AAVE', 'GHO', 1)], liquidations_v3: [] }
  t.throws(() => buildFeatureDataset(noKeptLiquidation, { variant: 'tutorial', window: 7 }),
    { name: 'DataError', message: /no liquidation left after keeping collateral tokens WETH, USDC, LINK, WBTC, stETH/ })
  const short = sixtyDays()
  short.liquidations_v2 = short.liquidations_v2.filter((row) => row.day > 1030)
  short.liquidations_v3 = []
  short.token_prices = short.token_prices.filter((row) => row.day > 1030)
  short.deposits_borrows_v2 = []
  t.throws(() => buildFeatureDataset(short, { variant: 'tutorial', window: 7 }), { name: 'DataError', message: /no training rows/ })
  t.throws(() => buildFeatureDataset(sixtyDays(), { variant: 'nope' as 'tutorial', window: 7 }), DataError)
  t.throws(() => buildFeatureDataset(sixtyDays(), { variant: 'tutorial', window: 5 as 7 }), DataError)
})
