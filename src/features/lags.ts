/**
 * Feature sets of the `nowcast` and `forecast` recipes (issue 16): METHOD.md's daily table plus the
 * token's own liquidation history and market-wide liquidation counts, with log1p on volumes and
 * market caps (docs: ../shared/reference/notes/model-study.md measured which of these carry signal).
 *
 * - nowcast: METHOD's rows and 10 per-token features (they describe the labelled day t itself), with
 *   log1p on the 8 volume / market-cap columns, plus lags that end on day t-1.
 * - forecast: one row per (token, day t) predicting whether that token is liquidated on day t + h,
 *   from data up to day t only (windows end on t).
 *
 * log1p is the only non-linear step, and it runs outside the model: the ONNX graph and its circuit
 * take the transformed values, so a proof's public inputs are log1p(max(x, 0)) of the raw values.
 * `transforms` says, per input, how to recompute it from raw data; it is stored with the version and
 * returned by the API and in proof bundles.
 *
 * Rows carry `day` = the day they label (t for the nowcast, t + h for the forecast): METHOD's split,
 * walk-forward folds and no-peeking rules are all stated on the labelled day. `persistence` is the
 * token's last liquidation indicator known when the row is predicted (t - 1 for the nowcast, t for
 * the forecast): the persistence baseline.
 */
import { DataError } from '../errors.js'
import type { DailyTable } from './daily-table.js'
import { DEBT_TOKENS } from './daily-table.js'
import { computeFeatures, featureNames } from './features.js'
import { logReturns, rollingStd } from './rolling.js'
import type { FeatureWindow, LabeledRows } from './types.js'

export interface FeatureTransform {
  /** the model input's name */
  feature: string
  /** `log1p`: the input is ln(1 + max(x, 0)) of `source`; `identity`: the input is `source` itself */
  transform: 'log1p' | 'identity'
  source: string
  description: string
}

export interface LagRows extends LabeledRows {
  persistence: number[]
}

export interface LagFeatureSet {
  target: 'same-day' | 'next-days'
  /** days between the last data day and the labelled day (0 for the nowcast) */
  horizon: number
  featureNames: string[]
  transforms: FeatureTransform[]
  /** sorted by (day, token) */
  rows: LagRows
}

export const DEFAULT_HORIZON = 1
export const MAX_HORIZON = 14
/** Debt tokens as they are spelled in the daily table (upper case). */
const DEBT_UPPER = DEBT_TOKENS.map((t) => t.toUpperCase())

export function log1pNonNegative (x: number): number {
  return Math.log1p(Math.max(x, 0))
}

interface TokenSeries {
  first: number
  liq: Float64Array
  usd: Float64Array
  deposits: Float64Array
  borrows: Float64Array
  price: Float64Array
  marketCap: Float64Array
  volumes: Float64Array
}

/**
 * Dense per-token calendar series from the daily table: a (day, token) pair that repeats (several
 * collateral tokens liquidated on one day) counts once, its debt USD summed; a missing day is zero,
 * as METHOD's joins make it.
 */
function tokenSeries (table: DailyTable): Map<string, TokenSeries> {
  const span = new Map<string, { first: number, last: number }>()
  for (const r of table.rows) {
    const s = span.get(r.token)
    if (s === undefined) span.set(r.token, { first: r.day, last: r.day })
    else { s.first = Math.min(s.first, r.day); s.last = Math.max(s.last, r.day) }
  }
  const out = new Map<string, TokenSeries>()
  for (const [token, { first, last }] of span) {
    const n = last - first + 1
    out.set(token, {
      first,
      liq: new Float64Array(n),
      usd: new Float64Array(n),
      deposits: new Float64Array(n),
      borrows: new Float64Array(n),
      price: new Float64Array(n),
      marketCap: new Float64Array(n),
      volumes: new Float64Array(n),
    })
  }
  const seen = new Set<string>()
  for (const r of table.rows) {
    const s = out.get(r.token) as TokenSeries
    const i = r.day - s.first
    if (r.debtValueUsd !== 0) {
      s.liq[i] = 1
      s.usd[i] += Math.abs(r.debtValueUsd)
    }
    const key = `${r.token}\u0000${r.day}`
    if (seen.has(key)) continue // the joined columns are the same on a repeated (day, token)
    seen.add(key)
    s.deposits[i] = r.deposits_volume
    s.borrows[i] = r.borrows_volume
    s.price[i] = r.price
    s.marketCap[i] = r.market_cap
    s.volumes[i] = r.volumes_last_24h
  }
  return out
}

/** Number of debt tokens liquidated on each day. */
function marketCounts (series: Map<string, TokenSeries>): Map<number, number> {
  const counts = new Map<number, number>()
  for (const [token, s] of series) {
    if (!DEBT_UPPER.includes(token)) continue
    s.liq.forEach((v, i) => { if (v === 1) counts.set(s.first + i, (counts.get(s.first + i) ?? 0) + 1) })
  }
  return counts
}

/** Sum of `values` over days [end - days + 1, end] (days outside the series count 0). */
function windowSum (values: Float64Array, first: number, end: number, days: number): number {
  let s = 0
  for (let d = end - days + 1; d <= end; d++) {
    const i = d - first
    if (i >= 0 && i < values.length) s += values[i]
  }
  return s
}

function valueAt (values: Float64Array, first: number, day: number): number {
  const i = day - first
  return i >= 0 && i < values.length ? values[i] : 0
}

const LIQ_WINDOWS = [3, 7, 14, 28] as const

/** The history features ending on `end` (inclusive), and their descriptions. */
function historyFeatures (suffix: string, endText: string, logUsd = true): { names: string[], transforms: FeatureTransform[] } {
  const transforms: FeatureTransform[] = [
    {
      feature: `liquidated_${suffix}`,
      transform: 'identity',
      source: 'liquidated',
      description: `1 if the token was liquidated on ${endText}, else 0`,
    },
    ...LIQ_WINDOWS.map((w): FeatureTransform => ({
      feature: `liquidation_days_${w}d_${suffix}`,
      transform: 'identity',
      source: `liquidation_days_${w}d`,
      description: `days with a liquidation of the token in the ${w} days ending on ${endText}`,
    })),
    {
      feature: logUsd ? `log1p_liquidated_usd_${suffix}` : `liquidated_usd_${suffix}`,
      transform: logUsd ? 'log1p' : 'identity',
      source: 'debt_value_USD',
      description: `debt USD liquidated for the token on ${endText}`,
    },
    {
      feature: `market_liquidated_tokens_${suffix}`,
      transform: 'identity',
      source: 'market_liquidated_tokens',
      description: `debt tokens (of ${DEBT_TOKENS.join(', ')}) liquidated on ${endText}`,
    },
    {
      feature: `market_liquidated_tokens_7d_${suffix}`,
      transform: 'identity',
      source: 'market_liquidated_tokens_7d',
      description: `sum over the 7 days ending on ${endText} of the debt tokens liquidated that day`,
    },
  ]
  return { names: transforms.map((t) => t.feature), transforms }
}

function historyValues (s: TokenSeries | undefined, market: Map<number, number>, end: number, logUsd = true): number[] {
  const liq = s === undefined ? 0 : valueAt(s.liq, s.first, end)
  const counts = LIQ_WINDOWS.map((w) => (s === undefined ? 0 : windowSum(s.liq, s.first, end, w)))
  const usd = s === undefined ? 0 : valueAt(s.usd, s.first, end)
  let m7 = 0
  for (let d = end - 6; d <= end; d++) m7 += market.get(d) ?? 0
  return [liq, ...counts, logUsd ? log1pNonNegative(usd) : usd, market.get(end) ?? 0, m7]
}

/** METHOD's per-token columns that get log1p in the nowcast (volumes, market caps and their averages). */
function isLogged (name: string): boolean {
  return /^(deposits_volume|borrows_volume|market_cap|volumes_last_24h)/.test(name)
}

/** Optional groups of nowcast inputs, all ending on day t - 1 (exploration: scripts/tune-nowcast.ts). */
export type NowcastExtra = 'long' | 'rate' | 'since' | 'usd7' | 'market28' | 'onehot'

function extraFeatures (extras: readonly NowcastExtra[], tokens: readonly string[]): FeatureTransform[] {
  const out: FeatureTransform[] = []
  for (const e of extras) {
    if (e === 'long') {
      for (const w of LONG_WINDOWS) {
        out.push({
          feature: `liquidation_days_${w}d_prev`,
          transform: 'identity',
          source: `liquidation_days_${w}d`,
          description: `days with a liquidation of the token in the ${w} days ending the day before the labelled day`,
        })
      }
    } else if (e === 'rate') {
      out.push({
        feature: 'liquidation_rate_prev',
        transform: 'identity',
        source: 'liquidation_rate',
        description: 'share of days with a liquidation of the token from its first day in the data to the day before the labelled day',
      })
    } else if (e === 'since') {
      out.push({
        feature: 'log1p_days_since_liquidation_prev',
        transform: 'log1p',
        source: 'days_since_liquidation',
        description: `days from the token's last liquidation to the day before the labelled day (${SINCE_CAP} if none)`,
      })
    } else if (e === 'usd7') {
      out.push({
        feature: 'log1p_liquidated_usd_7d_prev',
        transform: 'log1p',
        source: 'debt_value_USD_7d',
        description: 'debt USD liquidated for the token in the 7 days ending the day before the labelled day',
      })
    } else if (e === 'market28') {
      out.push({
        feature: 'market_liquidated_tokens_28d_prev',
        transform: 'identity',
        source: 'market_liquidated_tokens_28d',
        description: 'sum over the 28 days ending the day before the labelled day of the debt tokens liquidated that day',
      })
    } else {
      for (const t of tokens) {
        out.push({ feature: `token_is_${t}`, transform: 'identity', source: 'token', description: `1 if the row's token is ${t}, else 0` })
      }
    }
  }
  return out
}

const LONG_WINDOWS = [90, 365] as const
const SINCE_CAP = 365

function extraValues (
  extras: readonly NowcastExtra[], tokens: readonly string[], token: string,
  s: TokenSeries | undefined, market: Map<number, number>, end: number
): number[] {
  const out: number[] = []
  for (const e of extras) {
    if (e === 'long') {
      for (const w of LONG_WINDOWS) out.push(s === undefined ? 0 : windowSum(s.liq, s.first, end, w))
    } else if (e === 'rate') {
      const n = s === undefined ? 0 : Math.min(end - s.first + 1, s.liq.length)
      out.push(s === undefined || n <= 0 ? 0 : windowSum(s.liq, s.first, end, n) / n)
    } else if (e === 'since') {
      let since = SINCE_CAP
      if (s !== undefined) {
        for (let d = end; d >= Math.max(s.first, end - SINCE_CAP + 1); d--) {
          if (valueAt(s.liq, s.first, d) === 1) { since = end - d; break }
        }
      }
      out.push(log1pNonNegative(since))
    } else if (e === 'usd7') {
      out.push(s === undefined ? 0 : log1pNonNegative(windowSum(s.usd, s.first, end, 7)))
    } else if (e === 'market28') {
      let m = 0
      for (let d = end - 27; d <= end; d++) m += market.get(d) ?? 0
      out.push(m)
    } else {
      for (const t of tokens) out.push(t === token ? 1 : 0)
    }
  }
  return out
}

/** How the nowcast's inputs are scaled before min-max (exploration: scripts/tune-nowcast.ts --base, --lag-usd). */
export interface NowcastInputs {
  /** log1p on METHOD's volume / market-cap columns (false: the raw values, as the default recipe takes them) */
  logBase: boolean
  /** log1p on the previous day's liquidated USD (false: raw USD) */
  logLagUsd: boolean
}

export const NOWCAST_INPUTS: NowcastInputs = { logBase: true, logLagUsd: true }

export function buildNowcastFeatures (
  table: DailyTable, window: FeatureWindow, extras: readonly NowcastExtra[] = [], inputs: Partial<NowcastInputs> = {}
): LagFeatureSet {
  const { logBase, logLagUsd } = { ...NOWCAST_INPUTS, ...inputs }
  const logged = (name: string): boolean => logBase && isLogged(name)
  const base = computeFeatures(table, 'per-token', window)
  const baseNames = featureNames(window)
  const series = tokenSeries(table)
  const market = marketCounts(series)
  const history = historyFeatures('prev', 'the day before the labelled day', logLagUsd)
  const baseTransforms: FeatureTransform[] = baseNames.map((name) => logged(name)
    ? { feature: `log1p_${name}`, transform: 'log1p', source: name, description: `METHOD.md's ${name} (per token) on the labelled day` }
    : { feature: name, transform: 'identity', source: name, description: `METHOD.md's ${name} (per token) on the labelled day` })
  const tokens = [...new Set(base.token)].sort()
  const rows: LagRows = { X: [], y: [], day: [], token: [], persistence: [] }
  base.X.forEach((x, i) => {
    const s = series.get(base.token[i])
    const prev = base.day[i] - 1
    const values = x.map((v, j) => (logged(baseNames[j]) ? log1pNonNegative(v) : v))
    rows.X.push([...values, ...historyValues(s, market, prev, logLagUsd), ...extraValues(extras, tokens, base.token[i], s, market, prev)])
    rows.y.push(base.y[i])
    rows.day.push(base.day[i])
    rows.token.push(base.token[i])
    rows.persistence.push(s === undefined ? 0 : valueAt(s.liq, s.first, prev))
  })
  const transforms = [...baseTransforms, ...history.transforms, ...extraFeatures(extras, tokens)]
  return { target: 'same-day', horizon: 0, featureNames: transforms.map((t) => t.feature), transforms, rows }
}

export function buildForecastFeatures (table: DailyTable, horizon = DEFAULT_HORIZON): LagFeatureSet {
  if (!Number.isInteger(horizon) || horizon < 1 || horizon > MAX_HORIZON) {
    throw new DataError(`horizon must be an integer from 1 to ${MAX_HORIZON} days, got ${String(horizon)}`)
  }
  const series = tokenSeries(table)
  const market = marketCounts(series)
  const history = historyFeatures('today', 'day t (the last day of data)')
  const own: FeatureTransform[] = [
    {
      feature: 'log1p_deposits_volume',
      transform: 'log1p',
      source: 'deposits_volume',
      description: 'deposits of the token on day t (v2 + v3)',
    },
    {
      feature: 'log1p_borrows_volume',
      transform: 'log1p',
      source: 'borrows_volume',
      description: 'borrows of the token on day t (v2 + v3)',
    },
    {
      feature: 'log1p_deposits_volume_avg_7d',
      transform: 'log1p',
      source: 'deposits_volume_avg_7d',
      description: 'mean deposits over the 7 calendar days ending on t (a missing day counts 0)',
    },
    {
      feature: 'log1p_borrows_volume_avg_7d',
      transform: 'log1p',
      source: 'borrows_volume_avg_7d',
      description: 'mean borrows over the 7 calendar days ending on t (a missing day counts 0)',
    },
    { feature: 'log1p_market_cap', transform: 'log1p', source: 'market_cap', description: 'market cap of the token on day t' },
    {
      feature: 'log1p_volumes_last_24h',
      transform: 'log1p',
      source: 'volumes_last_24h',
      description: 'trading volume of the token on day t',
    },
    {
      feature: 'log1p_volumes_last_24h_avg_7d',
      transform: 'log1p',
      source: 'volumes_last_24h_avg_7d',
      description: 'mean trading volume over the 7 calendar days ending on t',
    },
    {
      feature: 'volatility_7day',
      transform: 'identity',
      source: 'volatility_7day',
      description: 'sample std of the daily log returns of the token\'s price over the 7 days ending on t (0 with fewer than 2)',
    },
  ]
  const transforms = [...history.transforms, ...own]
  const rows: LagRows = { X: [], y: [], day: [], token: [], persistence: [] }
  const tokens = [...series.keys()].sort()
  const all: { day: number, token: string, x: number[], y: number, persistence: number }[] = []
  for (const token of tokens) {
    const s = series.get(token) as TokenSeries
    const n = s.liq.length
    const vol = rollingStd(logReturns(Array.from(s.price)), 7).map((v) => (Number.isFinite(v) ? v : 0))
    for (let i = 0; i + horizon < n; i++) {
      const t = s.first + i
      if (t < table.earliestDay) continue
      const mean7 = (values: Float64Array): number => windowSum(values, s.first, t, 7) / 7
      const x = [
        ...historyValues(s, market, t),
        log1pNonNegative(s.deposits[i]),
        log1pNonNegative(s.borrows[i]),
        log1pNonNegative(mean7(s.deposits)),
        log1pNonNegative(mean7(s.borrows)),
        log1pNonNegative(s.marketCap[i]),
        log1pNonNegative(s.volumes[i]),
        log1pNonNegative(mean7(s.volumes)),
        vol[i],
      ]
      all.push({ day: t + horizon, token, x, y: s.liq[i + horizon], persistence: s.liq[i] })
    }
  }
  all.sort((a, b) => a.day - b.day || (a.token < b.token ? -1 : a.token > b.token ? 1 : 0))
  for (const r of all) {
    rows.X.push(r.x); rows.y.push(r.y); rows.day.push(r.day); rows.token.push(r.token); rows.persistence.push(r.persistence)
  }
  if (rows.y.length === 0) throw new DataError('no forecast rows: the data hold no day with a known label ' + horizon + ' day(s) later')
  return { target: 'next-days', horizon, featureNames: transforms.map((t) => t.feature), transforms, rows }
}

/** Rows of `rows` whose index passes `keep`. */
export function selectRows (rows: LagRows, keep: (i: number) => boolean): LagRows {
  const out: LagRows = { X: [], y: [], day: [], token: [], persistence: [] }
  for (let i = 0; i < rows.y.length; i++) {
    if (!keep(i)) continue
    out.X.push(rows.X[i])
    out.y.push(rows.y[i])
    out.day.push(rows.day[i])
    out.token.push(rows.token[i])
    out.persistence.push(rows.persistence[i])
  }
  return out
}

/** Adds the persistence baseline's score (the token liquidated on the day before) to METHOD's rows. */
export function withPersistence (table: DailyTable, rows: LabeledRows): LagRows {
  const series = tokenSeries(table)
  return {
    ...rows,
    persistence: rows.day.map((day, i) => {
      const s = series.get(rows.token[i])
      return s === undefined ? 0 : valueAt(s.liq, s.first, day - 1)
    }),
  }
}
