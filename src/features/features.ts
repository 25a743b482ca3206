/**
 * docs/METHOD.md section 3: window features, volatility and the label on the daily table.
 */
import type { DailyRow, DailyTable } from './daily-table.js'
import type { FeatureVariant, FeatureWindow, LabeledRows } from './types.js'
import { logReturns, perGroup, rollingMean, rollingStd } from './rolling.js'

/** Columns used as they are. */
export const BASE_COLUMNS = ['deposits_volume', 'borrows_volume', 'price', 'market_cap', 'volumes_last_24h'] as const
/** Columns that also get a rolling mean `<col>_avg_<w>d`. */
export const ROLLED_COLUMNS = ['deposits_volume', 'borrows_volume', 'market_cap', 'volumes_last_24h'] as const

/** The 10 model inputs in docs/METHOD.md's order (the order of the ONNX input vector). */
export function featureNames (window: FeatureWindow): string[] {
  return [
    ...BASE_COLUMNS,
    ...ROLLED_COLUMNS.map((column) => `${column}_avg_${window}d`),
    `volatility_${window}day`,
  ]
}

export const FEATURE_NAMES: Readonly<Record<FeatureWindow, readonly string[]>> = {
  3: featureNames(3),
  7: featureNames(7),
}

/**
 * Features and labels of the rows from the first liquidation day on, in table order.
 *
 * `tutorial` slides the windows and takes the previous price over consecutive rows of the whole table,
 * which interleaves the tokens (so WETH's "volatility" mixes in USDC's price): kept to reproduce the
 * tutorial's numbers. `per-token` does the same within each token's own rows.
 *
 * A volatility window with fewer than two finite daily returns (a token's first rows, or rows next to a
 * missing price, which the joins turn into a price of 0 and so into an infinite return) has no sample
 * std: pandas leaves NaN there, we put 0 (the reference script does the same). This never happens on the
 * real files; it keeps NaN out of training.
 */
export function computeFeatures (table: DailyTable, variant: FeatureVariant, window: FeatureWindow): LabeledRows {
  const { rows } = table
  const tokens = rows.map((row) => row.token)
  const windowed = (values: number[], statistic: (values: number[]) => number[]): number[] =>
    variant === 'tutorial' ? statistic(values) : perGroup(values, tokens, statistic)
  const column = (name: keyof DailyRow): number[] => rows.map((row) => row[name] as number)

  const averages = ROLLED_COLUMNS.map((name) => windowed(column(name), (values) => rollingMean(values, window)))
  const dailyReturns = windowed(column('price'), logReturns)
  const volatility = windowed(dailyReturns, (values) => rollingStd(values, window))
    .map((value) => (Number.isNaN(value) ? 0 : value))

  const result: LabeledRows = { X: [], y: [], day: [], token: [] }
  rows.forEach((row, i) => {
    if (row.day < table.earliestDay) return
    result.X.push([
      ...BASE_COLUMNS.map((name) => row[name]),
      ...averages.map((values) => values[i]),
      volatility[i],
    ])
    result.y.push(row.debtValueUsd !== 0 ? 1 : 0)
    result.day.push(row.day)
    result.token.push(row.token)
  })
  return result
}
