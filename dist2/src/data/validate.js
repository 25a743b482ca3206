/**
 * Arrow Table -> typed Giza records (types.ts), or a DataError that says which file, column and row is wrong.
 *
 * Row numbers are 1-based data rows: row 1 is the first record after a CSV header, the first element of a JSON array,
 * the first row of a Parquet/Arrow table (i.e. Arrow row index + 1). A CSV record spanning several lines (quoted
 * newline) still counts as one row, so row N is the N-th record, not necessarily line N + 1 of the file.
 *
 * Accepted cells:
 * - day: Arrow Timestamp (any unit, any time zone) or Date32/Date64, floored to the UTC day; an integer of 19 digits
 *   (Int64, text or JSON number) is epoch nanoseconds, the Giza CSV quirk, divided exactly with BigInt when given as
 *   text or Int64; text 'YYYY-MM-DD', 'YYYY-MM-DD HH:MM[:SS[.fff]]' or ISO 'YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM]'
 *   (no offset means UTC), floored to the UTC day.
 * - number: finite JS number (any Arrow int/float type), bigint (Int64), Arrow Decimal (scale applied), or decimal text ('1.5', '-2e3'; no hex, no 'NaN', no 'Infinity'). An empty cell
 *   is an error unless the schema gives the column an `emptyAs` value (schema.ts: only token_prices.market_cap).
 * - text: a non-empty string, surrounding whitespace trimmed, case kept (stETH vs STETH is the feature pipeline's job).
 */
import * as arrow from 'apache-arrow';
import { DataError } from '../errors.js';
import { DATASET_SCHEMAS } from './schema.js';
const MS_PER_DAY = 86_400_000;
const NS_PER_DAY = 86400000000000n;
/** 19-digit integers are epoch nanoseconds between 2001-09-09 and 2286-11-20: every plausible Giza day. */
const MIN_EPOCH_NS = 1000000000000000000n;
const MAX_EPOCH_NS = 9999999999999999999n;
export function validateDataset(name, table, fileLabel) {
    if (table.numRows === 0)
        throw new DataError(`${fileLabel}: no data rows`, { file: fileLabel });
    const columns = DATASET_SCHEMAS[name].map((spec) => {
        const field = findField(table.schema, spec.column, fileLabel);
        // Iterating (unlike toArray) yields null for missing cells and epoch ms for Timestamp/Date cells.
        const values = [...table.getChild(field.name)];
        return { spec, values, read: cellReader(spec, field, fileLabel) };
    });
    const records = new Array(table.numRows);
    for (let index = 0; index < table.numRows; index++) {
        const record = {};
        for (const column of columns)
            record[column.spec.field] = column.read(column.values[index], index + 1);
        records[index] = record;
    }
    return records;
}
/** Exact name first; else a unique case-insensitive match (some exports lower-case headers: col_value_usd). */
function findField(schema, column, fileLabel) {
    const exact = schema.fields.find((field) => field.name === column);
    if (exact !== undefined)
        return exact;
    const folded = schema.fields.filter((field) => field.name.trim().toLowerCase() === column.toLowerCase());
    if (folded.length === 1)
        return folded[0];
    const found = schema.fields.map((field) => field.name).join(', ');
    throw new DataError(`${fileLabel}: missing column '${column}' (columns found: ${found})`, { file: fileLabel, column });
}
function cellReader(spec, field, fileLabel) {
    const fail = (row, message) => {
        throw new DataError(`${fileLabel}, row ${row}, column ${spec.column}: ${message}`, { file: fileLabel, column: spec.column, row });
    };
    switch (spec.kind) {
        case 'day': return dayReader(field.type, fail);
        case 'number': return numberReader(spec, field.type, fail);
        case 'text': return textReader(fail);
    }
}
function isEmpty(value) {
    return value === null || value === undefined || (typeof value === 'string' && value.trim() === '');
}
function dayReader(type, fail) {
    // apache-arrow returns Timestamp (every unit, as a UTC instant) and Date32/Date64 cells as epoch milliseconds.
    const isCalendarType = arrow.DataType.isTimestamp(type) || arrow.DataType.isDate(type);
    return (value, row) => {
        if (isEmpty(value))
            return fail(row, 'empty cell (a date is required)');
        if (isCalendarType && typeof value === 'number')
            return Math.floor(value / MS_PER_DAY);
        if (typeof value === 'bigint')
            return epochNsToDay(value) ?? fail(row, notEpochNs(value));
        if (typeof value === 'number')
            return epochNsNumberToDay(value) ?? fail(row, notEpochNs(value));
        if (typeof value === 'string')
            return parseDayText(value.trim()) ?? fail(row, notADate(value));
        return fail(row, `${describe(value)} is not a date`);
    };
}
function notEpochNs(value) {
    return `${value} is not a date (an integer day must be epoch nanoseconds: 19 digits, e.g. 1681171200000000000)`;
}
function notADate(text) {
    return `'${text}' is not a date (expected YYYY-MM-DD, an ISO timestamp or epoch nanoseconds)`;
}
function epochNsToDay(ns) {
    if (ns < MIN_EPOCH_NS || ns > MAX_EPOCH_NS)
        return undefined;
    return Number(ns / NS_PER_DAY); // positive, so truncation is the floor
}
/**
 * A JSON number holds only 53 bits, so an arbitrary nanosecond is rounded, but every UTC midnight is exact:
 * 86,400e9 = 2^16 * 1,318,359,375, so midnight ns values keep at most 53 significant bits until about 2286.
 */
function epochNsNumberToDay(ns) {
    if (!Number.isInteger(ns) || ns < 1e18 || ns >= 1e19)
        return undefined;
    return Math.floor(ns / Number(NS_PER_DAY));
}
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const EPOCH_NS_TEXT = /^\d{19}$/;
/**
 * Hand-parsed on purpose: Date.parse reads 'YYYY-MM-DD HH:MM:SS' and offset-less ISO timestamps in the process's
 * local time zone, which would make the day depend on the machine.
 */
export function parseDayText(text) {
    if (EPOCH_NS_TEXT.test(text))
        return epochNsToDay(BigInt(text));
    const dateOnly = DATE_ONLY.exec(text);
    if (dateOnly !== null)
        return utcDay(Number(dateOnly[1]), Number(dateOnly[2]), Number(dateOnly[3]));
    const dateTime = DATE_TIME.exec(text);
    if (dateTime === null)
        return undefined;
    const [, year, month, day, hours, minutes, seconds = '0', , offset] = dateTime;
    const calendarDay = utcDay(Number(year), Number(month), Number(day));
    if (calendarDay === undefined || Number(hours) > 23 || Number(minutes) > 59 || Number(seconds) > 59)
        return undefined;
    const offsetMinutes = offset === undefined ? 0 : parseOffsetMinutes(offset);
    if (offsetMinutes === undefined)
        return undefined;
    const minuteOfDay = Number(hours) * 60 + Number(minutes) - offsetMinutes;
    return calendarDay + Math.floor(minuteOfDay / (24 * 60));
}
/** Whole days since 1970-01-01 for a valid calendar date, undefined for e.g. 2023-02-30. */
function utcDay(year, month, day) {
    const ms = Date.UTC(year, month - 1, day);
    const date = new Date(ms);
    if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day)
        return undefined;
    return ms / MS_PER_DAY;
}
function parseOffsetMinutes(offset) {
    if (offset.toUpperCase() === 'Z')
        return 0;
    const match = /^([+-])(\d{2}):?(\d{2})$/.exec(offset);
    if (match === null || Number(match[2]) > 23 || Number(match[3]) > 59)
        return undefined;
    const minutes = Number(match[2]) * 60 + Number(match[3]);
    return match[1] === '-' ? -minutes : minutes;
}
const DECIMAL_TEXT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
function numberReader(spec, type, fail) {
    // Decimal cells come back unscaled (123.45 as 12345): arrow's helper applies the column's scale.
    const decimalScale = arrow.DataType.isDecimal(type) ? type.scale : undefined;
    return (value, row) => {
        if (isEmpty(value))
            return spec.emptyAs ?? fail(row, 'empty cell (a number is required)');
        const number = decimalScale === undefined ? toNumber(value) : decimalToNumber(value, decimalScale);
        if (number === undefined)
            return fail(row, `${describe(value)} is not a number`);
        if (!Number.isFinite(number))
            return fail(row, `${describe(value)} is not a finite number`);
        return number;
    };
}
function decimalToNumber(value, scale) {
    if (value === null || typeof value !== 'object')
        return undefined;
    return arrow.util.bigNumToNumber(value, scale);
}
/** Number() alone would accept '0x10', ' ' and 'Infinity'; only plain decimal text counts. */
function toNumber(value) {
    if (typeof value === 'number')
        return value;
    if (typeof value === 'bigint')
        return Number(value);
    if (typeof value === 'string' && DECIMAL_TEXT.test(value.trim()))
        return Number(value.trim());
    return undefined;
}
function textReader(fail) {
    return (value, row) => {
        if (isEmpty(value))
            return fail(row, 'empty cell (a token symbol is required)');
        if (typeof value !== 'string')
            return fail(row, `${describe(value)} is not text`);
        return value.trim();
    };
}
function describe(value) {
    if (typeof value === 'string')
        return `'${value.length > 40 ? value.slice(0, 40) + '…' : value}'`;
    if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
        return String(value);
    return `a value of type ${value === null ? 'null' : typeof value}`;
}
//# sourceMappingURL=validate.js.map