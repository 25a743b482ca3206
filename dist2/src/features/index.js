/**
 * The feature pipeline (docs/METHOD.md sections 2-4): Giza datasets in, labelled and split feature rows with
 * a min-max scaler fitted on the training rows out. Values stay raw (unscaled): training and the exported
 * model apply `scaler`.
 */
import { DataError } from '../errors.js';
import { buildDailyTable } from './daily-table.js';
import { computeFeatures, featureNames } from './features.js';
import { fitMinMaxScaler } from './scaler.js';
import { isoDay, splitByDay, TEST_DAYS } from './split.js';
export { buildDailyTable, COLLATERAL_TOKENS, DEBT_TOKENS, TOKEN_LIST, TOKEN_LIST_UPPER, WARMUP_DAYS } from './daily-table.js';
export { BASE_COLUMNS, computeFeatures, FEATURE_NAMES, featureNames, ROLLED_COLUMNS } from './features.js';
export { splitByDay, TEST_DAYS } from './split.js';
export { fitMinMaxScaler, parseScaler, scaleRow, scaleRows, scalerCoefficients, serializeScaler } from './scaler.js';
export const FEATURE_VARIANTS = ['tutorial', 'per-token'];
export const FEATURE_WINDOWS = [3, 7];
export function buildFeatureDataset(data, opts) {
    const { variant, window } = opts;
    if (!FEATURE_VARIANTS.includes(variant))
        throw new DataError(`unknown feature variant '${String(variant)}': use ${FEATURE_VARIANTS.join(' or ')}`);
    if (!FEATURE_WINDOWS.includes(window))
        throw new DataError(`unknown window ${String(window)}: use 3 or 7 (days)`);
    const table = buildDailyTable(data);
    const rows = computeFeatures(table, variant, window);
    const { train, test, testFromDay } = splitByDay(rows, TEST_DAYS);
    if (test.day.length === 0)
        throw new DataError(`no test rows on or after ${isoDay(testFromDay)}`);
    const names = featureNames(window);
    return {
        variant,
        window,
        featureNames: names,
        testFromDay,
        train,
        test,
        scaler: fitMinMaxScaler(train.X, names),
    };
}
//# sourceMappingURL=index.js.map