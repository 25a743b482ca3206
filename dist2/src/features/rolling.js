/**
 * Window statistics with pandas' exact arithmetic (ports of roll_mean and roll_var from
 * pandas/_libs/window/aggregations.pyx, pandas 1.5), and pandas' Kahan-compensated group sum.
 *
 * Why ports and not a plain per-window recomputation: the tutorial recipe must reproduce the pandas
 * reference bit for bit, and pandas computes windows online (values are added to and removed from running
 * sums as the window slides), so its rounding depends on the whole history of the column. On the tutorial's
 * mixed-token table (daily returns jump by +-10 between tokens) that rounding is visible in small
 * volatilities; given the same inputs these ports return pandas' values to the last bit.
 *
 * Semantics (pandas `Series.rolling(window, min_periods=1)`):
 * - non-finite inputs (NaN, +-Infinity) are missing: pandas turns inf into NaN before its C kernels;
 * - a window's statistic uses the non-missing values among the last `window` rows;
 * - mean of zero values is NaN; std needs at least two values (ddof 1), else NaN.
 */
import { correctlyRoundedLog } from './log.js';
/** Sum ignoring NaN with pandas' groupby Kahan compensation (group_sum), in the order given. */
export function kahanSum(values) {
    let sum = 0;
    let compensation = 0;
    for (const value of values) {
        if (Number.isNaN(value))
            continue;
        const y = value - compensation;
        const t = sum + y;
        compensation = t - sum - y;
        sum = t;
    }
    return sum;
}
/** pandas rolling(window, min_periods=1).mean() */
export function rollingMean(input, window) {
    checkWindow(window);
    const values = missingAsNaN(input);
    const output = new Array(values.length);
    let nobs = 0;
    let negativeCount = 0;
    let sum = 0;
    let compensationAdd = 0;
    let compensationRemove = 0;
    let consecutiveSame = 0;
    let previous = NaN;
    const add = (value) => {
        if (Number.isNaN(value))
            return;
        nobs++;
        const y = value - compensationAdd;
        const t = sum + y;
        compensationAdd = t - sum - y;
        sum = t;
        if (signbit(value))
            negativeCount++;
        // pandas GH#42064: a run of equal values returns that value exactly, without rounding artefacts
        consecutiveSame = value === previous ? consecutiveSame + 1 : 1;
        previous = value;
    };
    const remove = (value) => {
        if (Number.isNaN(value))
            return;
        nobs--;
        const y = -value - compensationRemove;
        const t = sum + y;
        compensationRemove = t - sum - y;
        sum = t;
        if (signbit(value))
            negativeCount--;
    };
    for (let i = 0; i < values.length; i++) {
        // Fixed window [i - window + 1, i]. pandas starts afresh when the window shares no row with the
        // previous one (the first row, or every row when window is 1) and otherwise adds and removes.
        if (i === 0 || window === 1) {
            nobs = negativeCount = sum = compensationAdd = compensationRemove = consecutiveSame = 0;
            previous = values[i];
        }
        else if (i >= window) {
            remove(values[i - window]);
        }
        add(values[i]);
        output[i] = meanOf(nobs, negativeCount, sum, consecutiveSame, previous);
    }
    return output;
}
/** pandas rolling(window, min_periods=1).std() (ddof 1; a negative variance from rounding becomes 0) */
export function rollingStd(input, window) {
    checkWindow(window);
    const values = missingAsNaN(input);
    const output = new Array(values.length);
    let nobs = 0;
    let mean = 0;
    let squaredDeviations = 0;
    let compensationAdd = 0;
    let compensationRemove = 0;
    let consecutiveSame = 0;
    let previous = NaN;
    // Welford's online variance with Kahan-compensated mean updates, as pandas add_var / remove_var
    const add = (value) => {
        if (Number.isNaN(value))
            return;
        nobs++;
        consecutiveSame = value === previous ? consecutiveSame + 1 : 1;
        previous = value;
        const previousMean = mean - compensationAdd;
        const y = value - compensationAdd;
        const t = y - mean;
        compensationAdd = t + mean - y;
        mean = nobs !== 0 ? mean + t / nobs : 0;
        squaredDeviations = squaredDeviations + (value - previousMean) * (value - mean);
    };
    const remove = (value) => {
        if (Number.isNaN(value))
            return;
        nobs--;
        if (nobs !== 0) {
            const previousMean = mean - compensationRemove;
            const y = value - compensationRemove;
            const t = y - mean;
            compensationRemove = t + mean - y;
            mean = mean - t / nobs;
            squaredDeviations = squaredDeviations - (value - previousMean) * (value - mean);
        }
        else {
            mean = 0;
            squaredDeviations = 0;
        }
    };
    for (let i = 0; i < values.length; i++) {
        if (i === 0 || window === 1) {
            nobs = mean = squaredDeviations = compensationAdd = compensationRemove = consecutiveSame = 0;
            previous = values[i];
        }
        else if (i >= window) {
            remove(values[i - window]);
        }
        add(values[i]);
        const variance = varianceOf(nobs, squaredDeviations, consecutiveSame);
        output[i] = variance < 0 ? 0 : Math.sqrt(variance);
    }
    return output;
}
/**
 * ln(price / previous price), the first value NaN (pandas `np.log(p / p.shift(1))`, with the log rounded
 * correctly: see log.ts). A zero or missing
 * price gives -Infinity, +Infinity or NaN exactly as numpy does; the rolling std then skips those.
 */
export function logReturns(prices) {
    return prices.map((price, i) => (i === 0 ? NaN : correctlyRoundedLog(price / prices[i - 1])));
}
/** Applies `compute` to each group's values (in their order) and writes the results back in place of the group. */
export function perGroup(values, groups, compute) {
    const indexes = new Map();
    groups.forEach((group, i) => {
        let list = indexes.get(group);
        if (list === undefined)
            indexes.set(group, (list = []));
        list.push(i);
    });
    const output = new Array(values.length);
    for (const list of indexes.values()) {
        const result = compute(list.map((i) => values[i]));
        list.forEach((rowIndex, k) => { output[rowIndex] = result[k]; });
    }
    return output;
}
function meanOf(nobs, negativeCount, sum, consecutiveSame, previous) {
    if (nobs <= 0)
        return NaN;
    const result = sum / nobs;
    if (consecutiveSame >= nobs)
        return previous;
    // pandas clamps a mean whose sign contradicts all its inputs (a rounding artefact) to 0
    if (negativeCount === 0 && result < 0)
        return 0;
    if (negativeCount === nobs && result > 0)
        return 0;
    return result;
}
function varianceOf(nobs, squaredDeviations, consecutiveSame) {
    if (nobs <= 1)
        return NaN;
    if (consecutiveSame >= nobs)
        return 0;
    return squaredDeviations / (nobs - 1);
}
function missingAsNaN(values) {
    return values.map((value) => (Number.isFinite(value) ? value : NaN));
}
function signbit(value) {
    return value < 0 || Object.is(value, -0);
}
function checkWindow(window) {
    if (!Number.isInteger(window) || window < 1)
        throw new RangeError(`window must be a positive integer, got ${window}`);
}
//# sourceMappingURL=rolling.js.map