import t from 'tap'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  DATASET_FILE_BASENAMES, DATASET_NAMES, datasetRows, datasetTable, findGizaFiles, loadGizaDatasets,
  loadGizaDirectory, writeArrowFile, writeArrowStream, writeCsv, writeParquet, type GizaSources,
} from '../../src/data/index.js'
import { bytes, dataErrorOf, LIQUIDATIONS_CSV, PRICES_CSV, SAMPLE } from '../helpers/data-fixtures.js'

const LIMITS = { maxBytes: 100_000, timeoutMs: 2_000 }

function mixedSources (pricesUrl: string): GizaSources {
  return {
    liquidations_v2: { kind: 'buffer', buffer: bytes(LIQUIDATIONS_CSV), filename: 'aave_liquidations_v2.csv' },
    liquidations_v3: {
      kind: 'buffer', buffer: writeParquet(datasetTable('liquidations_v3', SAMPLE.liquidations_v3, 'timestamp-ns')),
      filename: 'aave_liquidations_v3.parquet',
    },
    deposits_borrows_v2: {
      kind: 'buffer', buffer: writeArrowStream(datasetTable('deposits_borrows_v2', SAMPLE.deposits_borrows_v2)),
      contentType: 'application/vnd.apache.arrow.stream',
    },
    deposits_borrows_v3: {
      kind: 'buffer', buffer: bytes(JSON.stringify(datasetRows('deposits_borrows_v3', SAMPLE.deposits_borrows_v3))),
      filename: 'db3.json',
    },
    token_prices: { kind: 'url', url: pricesUrl },
  }
}

t.test('loadGizaDatasets: five sources of mixed kinds and formats', async (t) => {
  const server = createServer((req, res) => {
    if (req.url === '/tokens_daily_volume.csv') res.end(PRICES_CSV)
    else if (req.url === '/bad.csv') res.end(PRICES_CSV.replace('1893.2', 'abc'))
    else { res.statusCode = 404; res.end() }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  t.teardown(() => { server.closeAllConnections(); server.close() })

  t.same(await loadGizaDatasets(mixedSources(`${base}/tokens_daily_volume.csv`), LIMITS), SAMPLE)

  const bad = await dataErrorOf(async () => await loadGizaDatasets(mixedSources(`${base}/bad.csv`), LIMITS))
  t.equal(bad?.message, "token_prices (bad.csv), row 1, column price: 'abc' is not a number")
  t.same(bad?.where, { file: 'token_prices (bad.csv)', column: 'price', row: 1 })

  const sources = mixedSources(`${base}/gone.csv`)
  sources.liquidations_v2 = { kind: 'buffer', buffer: new Uint8Array(0), filename: 'l2.csv' }
  const several = await dataErrorOf(async () => await loadGizaDatasets(sources, LIMITS))
  t.match(several?.message, /^liquidations_v2 \(l2\.csv\): the file is empty; token_prices: GET .*\/gone\.csv answered HTTP 404$/)
  t.same(several?.where, { file: 'liquidations_v2 (l2.csv)' })
})

t.test('loadGizaDatasets refuses a missing dataset key', async (t) => {
  const sources = mixedSources('http://127.0.0.1:1/x.csv') as Partial<GizaSources>
  delete sources.deposits_borrows_v3
  const err = await dataErrorOf(async () => await loadGizaDatasets(sources as GizaSources, LIMITS))
  t.equal(err?.message, 'no source given for deposits_borrows_v3')
})

t.test('loadGizaDirectory: real file names, CSV and Parquet/Arrow variants', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'zkpredict-giza-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const write = async (name: string, data: Uint8Array | string): Promise<void> => { await writeFile(join(dir, name), data) }
  await write('aave_liquidations_v2.csv', LIQUIDATIONS_CSV)
  await write('aave_liquidations_v3.parquet', writeParquet(datasetTable('liquidations_v3', SAMPLE.liquidations_v3, 'epoch-ns')))
  await write('aave_daily_deposits_borrows_v2.arrow', writeArrowFile(datasetTable('deposits_borrows_v2', SAMPLE.deposits_borrows_v2, 'date32')))
  await write('aave_daily_deposits_borrows_v3.csv', writeCsv(datasetRows('deposits_borrows_v3', SAMPLE.deposits_borrows_v3)))
  await write('tokens_daily_volume.csv', PRICES_CSV)
  await write('aave_daily_rates.csv', 'ignored,file\n1,2\n')
  t.same(await loadGizaDirectory(dir), SAMPLE)

  await write('tokens_daily_volume.parquet', writeParquet(datasetTable('token_prices', SAMPLE.token_prices)))
  const ambiguous = await dataErrorOf(async () => await findGizaFiles(dir))
  t.match(ambiguous?.message, /token_prices: several files \(tokens_daily_volume\.csv, tokens_daily_volume\.parquet\); keep one/)

  await rm(join(dir, 'tokens_daily_volume.parquet'))
  await rm(join(dir, 'aave_liquidations_v2.csv'))
  const missing = await dataErrorOf(async () => await loadGizaDirectory(dir))
  t.match(missing?.message, /liquidations_v2: no aave_liquidations_v2\{\.csv,\.parquet,/)

  const noDir = await dataErrorOf(async () => await loadGizaDirectory(join(dir, 'absent')))
  t.match(noDir?.message, /absent: cannot list the folder \(ENOENT\)/)
})

t.test('file base names cover every dataset', async (t) => {
  t.same(Object.keys(DATASET_FILE_BASENAMES).sort(), [...DATASET_NAMES].sort())
})
