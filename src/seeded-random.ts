/**
 * The project's seeded pseudo-random numbers, in one module. Math.random and tf.util's shuffles cannot
 * be seeded, and the same seed must give the same data, the same model and the same fixtures on every
 * machine and backend. Two generators, each kept because results already published depend on their
 * exact streams (test/seeded-random.test.ts fixes outputs of each, computed with the code they replaced):
 *
 * - SeededRandom: sfc32 (Chris Doty-Humphrey's small fast counter), 32-bit state words, seeded through
 *   splitmix32; the synthetic data (`new SeededRandom(seed)`) and training (`trainingRandom(seed)`, the
 *   same generator on a salted seed, which is how the training's copy of it was seeded) draw from it.
 * - mulberry32: the one-word generator the proof fixtures and benchmarks' random networks were made with.
 */

/** sfc32 seeded through splitmix32. */

export class SeededRandom {
  private a: number
  private b: number
  private c: number
  private d: number
  private spareNormal: number | null = null

  constructor (seed: number) {
    let state = seed >>> 0
    const splitmix32 = (): number => {
      state = (state + 0x9e3779b9) | 0
      let z = state
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
      return (z ^ (z >>> 16)) >>> 0
    }
    this.a = splitmix32()
    this.b = splitmix32()
    this.c = splitmix32()
    this.d = splitmix32()
    for (let i = 0; i < 12; i++) this.nextUint32()
  }

  nextUint32 (): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0
    this.d = (this.d + 1) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.c = (this.c + t) | 0
    return t >>> 0
  }

  /** Uniform in [0, 1). */
  next (): number {
    return this.nextUint32() / 4294967296
  }

  uniform (low: number, high: number): number {
    return low + (high - low) * this.next()
  }

  chance (probability: number): boolean {
    return this.next() < probability
  }

  /** Standard normal (Marsaglia polar method: only sqrt and log, no trigonometry). */
  normal (): number {
    if (this.spareNormal !== null) {
      const spare = this.spareNormal
      this.spareNormal = null
      return spare
    }
    let u: number
    let v: number
    let s: number
    do {
      u = 2 * this.next() - 1
      v = 2 * this.next() - 1
      s = u * u + v * v
    } while (s >= 1 || s === 0)
    const factor = Math.sqrt(-2 * Math.log(s) / s)
    this.spareNormal = v * factor
    return u * factor
  }

  /** Poisson count by inversion (small means only). */
  poisson (mean: number): number {
    let count = 0
    let term = Math.exp(-mean)
    let cumulative = term
    const u = this.next()
    while (u > cumulative && count < 100) {
      count++
      term *= mean / count
      cumulative += term
    }
    return count
  }

  /** Fisher-Yates shuffle in place (the training's batch order). */
  shuffle<T extends { [i: number]: number, length: number }> (a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1))
      const t = a[i]
      a[i] = a[j]
      a[j] = t
    }
    return a
  }

  /** Index drawn with probability proportional to weights. */
  pick (weights: readonly number[]): number {
    let total = 0
    for (const weight of weights) total += weight
    let u = this.next() * total
    for (let i = 0; i < weights.length; i++) {
      u -= weights[i]
      if (u < 0) return i
    }
    return weights.length - 1
  }
}

/** The training's stream (weight init, fold shuffles): sfc32 on the seed xor the golden-ratio constant. */
export function trainingRandom (seed: number): SeededRandom {
  return new SeededRandom(Math.trunc(seed) ^ 0x9e3779b9)
}

/** mulberry32: uniform numbers in [0, 1) from one 32-bit state word. */
export function mulberry32 (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
