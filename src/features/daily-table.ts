/**
 * docs/METHOD.md section 2: the daily table of (day, debt token) rows that features and labels are computed on,
 * built the way the tutorial's pandas code builds it (scripts/reference_features.py is the executable spec).
 */
import { DataError } from '../errors.js'
import type { DepositsBorrowsRecord, EpochDay, GizaDatasets, LiquidationRecord, TokenPriceRecord } from '../data/types.js'
import { kahanSum } from './rolling.js'

/** Collateral tokens kept (liquidation files spell Lido's token `stETH`). */
export const COLLATERAL_TOKENS: readonly string[] = ['WETH', 'USDC', 'LINK', 'WBTC', 'stETH']
/** Debt tokens kept; the table has one series per debt token. */
export const DEBT_TOKENS: readonly string[] = ['USDC', 'USDT', 'DAI', 'WETH', 'WBTC']
/** The tutorial's token list: collateral tokens then the debt tokens not already in it. Matched case-sensitively. */
export const TOKEN_LIST: readonly string[] = [...COLLATERAL_TOKENS, 'USDT', 'DAI']
/** Token prices spell symbols in upper case (STETH), so they are matched against this list. */
export const TOKEN_LIST_UPPER: readonly string[] = TOKEN_LIST.map((token) => token.toUpperCase())
/** Deposits and prices are kept from this many days before the first liquidation, to warm up the windows. */
export const WARMUP_DAYS = 7

export interface DailyRow {
  day: EpochDay
  /** token_debt, upper-cased (STETH) */
  token: string
  /** Sum of debt_value_USD of the (day, collateral token, debt token) group; 0 on filled or joined rows. The label is debtValueUsd != 0. */
  debtValueUsd: number
  deposits_volume: number
  borrows_volume: number
  price: number
  market_cap: number
  volumes_last_24h: number
}

export interface DailyTable {
  /** First liquidation day after the token filters; rows before it only warm up the windows. */
  earliestDay: EpochDay
  /** Ordered by (day, token); a (day, token) pair repeats when several collateral tokens were liquidated against one debt token that day. */
  rows: DailyRow[]
}

interface DebtRow { day: EpochDay, token: string, debtValueUsd: number }
interface ActivityRow { day: EpochDay, token: string, deposits_volume: number, borrows_volume: number }
interface PriceRow { day: EpochDay, token: string, price: number, market_cap: number, volumes_last_24h: number }

export function buildDailyTable (data: GizaDatasets): DailyTable {
  const debtRows = liquidationsPerDebtToken([...data.liquidations_v2, ...data.liquidations_v3])
  if (debtRows.length === 0) {
    throw new DataError(
      `no liquidation left after keeping collateral tokens ${COLLATERAL_TOKENS.join(', ')} and debt tokens ${DEBT_TOKENS.join(', ')}: ` +
      'the liquidations files are empty or hold other tokens',
      { file: 'liquidations_v2' })
  }
  const earliestDay = debtRows.reduce((min, row) => Math.min(min, row.day), Infinity)
  const filled = [...debtRows, ...zeroRowsForMissingDays(debtRows, earliestDay)]

  const firstKeptDay = earliestDay - WARMUP_DAYS
  const activity = depositsBorrowsPerToken([...data.deposits_borrows_v2, ...data.deposits_borrows_v3])
    .filter((row) => TOKEN_LIST.includes(row.token) && row.day >= firstKeptDay)

  // Outer join: a liquidation day without deposits gets 0 deposits, a deposits day without liquidation a 0 debt.
  const withActivity = outerJoin(filled, activity, (debt, act) => ({
    day: (debt ?? act)!.day,
    token: (debt ?? act)!.token.toUpperCase(),
    debtValueUsd: zeroIfMissing(debt?.debtValueUsd),
    deposits_volume: zeroIfMissing(act?.deposits_volume),
    borrows_volume: zeroIfMissing(act?.borrows_volume),
  }))

  const prices: PriceRow[] = data.token_prices
    .filter((row) => TOKEN_LIST_UPPER.includes(row.token) && row.day >= firstKeptDay)
    .map(priceRow)
  const rows = outerJoin(withActivity, prices, (left, price): DailyRow => ({
    day: (left ?? price)!.day,
    token: (left ?? price)!.token,
    debtValueUsd: zeroIfMissing(left?.debtValueUsd),
    deposits_volume: zeroIfMissing(left?.deposits_volume),
    borrows_volume: zeroIfMissing(left?.borrows_volume),
    price: zeroIfMissing(price?.price),
    market_cap: zeroIfMissing(price?.market_cap),
    volumes_last_24h: zeroIfMissing(price?.volumes_last_24h),
  }))
  return { earliestDay, rows }
}

/**
 * Sum per (day, collateral token, debt token), then forget the collateral token. Rows are not
 * re-aggregated per (day, debt token): the tutorial keeps one row per collateral token, so a day can
 * hold two rows (two labels) for one debt token. Ordered like pandas' groupby: by (day, token_col, token_debt).
 */
function liquidationsPerDebtToken (liquidations: LiquidationRecord[]): DebtRow[] {
  const groups = new Map<string, { day: EpochDay, collateral: string, token: string, values: number[] }>()
  for (const row of liquidations) {
    if (!COLLATERAL_TOKENS.includes(row.token_col) || !DEBT_TOKENS.includes(row.token_debt)) continue
    const key = `${row.day}\u0000${row.token_col}\u0000${row.token_debt}`
    let group = groups.get(key)
    if (group === undefined) groups.set(key, (group = { day: row.day, collateral: row.token_col, token: row.token_debt, values: [] }))
    group.values.push(row.debt_value_USD)
  }
  return [...groups.values()]
    .sort((a, b) => a.day - b.day || compareStrings(a.collateral, b.collateral) || compareStrings(a.token, b.token))
    .map((group) => ({ day: group.day, token: group.token, debtValueUsd: kahanSum(group.values) }))
}

/** For every debt token, a zero row on each day from the first liquidation to that token's last one on which it has none. */
function zeroRowsForMissingDays (debtRows: DebtRow[], earliestDay: EpochDay): DebtRow[] {
  const daysPerToken = new Map<string, Set<EpochDay>>()
  for (const row of debtRows) {
    let days = daysPerToken.get(row.token)
    if (days === undefined) daysPerToken.set(row.token, (days = new Set()))
    days.add(row.day)
  }
  const zeros: DebtRow[] = []
  for (const [token, days] of daysPerToken) {
    let lastDay = -Infinity
    for (const day of days) lastDay = Math.max(lastDay, day)
    for (let day = earliestDay; day <= lastDay; day++) {
      if (!days.has(day)) zeros.push({ day, token, debtValueUsd: 0 })
    }
  }
  return zeros
}

/** v2 + v3 summed per (day, symbol) (an asset listed on both markets counts once per day), ordered by (day, symbol). */
function depositsBorrowsPerToken (records: DepositsBorrowsRecord[]): ActivityRow[] {
  const groups = new Map<string, { day: EpochDay, token: string, deposits: number[], borrows: number[] }>()
  for (const row of records) {
    const key = `${row.day}\u0000${row.symbol}`
    let group = groups.get(key)
    if (group === undefined) groups.set(key, (group = { day: row.day, token: row.symbol, deposits: [], borrows: [] }))
    group.deposits.push(row.deposits_volume)
    group.borrows.push(row.borrows_volume)
  }
  return [...groups.values()]
    .sort((a, b) => a.day - b.day || compareStrings(a.token, b.token))
    .map((group) => ({
      day: group.day,
      token: group.token,
      deposits_volume: kahanSum(group.deposits),
      borrows_volume: kahanSum(group.borrows),
    }))
}

function priceRow (row: TokenPriceRecord): PriceRow {
  return { day: row.day, token: row.token, price: row.price, market_cap: row.market_cap, volumes_last_24h: row.volumes_last_24h }
}

/**
 * pandas `merge(how='outer', on=['day', 'token_debt'])` as of pandas 2.2 (which the tutorial pinned): the
 * union of keys sorted lexicographically, each key's left rows in their order, a left row repeated for
 * every right row of its key, unmatched rows of either side with the other side missing.
 */
export function outerJoin<L extends { day: EpochDay, token: string }, R extends { day: EpochDay, token: string }, T> (
  left: readonly L[], right: readonly R[], combine: (left: L | undefined, right: R | undefined) => T): T[] {
  const leftGroups = groupByKey(left)
  const rightGroups = groupByKey(right)
  const keys = new Map<string, { day: EpochDay, token: string }>()
  for (const row of [...left, ...right]) keys.set(rowKey(row), { day: row.day, token: row.token })
  const ordered = [...keys.entries()].sort(([, a], [, b]) => a.day - b.day || compareStrings(a.token, b.token))

  const output: T[] = []
  for (const [key] of ordered) {
    const leftRows: (L | undefined)[] = leftGroups.get(key) ?? [undefined]
    const rightRows: (R | undefined)[] = rightGroups.get(key) ?? [undefined]
    for (const l of leftRows) {
      for (const r of rightRows) output.push(combine(l, r))
    }
  }
  return output
}

function groupByKey<T extends { day: EpochDay, token: string }> (rows: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>()
  for (const row of rows) {
    const key = rowKey(row)
    let group = groups.get(key)
    if (group === undefined) groups.set(key, (group = []))
    group.push(row)
  }
  return groups
}

function rowKey (row: { day: EpochDay, token: string }): string {
  return `${row.day}\u0000${row.token}`
}

/** Code-unit order, as Python compares str (not localeCompare, which would put 'stETH' next to 'STETH'). */
export function compareStrings (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** pandas fillna(0) after each join: a missing side, and a NaN in the data, both become 0. */
function zeroIfMissing (value: number | undefined): number {
  return value === undefined || Number.isNaN(value) ? 0 : value
}
