/**
 * Synthetic Giza datasets: the five tables of docs/METHOD.md section 1 with the real files' schema and quirks,
 * generated from a seed, so that the service can train and be tested without the real data (whose copies
 * carry no licence and must stay out of the project).
 *
 * Same seed, same data on every machine: one small PRNG (sfc32 seeded through splitmix32), no Math.random,
 * and besides IEEE 754 arithmetic only Math.exp/Math.log, which V8 computes in software (its fdlibm port),
 * identically on every platform.
 *
 * Quirks of the real files that are reproduced: the seven tokens plus extra ones that the method filters out
 * (AAVE, CRV, wstETH, GHO, LUSD, UNI, ETH); `stETH` in liquidations and deposits but `STETH` in token prices;
 * market_cap 0 for WETH (and WSTETH); deposits and borrows ending two weeks before the liquidations; days
 * without activity missing; LINK with a short v2 history and stETH only on v2; token prices starting months
 * before everything else; several collateral tokens liquidated against one debt token on one day.
 *
 * Dynamics: an ETH-driven market with volatility regimes (calm, volatile, crisis), BTC/LINK/AAVE correlated
 * with it, stETH at a small varying discount, stablecoins near 1 with depeg jitter that grows in stress.
 * Deposits and borrows trend and wander; a latent leverage level per debt token drives its borrows. The chance
 * that loans with a given debt token are liquidated on a day rises with market stress (recent ETH drawdown and
 * volatility), with that leverage, and for WETH/WBTC debt with the debt token's own rally. What a model sees of
 * that (the debt token's volumes, borrows, volatility) carries the signal, with enough noise that it is not
 * trivial. Measured on the per-token 7-day features (scaled), test split, seeds 0-15: logistic regression
 * ROC-AUC 0.80 on average (0.67-0.90), an sklearn MLP(32, 16) 0.84 (0.71-0.91); seed 0: 0.86 / 0.91. About
 * 25% of the pipeline's rows are positive (24-30% over those seeds); the test window's share swings more
 * (13-48%) because 41 days may fall in a calm or a stressed stretch.
 */
import { DataError } from '../errors.js';
import { SeededRandom } from '../seeded-random.js';
/** Defaults of generateSyntheticDatasets, and the accepted ranges. */
export const syntheticOptions = {
    /** Days of liquidations (the real files hold 366). */
    days: 365,
    minDays: 90,
    maxDays: 3650,
    /** 2023-02-05, where the real liquidations start. */
    startDay: 19393,
    /** Deposits and borrows stop this many days before the last liquidation day (v2; v3 two days later). */
    depositsEndGap: 14,
};
const REGIME_VOLATILITY = [0.022, 0.045, 0.075];
const REGIME_DRIFT = [0.0006, 0, -0.012];
/** Daily transition probabilities out of each regime: [to calm, to volatile, to crisis]. */
const REGIME_TRANSITIONS = [
    [0.965, 0.03, 0.005],
    [0.09, 0.87, 0.04],
    [0.03, 0.22, 0.75],
];
const STABLE_JITTER = [0.0002, 0.0015, 0.006];
const PRICE_SPECS = [
    { symbol: 'WETH', kind: 'eth', startPrice: 1650, supply: 0, volume: 6e8, lead: [300, 420] },
    { symbol: 'ETH', kind: 'eth', startPrice: 1650, supply: 1.2e8, volume: 9e8, lead: [500, 700] },
    { symbol: 'WBTC', kind: 'beta', beta: 0.75, idiosyncratic: 0.012, startPrice: 23000, supply: 1.6e5, volume: 3e8, lead: [300, 420] },
    { symbol: 'LINK', kind: 'beta', beta: 1.15, idiosyncratic: 0.025, startPrice: 7, supply: 5.1e8, volume: 2e8, lead: [250, 400] },
    { symbol: 'STETH', kind: 'steth', startPrice: 1640, supply: 5e6, volume: 1e8, lead: [150, 250] },
    { symbol: 'WSTETH', kind: 'wsteth', startPrice: 1800, supply: 0, volume: 5e7, lead: [60, 120] },
    { symbol: 'USDC', kind: 'stable', startPrice: 1, supply: 4.2e10, volume: 1.2e9, lead: [250, 400] },
    { symbol: 'USDT', kind: 'stable', startPrice: 1, supply: 6.8e10, volume: 1.5e9, lead: [400, 600] },
    { symbol: 'DAI', kind: 'stable', startPrice: 1, supply: 5.5e9, volume: 4e8, lead: [250, 400] },
    { symbol: 'AAVE', kind: 'beta', beta: 1.25, idiosyncratic: 0.03, startPrice: 80, supply: 1.4e7, volume: 1.2e8, lead: [200, 300] },
    { symbol: 'UNI', kind: 'beta', beta: 1.1, idiosyncratic: 0.03, startPrice: 6.5, supply: 7.5e8, volume: 1e8, lead: [30, 90] },
];
function simulateMarket(random, firstDay, length) {
    const regime = [];
    const ethReturn = [];
    let current = 0;
    for (let i = 0; i < length; i++) {
        if (i > 0)
            current = random.pick(REGIME_TRANSITIONS[current]);
        regime.push(current);
        // fat tails: one day in 40 is a jump
        const jump = random.chance(0.025) ? random.normal() * 2.5 : 0;
        ethReturn.push(REGIME_DRIFT[current] + REGIME_VOLATILITY[current] * (random.normal() + jump));
    }
    const stress = ethReturn.map((_, i) => {
        let drawdown = 0;
        for (let k = Math.max(0, i - 2); k <= i; k++)
            drawdown += ethReturn[k];
        let sumSquares = 0;
        let count = 0;
        for (let k = Math.max(0, i - 6); k <= i; k++) {
            sumSquares += ethReturn[k] * ethReturn[k];
            count++;
        }
        const realised = Math.sqrt(sumSquares / count);
        return Math.max(0, -drawdown) / 0.06 + realised / 0.04;
    });
    const eth = cumulativePrices(1650, ethReturn);
    // stETH trades at a discount to ETH that widens in crises
    const stethDiscount = [];
    let discount = 0.002;
    for (let i = 0; i < length; i++) {
        discount = 0.9 * discount + 0.1 * 0.002 + (regime[i] === 2 ? 0.002 : 0) + 0.0008 * random.normal();
        stethDiscount.push(Math.min(0.08, Math.max(-0.01, discount)));
    }
    const price = new Map();
    for (const spec of PRICE_SPECS) {
        const series = [];
        if (spec.kind === 'eth') {
            for (const value of eth)
                series.push(value * spec.startPrice / 1650);
        }
        else if (spec.kind === 'steth') {
            eth.forEach((value, i) => series.push(value * (1 - stethDiscount[i]) * spec.startPrice / 1640));
        }
        else if (spec.kind === 'wsteth') {
            // wstETH accrues the staking yield on top of stETH
            eth.forEach((value, i) => series.push(value * (1 - stethDiscount[i]) * (1.09 + 0.0001 * i)));
        }
        else if (spec.kind === 'beta') {
            let logPrice = Math.log(spec.startPrice);
            for (let i = 0; i < length; i++) {
                if (i > 0)
                    logPrice += spec.beta * ethReturn[i] + spec.idiosyncratic * random.normal();
                series.push(Math.exp(logPrice));
            }
        }
        else {
            // stablecoins: mean-reverting deviation from 1 whose jitter grows with the regime
            let deviation = 0;
            for (let i = 0; i < length; i++) {
                deviation = 0.75 * deviation + STABLE_JITTER[regime[i]] * random.normal();
                series.push(1 + Math.max(-0.05, Math.min(0.05, deviation)));
            }
        }
        price.set(spec.symbol, series);
    }
    return { firstDay, regime, stress, price };
}
function cumulativePrices(start, returns) {
    let logPrice = Math.log(start);
    return returns.map((r, i) => {
        if (i > 0)
            logPrice += r;
        return Math.exp(logPrice);
    });
}
const DEBT_SPECS = [
    { symbol: 'USDC', priceSymbol: 'USDC', baseLogit: -0.45, rallySensitive: false, collateral: [['WETH', 45], ['WBTC', 20], ['stETH', 12], ['LINK', 6], ['wstETH', 10], ['AAVE', 5], ['CRV', 2]] },
    { symbol: 'USDT', priceSymbol: 'USDT', baseLogit: -0.85, rallySensitive: false, collateral: [['WETH', 50], ['WBTC', 20], ['stETH', 8], ['LINK', 5], ['wstETH', 12], ['AAVE', 5]] },
    { symbol: 'DAI', priceSymbol: 'DAI', baseLogit: -1.05, rallySensitive: false, collateral: [['WETH', 55], ['WBTC', 15], ['stETH', 10], ['LINK', 5], ['wstETH', 10], ['CRV', 5]] },
    { symbol: 'WETH', priceSymbol: 'WETH', baseLogit: -1.25, rallySensitive: true, collateral: [['USDC', 35], ['WBTC', 25], ['stETH', 20], ['wstETH', 15], ['LINK', 5]] },
    { symbol: 'WBTC', priceSymbol: 'WBTC', baseLogit: -1.75, rallySensitive: true, collateral: [['USDC', 45], ['WETH', 40], ['stETH', 10], ['AAVE', 5]] },
    // filtered out by the method, present like in the real files
    { symbol: 'GHO', priceSymbol: 'USDC', baseLogit: -2.8, rallySensitive: false, collateral: [['WETH', 60], ['wstETH', 40]] },
    { symbol: 'LUSD', priceSymbol: 'DAI', baseLogit: -3.2, rallySensitive: false, collateral: [['WETH', 100]] },
];
const ACTIVITY_SPECS = {
    v2: [
        { symbol: 'USDC', priceSymbol: 'USDC', deposits: 1.2e8, borrows: 5e7, gap: 0.01 },
        { symbol: 'USDT', priceSymbol: 'USDT', deposits: 6e7, borrows: 3.5e7, gap: 0.02 },
        { symbol: 'DAI', priceSymbol: 'DAI', deposits: 4e7, borrows: 2.5e7, gap: 0.03 },
        { symbol: 'WETH', priceSymbol: 'WETH', deposits: 8e7, borrows: 2e7, gap: 0.02 },
        { symbol: 'WBTC', priceSymbol: 'WBTC', deposits: 3e7, borrows: 1e7, gap: 0.06 },
        { symbol: 'LINK', priceSymbol: 'LINK', deposits: 2e6, borrows: 2e5, gap: 0.1, historyDays: 157 },
        { symbol: 'stETH', priceSymbol: 'STETH', deposits: 4e7, borrows: 0, gap: 0.05 },
        { symbol: 'AAVE', priceSymbol: 'AAVE', deposits: 1.5e6, borrows: 0, gap: 0.2 },
        { symbol: 'CRV', priceSymbol: 'AAVE', deposits: 1e6, borrows: 1e5, gap: 0.25 },
    ],
    v3: [
        { symbol: 'USDC', priceSymbol: 'USDC', deposits: 1.5e8, borrows: 9e7, gap: 0.01 },
        { symbol: 'USDT', priceSymbol: 'USDT', deposits: 5e7, borrows: 3.5e7, gap: 0.02 },
        { symbol: 'DAI', priceSymbol: 'DAI', deposits: 3e7, borrows: 2e7, gap: 0.04 },
        { symbol: 'WETH', priceSymbol: 'WETH', deposits: 1.5e8, borrows: 3e7, gap: 0.01 },
        { symbol: 'WBTC', priceSymbol: 'WBTC', deposits: 4e7, borrows: 1.2e7, gap: 0.05 },
        { symbol: 'LINK', priceSymbol: 'LINK', deposits: 5e6, borrows: 3e5, gap: 0.08 },
        { symbol: 'wstETH', priceSymbol: 'WSTETH', deposits: 1e8, borrows: 2e6, gap: 0.02 },
        { symbol: 'GHO', priceSymbol: 'USDC', deposits: 0, borrows: 2e6, gap: 0.1, historyDays: 120 },
    ],
};
/** Leverage: AR(1) in log space per debt token; it scales borrows and the liquidation hazard. */
const LEVERAGE_PERSISTENCE = 0.93;
const LEVERAGE_NOISE = 0.18;
/** Log-odds of a liquidation on a (day, debt token): added to DebtSpec.baseLogit. */
const HAZARD = {
    /** Per unit of market stress above the span's average. */
    stress: 2.0,
    /** Per unit of the debt token's latent leverage (stationary sd ~0.5). */
    leverage: 1.0,
    /** Per unit of the debt token's own 3-day log return / 5% (rally-sensitive debt only). */
    rally: 0.9,
    /** Per unit of stablecoin |deviation from 1| / 0.002 (depeg jitter shows stress on the stablecoin itself). */
    depeg: 0.25,
    /** Sd of day-to-day noise nobody can see. */
    noise: 0.3,
};
export function generateSyntheticDatasets(opts) {
    const { seed, days, startDay } = resolveOptions(opts);
    const random = new SeededRandom(seed);
    const lastDay = startDay + days - 1;
    const maxLead = Math.max(...PRICE_SPECS.map((spec) => spec.lead[1]));
    const firstDay = startDay - maxLead;
    const length = lastDay - firstDay + 1;
    const market = simulateMarket(random, firstDay, length);
    const index = (day) => day - firstDay;
    const priceOf = (symbol, day) => market.price.get(symbol)[index(day)];
    // --- token prices: each token from its own first day to the last liquidation day
    const token_prices = [];
    for (const spec of PRICE_SPECS) {
        const lead = Math.round(random.uniform(spec.lead[0], spec.lead[1]));
        let supply = spec.supply;
        const volumeNoise = 0.25;
        const prices = market.price.get(spec.symbol);
        for (let day = startDay - lead; day <= lastDay; day++) {
            const i = index(day);
            const value = prices[i];
            supply *= 1 + 0.001 * random.normal();
            const volume = spec.volume * Math.exp(0.6 * market.stress[i] + volumeNoise * random.normal());
            token_prices.push({ day, token: spec.symbol, price: value, market_cap: spec.supply === 0 ? 0 : value * supply, volumes_last_24h: volume });
        }
    }
    // --- latent leverage per debt token over the whole span
    const leverage = new Map();
    for (const spec of DEBT_SPECS) {
        let level = 0;
        const series = [];
        for (let i = 0; i < length; i++) {
            // stress unwinds leverage a little (repayments, liquidations): negative feedback keeps it stationary
            level = LEVERAGE_PERSISTENCE * level + LEVERAGE_NOISE * random.normal() - 0.03 * market.stress[i];
            series.push(level);
        }
        leverage.set(spec.symbol, series);
    }
    // --- deposits & borrows: v2 ends depositsEndGap days before the last liquidation, v3 two days later
    const activity = (version, first, last) => {
        const records = [];
        for (const spec of ACTIVITY_SPECS[version]) {
            const trend = random.uniform(-0.6, 0.8) / 365;
            let wander = 0;
            const lev = leverage.get(spec.symbol);
            const from = spec.historyDays !== undefined ? last - spec.historyDays + 1 : first;
            for (let day = from; day <= last; day++) {
                const i = index(day);
                wander = 0.85 * wander + 0.15 * random.normal();
                const skip = random.chance(spec.gap);
                const depositNoise = random.normal();
                const borrowNoise = random.normal();
                if (skip)
                    continue;
                const t = day - first;
                // flight to safety: stablecoin deposits rise with stress, volatile collateral is withdrawn
                const stablecoin = spec.priceSymbol === 'USDC' || spec.priceSymbol === 'USDT' || spec.priceSymbol === 'DAI';
                const stressEffect = (stablecoin ? 0.12 : -0.08) * market.stress[i];
                const deposits = spec.deposits * Math.exp(trend * t + wander + stressEffect + 0.5 * depositNoise);
                const borrows = spec.borrows * Math.exp(trend * t + (lev?.[i] ?? 0) + 0.1 * market.stress[i] + 0.2 * borrowNoise);
                records.push({ day, symbol: spec.symbol, deposits_volume: deposits, borrows_volume: borrows });
            }
        }
        // the real files are not sorted by day
        return shuffled(random, records);
    };
    const depositsEnd = lastDay - syntheticOptions.depositsEndGap;
    const deposits_borrows_v2 = activity('v2', startDay - 15, depositsEnd);
    const deposits_borrows_v3 = activity('v3', startDay - 9, depositsEnd + 2);
    // --- liquidations
    const liquidations = [];
    const addEvent = (day, debt, collateral, stress) => {
        const debtPrice = priceOf(debt.priceSymbol, day);
        const collateralPrice = priceOf(collateralPriceSymbol(collateral), day);
        const debtValue = Math.exp(8.2 + 1.5 * random.normal() + 0.3 * stress);
        const bonus = random.uniform(0.04, 0.11);
        const collateralValue = debtValue * (1 + bonus);
        const debtAmount = debtValue / debtPrice;
        const collateralAmount = collateralValue / collateralPrice;
        liquidations.push({
            version: random.chance(0.72) ? 'v2' : 'v3',
            record: {
                day,
                token_col: collateral,
                token_debt: debt.symbol,
                collateral_amount: collateralAmount,
                col_value_USD: collateralValue,
                col_current_value_USD: collateralAmount * priceOf(collateralPriceSymbol(collateral), lastDay),
                debt_amount: debtAmount,
                debt_value_USD: debtValue,
                debt_current_value_USD: debtAmount * priceOf(debt.priceSymbol, lastDay),
            },
        });
    };
    const collateralChoices = new Map(DEBT_SPECS.map((debt) => [debt.symbol, { names: debt.collateral.map(([name]) => name), weights: debt.collateral.map(([, weight]) => weight) }]));
    // Hazard relative to the span's typical stress: keeps the positive rate near 25% whatever regimes a seed draws.
    let typicalStress = 0;
    for (let day = startDay; day <= lastDay; day++)
        typicalStress += market.stress[index(day)] / days;
    for (let day = startDay; day <= lastDay; day++) {
        const i = index(day);
        const stress = market.stress[i];
        for (const debt of DEBT_SPECS) {
            let logit = debt.baseLogit + HAZARD.stress * (stress - typicalStress) + HAZARD.leverage * leverage.get(debt.symbol)[i] + HAZARD.noise * random.normal();
            const prices = market.price.get(debt.priceSymbol);
            if (debt.rallySensitive) {
                const rally = Math.log(prices[i] / prices[i - 3]);
                logit += HAZARD.rally * Math.max(0, rally) / 0.05;
            }
            else {
                logit += HAZARD.depeg * Math.abs(prices[i] - 1) / 0.002;
            }
            const forced = day === startDay && debt.symbol === 'USDC'; // the first day of the span has a liquidation, as in the real files
            if (!forced && !random.chance(sigmoid(logit)))
                continue;
            const events = 1 + random.poisson(0.4 + 0.6 * stress);
            const { names, weights } = collateralChoices.get(debt.symbol);
            for (let e = 0; e < events; e++) {
                const collateral = forced && e === 0 ? 'WETH' : names[random.pick(weights)];
                addEvent(day, debt, collateral, stress);
            }
        }
    }
    return {
        liquidations_v2: liquidations.filter((event) => event.version === 'v2').map((event) => event.record),
        liquidations_v3: liquidations.filter((event) => event.version === 'v3').map((event) => event.record),
        deposits_borrows_v2,
        deposits_borrows_v3,
        token_prices,
    };
}
function collateralPriceSymbol(collateral) {
    switch (collateral) {
        case 'stETH': return 'STETH';
        case 'wstETH': return 'WSTETH';
        case 'CRV': return 'UNI'; // no CRV series: any DeFi token moves alike
        default: return collateral;
    }
}
function sigmoid(x) {
    return 1 / (1 + Math.exp(-x));
}
function shuffled(random, items) {
    for (let i = items.length - 1; i > 0; i--) {
        const j = Math.floor(random.next() * (i + 1));
        const swap = items[i];
        items[i] = items[j];
        items[j] = swap;
    }
    return items;
}
function resolveOptions(opts) {
    const seed = opts.seed;
    const days = opts.days ?? syntheticOptions.days;
    const startDay = opts.startDay ?? syntheticOptions.startDay;
    if (!Number.isSafeInteger(seed))
        throw new DataError(`synthetic data: seed must be an integer, got ${String(seed)}`);
    if (!Number.isInteger(days) || days < syntheticOptions.minDays || days > syntheticOptions.maxDays) {
        throw new DataError(`synthetic data: days must be an integer from ${syntheticOptions.minDays} to ${syntheticOptions.maxDays} ` +
            `(the test set alone is the last 41 days), got ${String(days)}`);
    }
    // keep every generated day (including the price history before it) within 1970..9999
    if (!Number.isInteger(startDay) || startDay < 1000 || startDay > 2_900_000) {
        throw new DataError(`synthetic data: startDay must be an integer day number (days since 1970-01-01), got ${String(startDay)}`);
    }
    return { seed, days, startDay };
}
//# sourceMappingURL=synthetic.js.map