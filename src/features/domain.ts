/**
 * What the Giza features can be (docs/METHOD.md's columns): a value outside is not a market state, so a prediction or a
 * proof of it means nothing. Features with other names (models uploaded with their own features) have no rule.
 *
 * market_cap has none on purpose: the real tokens_daily_volume.csv holds a negative market cap (1 row of 49,044,
 * `awk -F, 'NR>1 && $3<0' tokens_daily_volume.csv`), so refusing one would refuse real data.
 */
export interface FeatureDomain {
  /** The smallest allowed value. */
  min: number
  /** True when `min` itself is not allowed (a price of 0). */
  exclusive: boolean
  /** What the feature is, for the error message. */
  what: string
}

const NON_NEGATIVE = ['deposits_volume', 'borrows_volume', 'volumes_last_24h']

export function featureDomain (feature: string): FeatureDomain | null {
  if (feature === 'price') return { min: 0, exclusive: true, what: 'a price' }
  const base = feature.replace(/_avg_\d+d$/, '')
  if (NON_NEGATIVE.includes(base)) return { min: 0, exclusive: false, what: 'a volume' }
  if (/^volatility_\d+day$/.test(feature)) return { min: 0, exclusive: false, what: 'a standard deviation' }
  return null
}

/** Why `value` cannot be `feature`, or null when it can (or the feature has no rule). */
export function domainViolation (feature: string, value: number): string | null {
  return violationOf(feature, featureDomain(feature), value)
}

function violationOf (feature: string, domain: FeatureDomain | null, value: number): string | null {
  if (domain == null) return null
  const ok = domain.exclusive ? value > domain.min : value >= domain.min
  if (ok) return null
  return `${value} cannot be ${feature}: ${domain.what} must be ${domain.exclusive ? '>' : '>='} ${domain.min}`
}

/** The domains of a version's features, worked out once per feature list (a version's metadata is immutable). */
const domainsByFeatures = new WeakMap<readonly string[], Array<FeatureDomain | null>>()

/**
 * The first value of `values` (rows of `features.length` columns) that its feature cannot take: its row, feature and
 * why; null when every value can be. The per-feature rules are matched once per feature list, not per request
 * (the regular expressions were 1.4% of /predict's main thread under load).
 */
export function firstDomainViolation (features: readonly string[], values: ArrayLike<number>, rows: number):
{ row: number, feature: string, violation: string } | null {
  let domains = domainsByFeatures.get(features)
  if (domains == null) {
    domains = features.map(featureDomain)
    domainsByFeatures.set(features, domains)
  }
  const width = features.length
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < width; c++) {
      const domain = domains[c]
      if (domain == null) continue
      const value = values[r * width + c]
      if (domain.exclusive ? value > domain.min : value >= domain.min) continue
      return { row: r, feature: features[c], violation: violationOf(features[c], domain, value) as string }
    }
  }
  return null
}
