/**
 * Bytes -> apache-arrow Table for CSV, Parquet, Arrow IPC (stream and file) and JSON (array of records, object of
 * columns, NDJSON), plus the matching writers. Readers only decode: they do not know the Giza schema. CSV cells stay
 * text (Utf8, empty cell -> null) so that validate.ts can say exactly which cell is not a number or not a date.
 *
 * Row numbers in errors are 1-based data rows: the first record after the CSV header is row 1, the first element of
 * a JSON array or the first non-blank NDJSON line is row 1 (the same convention as validate.ts).
 */
import * as arrow from 'apache-arrow';
import { parse as parseCsv, CsvError } from 'csv-parse/sync';
import { Compression, readParquet as readParquetWasm, Table as WasmTable, writeParquet as writeParquetWasm, WriterPropertiesBuilder, } from 'parquet-wasm';
import { DataError } from '../errors.js';
const FORMAT_TITLES = {
    csv: 'CSV',
    parquet: 'Parquet',
    arrow: 'Arrow IPC',
    json: 'JSON',
};
const FORMAT_BY_EXTENSION = {
    csv: 'csv',
    parquet: 'parquet',
    pq: 'parquet',
    arrow: 'arrow',
    arrows: 'arrow',
    feather: 'arrow',
    ipc: 'arrow',
    json: 'json',
    ndjson: 'json',
    jsonl: 'json',
};
const FORMAT_BY_CONTENT_TYPE = {
    'text/csv': 'csv',
    'application/csv': 'csv',
    'application/vnd.apache.parquet': 'parquet',
    'application/x-parquet': 'parquet',
    'application/vnd.apache.arrow.stream': 'arrow',
    'application/vnd.apache.arrow.file': 'arrow',
    'application/json': 'json',
    'text/json': 'json',
    'application/x-ndjson': 'json',
    'application/ndjson': 'json',
    'application/jsonl': 'json',
    'application/x-jsonlines': 'json',
};
export function readTable(bytes, options) {
    const label = options.label ?? options.name;
    if (bytes.byteLength === 0)
        throw new DataError(`${label}: the file is empty`, { file: label });
    const choice = chooseFormat(bytes, options, label);
    try {
        return TABLE_READERS[choice.format](bytes, label);
    }
    catch (err) {
        if (err instanceof DataError)
            throw err;
        const why = err instanceof Error ? err.message : String(err);
        throw new DataError(`${label}: not a valid ${FORMAT_TITLES[choice.format]} file (format chosen by ${choice.reason}): ${why}`, { file: label });
    }
}
/** Explicit option, else file extension, else content type, else the first bytes. */
export function chooseFormat(bytes, options, label = options.name) {
    if (options.format !== undefined)
        return { format: options.format, reason: 'the format option' };
    const extension = fileExtension(options.name);
    const byExtension = extension === undefined ? undefined : FORMAT_BY_EXTENSION[extension];
    if (byExtension !== undefined)
        return { format: byExtension, reason: `extension .${extension}` };
    const mediaType = mediaTypeOf(options.contentType);
    const byContentType = mediaType === undefined ? undefined : FORMAT_BY_CONTENT_TYPE[mediaType];
    if (byContentType !== undefined)
        return { format: byContentType, reason: `content type ${mediaType}` };
    const sniffed = sniffFormat(bytes);
    if (sniffed !== undefined)
        return { format: sniffed, reason: 'the first bytes of the file' };
    throw new DataError(`${label}: not a recognised table format (expected CSV, Parquet, Arrow IPC or JSON${describeLeadingBytes(bytes)})`, { file: label });
}
function fileExtension(name) {
    const base = name.split(/[?#]/, 1)[0].split('/').pop() ?? '';
    const dot = base.lastIndexOf('.');
    return dot > 0 ? base.slice(dot + 1).toLowerCase() : undefined;
}
function mediaTypeOf(contentType) {
    const mediaType = contentType?.split(';', 1)[0].trim().toLowerCase();
    return mediaType === '' ? undefined : mediaType;
}
const PARQUET_MAGIC = 'PAR1';
const ARROW_FILE_MAGIC = 'ARROW1';
function startsWithAscii(bytes, magic) {
    if (bytes.byteLength < magic.length)
        return false;
    for (let i = 0; i < magic.length; i++)
        if (bytes[i] !== magic.charCodeAt(i))
            return false;
    return true;
}
function sniffFormat(bytes) {
    if (startsWithAscii(bytes, PARQUET_MAGIC))
        return 'parquet';
    if (startsWithAscii(bytes, ARROW_FILE_MAGIC))
        return 'arrow';
    // An Arrow IPC stream starts with the 0xFFFFFFFF continuation marker of its schema message.
    if (bytes.byteLength >= 8 && bytes[0] === 0xff && bytes[1] === 0xff && bytes[2] === 0xff && bytes[3] === 0xff) {
        return 'arrow';
    }
    const head = decodeTextPrefix(bytes);
    if (head === undefined)
        return undefined;
    const first = head.trimStart()[0];
    if (first === '{' || first === '[')
        return 'json';
    const firstLine = head.split(/\r?\n/, 1)[0];
    if (firstLine.includes(','))
        return 'csv';
    return undefined;
}
/** The first 4 KiB as text, or undefined if it holds NUL bytes or invalid UTF-8 (i.e. is not text). */
function decodeTextPrefix(bytes) {
    const prefix = bytes.subarray(0, 4096);
    if (prefix.includes(0))
        return undefined;
    // stream: true tolerates a multi-byte character cut at the 4 KiB boundary.
    try {
        return new TextDecoder('utf-8', { fatal: true }).decode(prefix, { stream: true });
    }
    catch {
        return undefined;
    }
}
function describeLeadingBytes(bytes) {
    if (bytes[0] === 0x1f && bytes[1] === 0x8b)
        return '; this looks gzip-compressed: decompress it first';
    const hex = Buffer.from(bytes.subarray(0, 8)).toString('hex').replace(/(..)/g, '$1 ').trim();
    return `; it starts with bytes ${hex}`;
}
const TABLE_READERS = {
    csv: readCsvTable,
    parquet: readParquetTable,
    arrow: readArrowTable,
    json: readJsonTable,
};
function decodeUtf8(bytes, label) {
    try {
        return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
    }
    catch {
        throw new DataError(`${label}: not UTF-8 text`, { file: label });
    }
}
function readCsvTable(bytes, label) {
    const rows = parseCsvRows(decodeUtf8(bytes, label), label);
    const [header, ...data] = rows;
    if (header === undefined)
        throw new DataError(`${label}: the CSV file has no header line`, { file: label });
    const names = checkedColumnNames(header.map((name) => name.trim()), label);
    const columns = {};
    names.forEach((name, index) => {
        // An empty CSV field is a missing value: null, like in Parquet or Arrow.
        columns[name] = textVector(data.map((row) => (row[index] === '' ? null : row[index])));
    });
    return new arrow.Table(columns);
}
/**
 * Builds the Utf8 buffers directly: arrow's vectorFromArray takes about 1 s for the 49,044 x 5 cells of the real
 * token file, this takes about 0.2 s.
 */
function textVector(cells) {
    const valueOffsets = new Int32Array(cells.length + 1);
    const nullBitmap = new Uint8Array((cells.length + 7) >> 3);
    let nullCount = 0;
    for (let i = 0; i < cells.length; i++) {
        const cell = cells[i];
        if (cell === null)
            nullCount++;
        else
            nullBitmap[i >> 3] |= 1 << (i & 7);
        valueOffsets[i + 1] = valueOffsets[i] + (cell === null ? 0 : Buffer.byteLength(cell));
    }
    // join turns null into '', which matches the zero-length slots written above.
    const data = Buffer.from(cells.join(''));
    const type = new arrow.Utf8();
    return arrow.makeVector(arrow.makeData({ type, length: cells.length, nullCount, valueOffsets, data, nullBitmap }));
}
function parseCsvRows(text, label) {
    try {
        return parseCsv(text, {
            bom: true,
            skip_empty_lines: true,
        });
    }
    catch (err) {
        if (!(err instanceof CsvError))
            throw err;
        // csv-parse counts the header among its records, so the failing record is data row `records`.
        const row = typeof err.records === 'number' && err.records > 0 ? err.records : undefined;
        const where = row === undefined ? '' : `, row ${row}`;
        throw new DataError(`${label}${where}: malformed CSV: ${err.message}`, { file: label, row });
    }
}
function checkedColumnNames(names, label) {
    const seen = new Set();
    names.forEach((name, index) => {
        if (name === '')
            throw new DataError(`${label}: column ${index + 1} has no name in the header`, { file: label });
        if (seen.has(name))
            throw new DataError(`${label}: column '${name}' appears twice`, { file: label, column: name });
        seen.add(name);
    });
    return names;
}
function readParquetTable(bytes) {
    // readParquet and intoIPCStream both consume the wasm objects, so nothing is left to free.
    return arrow.tableFromIPC(readParquetWasm(bytes).intoIPCStream());
}
function readArrowTable(bytes, label) {
    const table = arrow.tableFromIPC(bytes);
    // Garbage that happens to look like a stream decodes to a table without a schema instead of throwing.
    if (table.schema.fields.length === 0) {
        throw new DataError(`${label}: not a valid Arrow IPC file (no schema found)`, { file: label });
    }
    return table;
}
function readJsonTable(bytes, label) {
    const text = decodeUtf8(bytes, label).replace(/^\uFEFF/, '');
    return tableFromRecords(parseJsonRecords(text, label));
}
/** An array of records, an object of equal-length column arrays, or NDJSON (one record per line). */
function parseJsonRecords(text, label) {
    let value;
    try {
        value = JSON.parse(text);
    }
    catch (err) {
        if (text.trimStart().startsWith('{'))
            return parseNdjsonRecords(text, label);
        throw new DataError(`${label}: invalid JSON: ${err.message}`, { file: label });
    }
    if (Array.isArray(value))
        return value.map((item, index) => checkedJsonRecord(item, label, index + 1));
    if (isPlainObject(value))
        return isColumnObject(value) ? columnsToRecords(value) : [value];
    throw new DataError(`${label}: expected an array of records, an object of columns or NDJSON`, { file: label });
}
function parseNdjsonRecords(text, label) {
    const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
    return lines.map((line, index) => {
        let value;
        try {
            value = JSON.parse(line);
        }
        catch (err) {
            throw new DataError(`${label}, row ${index + 1}: invalid NDJSON line: ${err.message}`, { file: label, row: index + 1 });
        }
        return checkedJsonRecord(value, label, index + 1);
    });
}
function checkedJsonRecord(value, label, row) {
    if (isPlainObject(value))
        return value;
    throw new DataError(`${label}, row ${row}: expected a JSON object (a record), got ${jsonKind(value)}`, { file: label, row });
}
function isPlainObject(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}
function jsonKind(value) {
    if (value === null)
        return 'null';
    return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}
function isColumnObject(value) {
    const columns = Object.values(value);
    const first = columns[0];
    if (!Array.isArray(first))
        return false;
    return columns.every((column) => Array.isArray(column) && column.length === first.length);
}
function columnsToRecords(columns) {
    const names = Object.keys(columns);
    const length = columns[names[0]].length;
    return Array.from({ length }, (_, row) => Object.fromEntries(names.map((name) => [name, columns[name][row]])));
}
/**
 * Plain records -> Arrow table. Columns are the union of the keys (first-seen order); a missing key is null.
 * A column whose values are all numbers becomes Float64, all booleans Bool; anything else becomes text (numbers
 * written with String, objects with JSON.stringify), so that validation still sees every value.
 */
export function tableFromRecords(records) {
    const names = [...new Set(records.flatMap((record) => Object.keys(record)))];
    const columns = {};
    for (const name of names) {
        const cells = records.map((record) => record[name] ?? null);
        columns[name] = vectorFromCells(cells);
    }
    return new arrow.Table(columns);
}
function vectorFromCells(cells) {
    const present = cells.filter((cell) => cell !== null);
    if (present.length > 0 && present.every((cell) => typeof cell === 'number')) {
        return arrow.vectorFromArray(cells, new arrow.Float64());
    }
    if (present.length > 0 && present.every((cell) => typeof cell === 'boolean')) {
        return arrow.vectorFromArray(cells, new arrow.Bool());
    }
    return textVector(cells.map((cell) => (cell === null ? null : cellText(cell))));
}
function cellText(cell) {
    if (typeof cell === 'string')
        return cell;
    if (typeof cell === 'object')
        return JSON.stringify(cell);
    return String(cell);
}
// ---------------------------------------------------------------------------------------------------------------
// Writers (tests, scripts, exports): the readers above read back everything they write.
export function writeParquet(table) {
    const wasmTable = WasmTable.fromIPCStream(arrow.tableToIPC(table, 'stream'));
    // Snappy like the Giza hub files; writeParquet consumes both wasm objects.
    const properties = new WriterPropertiesBuilder().setCompression(Compression.SNAPPY).build();
    return writeParquetWasm(wasmTable, properties);
}
export function writeArrowStream(table) {
    return arrow.tableToIPC(table, 'stream');
}
export function writeArrowFile(table) {
    return arrow.tableToIPC(table, 'file');
}
/**
 * Records -> CSV bytes (RFC 4180, '\n' line ends, header from `columns` or the union of the keys). null and
 * undefined are empty fields, bigint is written exactly (epoch ns), Date as an ISO timestamp.
 */
export function writeCsv(records, columns) {
    const names = columns ?? [...new Set(records.flatMap((record) => Object.keys(record)))];
    const lines = [names.map(csvField).join(',')];
    for (const record of records) {
        lines.push(names.map((name) => csvField(csvCellText(record[name]))).join(','));
    }
    return new TextEncoder().encode(lines.join('\n') + '\n');
}
function csvCellText(value) {
    if (value === null || value === undefined)
        return '';
    if (value instanceof Date)
        return value.toISOString();
    return cellText(value);
}
function csvField(text) {
    return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
//# sourceMappingURL=readers.js.map