/**
 * Moving-block bootstrap over days (Kunsch 1989): test rows are grouped by the day they predict,
 * and resamples draw runs of `blockDays` consecutive days with replacement until they hold as many
 * days as the original. Days, not rows, because rows of one day share the market (a stressed day
 * liquidates several tokens at once) and neighbouring days share regimes: a row bootstrap would
 * treat them as independent and give intervals that are too narrow.
 * Percentile intervals; a resample in which a score is undefined (one class missing) is skipped and
 * counted, so a caller can see when an interval rests on few resamples.
 */
import { SeededRandom } from '../seeded-random.js'

export interface Interval { lo: number, hi: number, resamples: number }

export interface BlockBootstrapOptions {
  blockDays?: number
  resamples?: number
  seed?: number
  level?: number
}

/**
 * `statistic` gets row indices (a resample, rows may repeat) and returns one number per name; the
 * result has, for each name, the percentile interval over resamples.
 */
export function blockBootstrap (
  days: ArrayLike<number>,
  statistic: (rows: number[]) => Record<string, number>,
  opts: BlockBootstrapOptions = {}
): Record<string, Interval> {
  const blockDays = opts.blockDays ?? 7
  const resamples = opts.resamples ?? 1000
  const level = opts.level ?? 0.95
  const rng = new SeededRandom(opts.seed ?? 12345)
  const byDay = new Map<number, number[]>()
  for (let i = 0; i < days.length; i++) {
    let list = byDay.get(days[i])
    if (list === undefined) byDay.set(days[i], (list = []))
    list.push(i)
  }
  const dayList = [...byDay.keys()].sort((a, b) => a - b)
  const nDays = dayList.length
  const values = new Map<string, number[]>()
  if (nDays === 0) return {}
  const block = Math.max(1, Math.min(blockDays, nDays))
  const starts = nDays - block + 1
  for (let r = 0; r < resamples; r++) {
    const rows: number[] = []
    for (let taken = 0; taken < nDays;) {
      const s = Math.floor(rng.next() * starts)
      for (let k = 0; k < block && taken < nDays; k++, taken++) {
        for (const i of byDay.get(dayList[s + k]) as number[]) rows.push(i)
      }
    }
    for (const [name, v] of Object.entries(statistic(rows))) {
      if (!Number.isFinite(v)) continue
      let list = values.get(name)
      if (list === undefined) values.set(name, (list = []))
      list.push(v)
    }
  }
  const out: Record<string, Interval> = {}
  for (const [name, list] of values) {
    list.sort((a, b) => a - b)
    out[name] = { lo: quantile(list, (1 - level) / 2), hi: quantile(list, 1 - (1 - level) / 2), resamples: list.length }
  }
  return out
}

/** Linear interpolation between order statistics (numpy's default 'linear' method). */
export function quantile (sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN
  const pos = (sorted.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo)
}
