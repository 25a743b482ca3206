/**
 * docs/METHOD.md section 4: min-max scaling fitted on the training rows only, with scikit-learn's
 * MinMaxScaler arithmetic so that scaled values match the reference to the last bit:
 * scale = 1 / (max - min) (1 for a constant column), offset = -min * scale, scaled = x * scale + offset.
 */
import { DataError } from '../errors.js';
/** sklearn _handle_zeros_in_scale: a range this small is a constant column, scaled by 1 (shifted to 0). */
const CONSTANT_RANGE = 10 * Number.EPSILON;
export function fitMinMaxScaler(X, featureNames) {
    if (X.length === 0)
        throw new DataError('cannot fit the min-max scaler: the training set has no rows');
    const width = X[0].length;
    const min = new Array(width).fill(Infinity);
    const max = new Array(width).fill(-Infinity);
    X.forEach((row, r) => {
        if (row.length !== width)
            throw new DataError(`training row ${r} has ${row.length} values, expected ${width}`, { row: r });
        row.forEach((value, c) => {
            if (!Number.isFinite(value)) {
                throw new DataError(`training row ${r} has a non-finite value (${value}) in ${featureNames?.[c] ?? `column ${c}`}`, { row: r, column: featureNames?.[c] ?? String(c) });
            }
            if (value < min[c])
                min[c] = value;
            if (value > max[c])
                max[c] = value;
        });
    });
    return { min, max };
}
/** Per-column x * scale + offset: what an exported model puts in front of its first layer. */
export function scalerCoefficients(scaler) {
    const scale = scaler.min.map((min, c) => {
        const range = scaler.max[c] - min;
        return 1 / (range < CONSTANT_RANGE ? 1 : range);
    });
    const offset = scaler.min.map((min, c) => 0 - min * scale[c]);
    return { scale, offset };
}
export function scaleRows(scaler, X) {
    const { scale, offset } = scalerCoefficients(scaler);
    return X.map((row, r) => {
        if (row.length !== scale.length)
            throw new DataError(`row ${r} has ${row.length} values, the scaler expects ${scale.length}`, { row: r });
        return row.map((value, c) => value * scale[c] + offset[c]);
    });
}
export function scaleRow(scaler, row) {
    return scaleRows(scaler, [row])[0];
}
/** The scaler as it is stored with a model version. */
export function serializeScaler(scaler) {
    return { min: [...scaler.min], max: [...scaler.max] };
}
/** Reads a stored scaler back, saying what is wrong with it. */
export function parseScaler(value, width) {
    const candidate = value;
    const isNumbers = (list) => Array.isArray(list) && list.every((item) => typeof item === 'number' && Number.isFinite(item));
    if (candidate === null || typeof candidate !== 'object' || !isNumbers(candidate.min) || !isNumbers(candidate.max)) {
        throw new DataError('scaler must be {min: number[], max: number[]} with finite numbers');
    }
    if (candidate.min.length !== candidate.max.length) {
        throw new DataError(`scaler min has ${candidate.min.length} values but max has ${candidate.max.length}`);
    }
    if (width !== undefined && candidate.min.length !== width) {
        throw new DataError(`scaler has ${candidate.min.length} columns, expected ${width}`);
    }
    const { min, max } = candidate;
    min.forEach((low, c) => {
        if (low > max[c])
            throw new DataError(`scaler column ${c} has min ${low} > max ${max[c]}`);
    });
    return { min: [...min], max: [...max] };
}
//# sourceMappingURL=scaler.js.map