import t from 'tap'
import * as arrow from 'apache-arrow'
import {
  readTable, writeArrowFile, writeArrowStream, writeCsv, writeParquet, type TableFormat,
} from '../../src/data/readers.js'
import { datasetRows, datasetTable } from '../../src/data/tables.js'
import { validateDataset } from '../../src/data/validate.js'
import { DATASET_NAMES } from '../../src/data/types.js'
import { bytes, dataErrorOf, PRICES_CSV, SAMPLE } from '../helpers/data-fixtures.js'

t.test('every format round-trips every dataset to the same records', async (t) => {
  for (const name of DATASET_NAMES) {
    const records = SAMPLE[name]
    const table = datasetTable(name, records, 'iso')
    const encodings: Array<[string, Uint8Array]> = [
      ['x.csv', writeCsv(datasetRows(name, records))],
      ['x.parquet', writeParquet(table)],
      ['x.arrows', writeArrowStream(table)],
      ['x.arrow', writeArrowFile(table)],
      ['x.json', bytes(JSON.stringify(datasetRows(name, records)))],
      ['x.ndjson', bytes(datasetRows(name, records).map((row) => JSON.stringify(row)).join('\n') + '\n')],
    ]
    for (const [file, encoded] of encodings) {
      const back = validateDataset(name, readTable(encoded, { name: file }), file)
      t.same(back, records, `${name} via ${file}`)
    }
  }
})

t.test('the format comes from the option, then the extension, then the content type, then the bytes', async (t) => {
  const table = datasetTable('token_prices', SAMPLE.token_prices)
  const parquet = writeParquet(table)
  const cases: Array<[string, Uint8Array, { name: string, contentType?: string, format?: TableFormat }]> = [
    ['option beats extension', parquet, { name: 'prices.csv', format: 'parquet' }],
    ['extension', parquet, { name: 'prices.PARQUET' }],
    ['content type', parquet, { name: 'download', contentType: 'application/vnd.apache.parquet; charset=binary' }],
    ['parquet magic', parquet, { name: 'download', contentType: 'application/octet-stream' }],
    ['arrow file magic', writeArrowFile(table), { name: 'download' }],
    ['arrow stream marker', writeArrowStream(table), { name: 'download' }],
    ['arrow stream content type', writeArrowStream(table), { name: 'q', contentType: 'application/vnd.apache.arrow.stream' }],
    ['csv text', bytes(PRICES_CSV), { name: 'download', contentType: 'text/plain' }],
    ['csv content type', bytes(PRICES_CSV), { name: 'download', contentType: 'text/csv' }],
    ['json array', bytes(JSON.stringify(datasetRows('token_prices', SAMPLE.token_prices))), { name: 'download' }],
    ['json content type', bytes(JSON.stringify(datasetRows('token_prices', SAMPLE.token_prices))),
      { name: 'q', contentType: 'application/json' }],
  ]
  for (const [what, encoded, options] of cases) {
    t.same(validateDataset('token_prices', readTable(encoded, options), 'f'), SAMPLE.token_prices, what)
  }
})

t.test('JSON: object of columns and a .json file holding NDJSON', async (t) => {
  const columns = {
    date: ['2023-04-11', '2023-04-11'], price: [1893.2, 1890.1], market_cap: [0, 10263906902.93604],
    volumes_last_24h: [54776.5, 6659827.593154095], token: ['WETH', 'STETH'],
  }
  t.same(validateDataset('token_prices', readTable(bytes(JSON.stringify(columns)), { name: 'c.json' }), 'c'),
    SAMPLE.token_prices)
  const ndjson = datasetRows('token_prices', SAMPLE.token_prices).map((row) => JSON.stringify(row)).join('\r\n')
  t.same(validateDataset('token_prices', readTable(bytes(ndjson), { name: 'lines.json' }), 'l'), SAMPLE.token_prices)
})

t.test('JSON with mixed value types keeps every value as text for validation', async (t) => {
  const table = readTable(bytes('[{"a": 1, "b": "x"}, {"a": "2", "b": null}, {"c": true}]'), { name: 'm.json' })
  t.same(table.schema.fields.map((field) => [field.name, String(field.type)]),
    [['a', 'Utf8'], ['b', 'Utf8'], ['c', 'Bool']])
  t.same([...table.getChild('a') as arrow.Vector], ['1', '2', null])
})

t.test('CSV: BOM, CRLF, quoted fields, blank trailing lines; empty cells are null', async (t) => {
  const text = '\uFEFFdate,price,market_cap,volumes_last_24h,token\r\n' +
    '2023-04-11,"1,893.2",,54776.5,"WE""TH"\r\n\r\n'
  const table = readTable(bytes(text), { name: 'p.csv' })
  t.equal(table.numRows, 1)
  t.same(table.toArray()[0].toJSON(),
    { date: '2023-04-11', price: '1,893.2', market_cap: null, volumes_last_24h: '54776.5', token: 'WE"TH' })
})

t.test('writeCsv quotes what needs quoting and writes bigint exactly', async (t) => {
  const csv = new TextDecoder().decode(writeCsv([{ a: 'x,y', b: 1681171200000000001n, c: null, d: ' pad' }]))
  t.equal(csv, 'a,b,c,d\n"x,y",1681171200000000001,," pad"\n')
})

t.test('bad files give a DataError naming the file', async (t) => {
  const cases: Array<[string, Uint8Array, string, RegExp, number | undefined]> = [
    ['empty file', new Uint8Array(0), 'empty.csv', /empty\.csv: the file is empty/, undefined],
    ['garbage bytes', new Uint8Array([0x00, 0x13, 0x37, 0xfe, 0x01, 0x02, 0x03, 0x04]), 'blob',
      /blob: not a recognised table format.*00 13 37 fe/, undefined],
    ['gzip', new Uint8Array([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0]), 'x.bin', /gzip-compressed/, undefined],
    ['CSV bytes named .parquet', bytes(PRICES_CSV), 'p.parquet', /p\.parquet: not a valid Parquet file \(format chosen by extension \.parquet\)/, undefined],
    ['CSV bytes named .arrow', bytes(PRICES_CSV), 'p.arrow', /p\.arrow: not a valid Arrow IPC file/, undefined],
    ['truncated Parquet', writeParquet(datasetTable('token_prices', SAMPLE.token_prices)).subarray(0, 40), 'p.parquet',
      /p\.parquet: not a valid Parquet file/, undefined],
    ['truncated Arrow file', writeArrowFile(datasetTable('token_prices', SAMPLE.token_prices)).subarray(0, 60), 'p.arrow',
      /p\.arrow: not a valid Arrow IPC file/, undefined],
    ['ragged CSV row', bytes('a,b\n1,2\n3,4\n5\n'), 'r.csv', /r\.csv, row 3: malformed CSV/, 3],
    ['unclosed quote', bytes('a,b\n1,2\n"3,4\n'), 'q.csv', /q\.csv, row 2: malformed CSV/, 2],
    ['not UTF-8', new Uint8Array([0x61, 0x2c, 0x62, 0x0a, 0xff, 0xfe, 0x2c, 0x31]), 'l.csv', /l\.csv: not UTF-8 text/, undefined],
    ['duplicate header', bytes('a,b,a\n1,2,3\n'), 'd.csv', /d\.csv: column 'a' appears twice/, undefined],
    ['invalid JSON', bytes('[{"a": 1},'), 'j.json', /j\.json: invalid JSON/, undefined],
    ['JSON scalar rows', bytes('[{"a": 1}, 2]'), 'j.json', /j\.json, row 2: expected a JSON object/, 2],
    ['bad NDJSON line', bytes('{"a": 1}\n{"a": 2}\n{"a": \n'), 'n.ndjson', /n\.ndjson, row 3: invalid NDJSON line/, 3],
    ['JSON scalar', bytes('42'), 's.json', /s\.json: expected an array of records/, undefined],
  ]
  for (const [what, encoded, name, message, row] of cases) {
    const err = await dataErrorOf(() => readTable(encoded, { name }))
    t.ok(err, `${what}: DataError`)
    t.match(err?.message, message, what)
    t.equal(err?.where?.file, name, `${what}: where.file`)
    t.equal(err?.where?.row, row, `${what}: where.row`)
  }
})

t.test('the label option names the file in messages', async (t) => {
  const err = await dataErrorOf(() => readTable(new Uint8Array(0), { name: 'a.csv', label: 'token_prices (a.csv)' }))
  t.match(err?.message, /^token_prices \(a\.csv\): the file is empty/)
})

t.test('a CSV with only a header reads as an empty table (validation rejects it)', async (t) => {
  const table = readTable(bytes('date,price\n'), { name: 'h.csv' })
  t.equal(table.numRows, 0)
  t.same(table.schema.fields.map((field) => field.name), ['date', 'price'])
})
