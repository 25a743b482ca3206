import t from 'tap';
import fc from 'fast-check';
import * as arrow from 'apache-arrow';
import { readTable, writeParquet, tableFromRecords } from '../../src/data/readers.js';
import { datasetRows, datasetTable, isoDate } from '../../src/data/tables.js';
import { parseDayText, validateDataset } from '../../src/data/validate.js';
import { requiredColumns } from '../../src/data/schema.js';
import { DATASET_NAMES } from '../../src/data/types.js';
import { bytes, dataErrorOf, DAY_A, DAY_A_NS, LIQUIDATIONS_CSV, PRICES_CSV, SAMPLE } from '../helpers/data-fixtures.js';
const MS_PER_DAY = 86_400_000;
t.test('the real liquidation CSV layout: epoch-ns day, extra columns ignored, token case kept', async (t) => {
    const records = validateDataset('liquidations_v2', readTable(bytes(LIQUIDATIONS_CSV), { name: 'l.csv' }), 'l.csv');
    t.same(records, SAMPLE.liquidations_v2);
    t.equal(records[1].token_col, 'stETH');
});
t.test('epoch-ns text is divided exactly and floored to the UTC day', async (t) => {
    t.equal(parseDayText(DAY_A_NS), DAY_A);
    // One nanosecond before midnight is still the previous day: a double would round it up to midnight.
    t.equal(parseDayText('1681171199999999999'), DAY_A - 1);
    t.equal(parseDayText('1681257599999999999'), DAY_A);
    t.equal(parseDayText('1681171200000000000'.slice(1)), undefined, '18 digits is not epoch ns');
    t.equal(parseDayText('19458'), undefined, 'a bare day count is refused, not read as 1970');
});
t.test('ISO date and timestamp spellings', async (t) => {
    const cases = [
        ['2023-04-11', DAY_A],
        ['2023-04-11 00:00:00', DAY_A],
        ['2023-04-11 23:59:59', DAY_A],
        ['2023-04-11T12:30:00Z', DAY_A],
        ['2023-04-11T12:30:00.123456Z', DAY_A],
        ['2023-04-11T12:30', DAY_A],
        ['2023-04-11T01:00:00+02:00', DAY_A - 1],
        ['2023-04-11T23:00:00-02:00', DAY_A + 1],
        ['2023-04-11T00:00:00+0000', DAY_A],
        ['1970-01-01', 0],
        ['2024-02-29', 19782],
        ['2023-02-29', undefined],
        ['2023-13-01', undefined],
        ['2023-04-11T24:00:00Z', undefined],
        ['11/04/2023', undefined],
        ['2023-4-11', undefined],
        ['yesterday', undefined],
        ['', undefined],
    ];
    for (const [text, day] of cases)
        t.equal(parseDayText(text), day, text);
});
t.test('property: ISO date text and epoch-ns text give the same day', async (t) => {
    fc.assert(fc.property(fc.integer({ min: 11_575, max: 100_000 }), fc.bigInt({ min: 0n, max: 86399999999999n }), (day, nsIntoDay) => {
        const ns = BigInt(day) * 86400000000000n + nsIntoDay;
        return parseDayText(isoDate(day)) === day && parseDayText(ns.toString()) === day;
    }));
    t.pass('property holds');
});
t.test('Arrow/Parquet day types: Timestamp in every unit, Date32, Date64, Int64 ns', async (t) => {
    const noon = DAY_A * MS_PER_DAY + 12 * 3_600_000;
    const dayColumns = [
        ['timestamp s', arrow.vectorFromArray([noon], new arrow.TimestampSecond())],
        ['timestamp ms', arrow.vectorFromArray([noon], new arrow.TimestampMillisecond())],
        ['timestamp us', arrow.vectorFromArray([noon], new arrow.TimestampMicrosecond())],
        ['timestamp ns', arrow.vectorFromArray([noon], new arrow.TimestampNanosecond())],
        ['timestamp ms UTC', arrow.vectorFromArray([noon], new arrow.Timestamp(arrow.TimeUnit.MILLISECOND, 'UTC'))],
        ['date32', arrow.vectorFromArray([new Date(DAY_A * MS_PER_DAY)], new arrow.DateDay())],
        ['date64', arrow.vectorFromArray([new Date(DAY_A * MS_PER_DAY)], new arrow.DateMillisecond())],
        ['int64 ns', arrow.vectorFromArray([BigInt(DAY_A_NS)], new arrow.Int64())],
        ['utf8 iso', arrow.vectorFromArray(['2023-04-11 08:00:00'], new arrow.Utf8())],
    ];
    for (const [what, day] of dayColumns) {
        const table = new arrow.Table({
            day,
            symbol: arrow.vectorFromArray(['WETH'], new arrow.Utf8()),
            deposits_volume: arrow.vectorFromArray([1.5], new arrow.Float32()),
            borrows_volume: arrow.vectorFromArray([2n], new arrow.Int64()),
        });
        const expected = [{ day: DAY_A, symbol: 'WETH', deposits_volume: 1.5, borrows_volume: 2 }];
        t.same(validateDataset('deposits_borrows_v2', table, 'f'), expected, what);
        // The same table through Parquet (which may change the physical type, e.g. Date64) reads the same.
        const viaParquet = readTable(writeParquet(table), { name: 'f.parquet' });
        t.same(validateDataset('deposits_borrows_v2', viaParquet, 'f.parquet'), expected, `${what} via Parquet`);
    }
});
t.test('every day layout of datasetTable reads back', async (t) => {
    for (const dayAs of ['iso', 'epoch-ns', 'timestamp-ns', 'date32']) {
        for (const name of DATASET_NAMES) {
            t.same(validateDataset(name, datasetTable(name, SAMPLE[name], dayAs), 'f'), SAMPLE[name], `${name} ${dayAs}`);
        }
    }
});
t.test('JSON numbers for epoch-ns days (midnights are exact doubles)', async (t) => {
    const rows = datasetRows('liquidations_v2', SAMPLE.liquidations_v2, 'epoch-ns')
        .map((row) => ({ ...row, day: Number(row.day) }));
    t.same(validateDataset('liquidations_v2', tableFromRecords(rows), 'j'), SAMPLE.liquidations_v2);
});
t.test('column names: exact first, else a unique case-insensitive match', async (t) => {
    const lower = LIQUIDATIONS_CSV.replace(/_USD/g, '_usd');
    t.same(validateDataset('liquidations_v2', readTable(bytes(lower), { name: 'l.csv' }), 'l'), SAMPLE.liquidations_v2);
});
t.test('number spellings: decimal text, exponent, surrounding spaces; market_cap empty is 0', async (t) => {
    const csv = 'date,price,market_cap,volumes_last_24h,token\n' +
        '2023-04-11, 1893.2 ,,5.47765e4,WETH\n' +
        '2023-04-11,-.5,+3.,0,STETH\n';
    t.same(validateDataset('token_prices', readTable(bytes(csv), { name: 'p.csv' }), 'p.csv'), [
        { day: DAY_A, token: 'WETH', price: 1893.2, market_cap: 0, volumes_last_24h: 54776.5 },
        { day: DAY_A, token: 'STETH', price: -0.5, market_cap: 3, volumes_last_24h: 0 },
    ]);
});
function pricesWith(cells, row = 2) {
    const lines = PRICES_CSV.trimEnd().split('\n');
    const header = lines[0].split(',');
    const values = lines[row].split(',');
    for (const [column, value] of Object.entries(cells))
        values[header.indexOf(column)] = value ?? '';
    lines[row] = values.join(',');
    return lines.join('\n') + '\n';
}
t.test('malformed cells name the file, column and 1-based data row', async (t) => {
    const cases = [
        { what: 'text in a number column', csv: pricesWith({ price: 'abc' }), column: 'price', row: 2,
            message: /^p\.csv, row 2, column price: 'abc' is not a number$/ },
        { what: 'hex is not a number', csv: pricesWith({ price: '0x10' }), column: 'price', row: 2, message: /'0x10' is not a number/ },
        { what: 'NaN', csv: pricesWith({ volumes_last_24h: 'NaN' }), column: 'volumes_last_24h', row: 2, message: /'NaN' is not a number/ },
        { what: 'infinite', csv: pricesWith({ price: '1e999' }), column: 'price', row: 2, message: /'1e999' is not a finite number/ },
        { what: 'empty price', csv: pricesWith({ price: '' }, 1), column: 'price', row: 1, message: /row 1, column price: empty cell/ },
        { what: 'empty volume', csv: pricesWith({ volumes_last_24h: '' }), column: 'volumes_last_24h', row: 2, message: /empty cell/ },
        { what: 'bad date', csv: pricesWith({ date: '2023-02-30' }), column: 'date', row: 2,
            message: /row 2, column date: '2023-02-30' is not a date/ },
        { what: 'empty date', csv: pricesWith({ date: '' }), column: 'date', row: 2, message: /column date: empty cell/ },
        { what: 'empty token', csv: pricesWith({ token: '' }), column: 'token', row: 2, message: /column token: empty cell/ },
        { what: 'missing column', csv: PRICES_CSV.replace('market_cap', 'mcap'), column: 'market_cap',
            message: /^p\.csv: missing column 'market_cap' \(columns found: date, price, mcap, volumes_last_24h, token\)$/ },
        { what: 'header only', csv: 'date,price,market_cap,volumes_last_24h,token\n', message: /^p\.csv: no data rows$/ },
    ];
    for (const { what, csv, column, row, message } of cases) {
        const err = await dataErrorOf(() => validateDataset('token_prices', readTable(bytes(csv), { name: 'p.csv' }), 'p.csv'));
        t.ok(err, `${what}: DataError`);
        t.match(err?.message, message, what);
        const where = { file: 'p.csv', ...(column === undefined ? {} : { column }), ...(row === undefined ? {} : { row }) };
        t.same(err?.where, where, `${what}: where`);
        t.equal(err?.statusCode, 400, `${what}: 400`);
    }
});
t.test('malformed liquidation days (epoch-ns quirk)', async (t) => {
    const cases = [
        ['168117120000000000', /'168117120000000000' is not a date/],
        ['1681171200000000000.5', /is not a date/],
    ];
    for (const [day, message] of cases) {
        const csv = LIQUIDATIONS_CSV.replace(DAY_A_NS, day);
        const err = await dataErrorOf(() => validateDataset('liquidations_v2', readTable(bytes(csv), { name: 'l.csv' }), 'l.csv'));
        t.match(err?.message, message, day);
        t.same(err?.where, { file: 'l.csv', column: 'day', row: 1 });
    }
    const int64Day = new arrow.Table({
        day: arrow.vectorFromArray([19458n], new arrow.Int64()),
        symbol: arrow.vectorFromArray(['WETH'], new arrow.Utf8()),
        deposits_volume: arrow.vectorFromArray([1], new arrow.Float64()),
        borrows_volume: arrow.vectorFromArray([1], new arrow.Float64()),
    });
    const err = await dataErrorOf(() => validateDataset('deposits_borrows_v2', int64Day, 'd.parquet'));
    t.match(err?.message, /d\.parquet, row 1, column day: 19458 is not a date \(an integer day must be epoch nanoseconds/);
});
t.test('Arrow nulls in number columns are empty cells; row numbers count across record batches', async (t) => {
    const batch = (prices) => new arrow.Table({
        date: arrow.vectorFromArray(prices.map(() => '2023-04-11'), new arrow.Utf8()),
        price: arrow.vectorFromArray(prices, new arrow.Float64()),
        market_cap: arrow.vectorFromArray(prices.map(() => null), new arrow.Float64()),
        volumes_last_24h: arrow.vectorFromArray(prices.map(() => 1), new arrow.Float64()),
        token: arrow.vectorFromArray(prices.map(() => 'WETH'), new arrow.Utf8()),
    });
    const table = batch([1, 2]).concat(batch([3, null]));
    t.equal(table.batches.length, 2);
    const err = await dataErrorOf(() => validateDataset('token_prices', table, 'b.arrow'));
    t.same(err?.where, { file: 'b.arrow', column: 'price', row: 4 });
    t.match(err?.message, /row 4, column price: empty cell/);
});
t.test('Arrow Decimal number columns are scaled, also through Parquet', async (t) => {
    const table = new arrow.Table({
        day: arrow.vectorFromArray(['2023-04-11'], new arrow.Utf8()),
        symbol: arrow.vectorFromArray(['DAI'], new arrow.Utf8()),
        deposits_volume: arrow.vectorFromArray([new Uint32Array([12345, 0, 0, 0])], new arrow.Decimal(2, 10, 128)),
        borrows_volume: arrow.vectorFromArray([new Uint32Array([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff])], new arrow.Decimal(2, 10, 128)),
    });
    const expected = [{ day: DAY_A, symbol: 'DAI', deposits_volume: 123.45, borrows_volume: -0.01 }];
    t.same(validateDataset('deposits_borrows_v3', table, 'd'), expected);
    t.same(validateDataset('deposits_borrows_v3', readTable(writeParquet(table), { name: 'd.parquet' }), 'd'), expected);
});
t.test('required columns per dataset (docs/METHOD.md section 1)', async (t) => {
    t.same(requiredColumns('token_prices'), ['date', 'price', 'market_cap', 'volumes_last_24h', 'token']);
    t.same(requiredColumns('deposits_borrows_v3'), ['day', 'symbol', 'deposits_volume', 'borrows_volume']);
    t.equal(requiredColumns('liquidations_v3').length, 9);
});
//# sourceMappingURL=validate.test.js.map