/**
 * Typed Giza records -> tables laid out like the real files (Giza column names, `date` for token prices), with the
 * day written the way a given source writes it. Used by tests, the real-data check script and anyone exporting
 * synthetic data; validateDataset reads every layout back to the same records.
 */
import * as arrow from 'apache-arrow';
import { DATASET_SCHEMAS } from './schema.js';
const MS_PER_DAY = 86_400_000;
const NS_PER_DAY = 86400000000000n;
/** The record interfaces have no index signature; the schema's field names are the bridge. */
function asAnyRecords(records) {
    return records;
}
/** Records -> plain rows keyed by the file's column names (for writeCsv or JSON). */
export function datasetRows(name, records, dayAs = 'iso') {
    const specs = DATASET_SCHEMAS[name];
    return asAnyRecords(records).map((record) => {
        const row = {};
        for (const spec of specs) {
            const value = record[spec.field];
            row[spec.column] = spec.kind === 'day' ? dayValue(value, dayAs) : value;
        }
        return row;
    });
}
function dayValue(day, dayAs) {
    return dayAs === 'iso' ? isoDate(day) : BigInt(day) * NS_PER_DAY;
}
export function isoDate(day) {
    return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}
/** Records -> Arrow table: Float64 numbers, Utf8 text, and the day column in the chosen layout. */
export function datasetTable(name, records, dayAs = 'iso') {
    const rows = asAnyRecords(records);
    const columns = {};
    for (const spec of DATASET_SCHEMAS[name]) {
        const values = rows.map((record) => record[spec.field]);
        if (spec.kind === 'day')
            columns[spec.column] = dayVector(values, dayAs);
        else if (spec.kind === 'number')
            columns[spec.column] = arrow.vectorFromArray(values, new arrow.Float64());
        else
            columns[spec.column] = arrow.vectorFromArray(values, new arrow.Utf8());
    }
    return new arrow.Table(columns);
}
function dayVector(days, dayAs) {
    switch (dayAs) {
        case 'iso': return arrow.vectorFromArray(days.map(isoDate), new arrow.Utf8());
        case 'epoch-ns': return arrow.vectorFromArray(days.map((day) => BigInt(day) * NS_PER_DAY), new arrow.Int64());
        // apache-arrow takes Timestamp and Date values as epoch milliseconds whatever the unit.
        case 'timestamp-ns': return arrow.vectorFromArray(days.map((day) => day * MS_PER_DAY), new arrow.TimestampNanosecond());
        case 'date32': return arrow.vectorFromArray(days.map((day) => new Date(day * MS_PER_DAY)), new arrow.DateDay());
    }
}
//# sourceMappingURL=tables.js.map