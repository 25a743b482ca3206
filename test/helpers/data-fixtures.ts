/**
 * Small hand-made Giza-like records for the data tests (values shaped like the real files, never read from them).
 */
import { DataError } from '../../src/errors.js'
import { DATASET_NAMES, type DatasetName, type GizaDatasets } from '../../src/data/types.js'
import { generateSyntheticDatasets } from '../../src/data/synthetic.js'
import { datasetRows, datasetTable } from '../../src/data/tables.js'
import { writeCsv, writeParquet } from '../../src/data/readers.js'

/** 2023-04-11 and 2023-04-12 as EpochDay; 1681171200000000000 ns is 2023-04-11T00:00Z as in the real CSV. */
export const DAY_A = 19458
export const DAY_B = 19459
export const DAY_A_NS = '1681171200000000000'

export const SAMPLE: GizaDatasets = {
  liquidations_v2: [
    {
      day: DAY_A,
      token_col: 'WETH',
      token_debt: 'USDC',
      collateral_amount: 1.333621755008499,
      col_value_USD: 2028.2734684505035,
      col_current_value_USD: 3076.4856306301594,
      debt_amount: 1936.792666,
      debt_value_USD: 1937.8035910719607,
      debt_current_value_USD: 1937.5492179899256,
    },
    {
      day: DAY_B,
      token_col: 'stETH',
      token_debt: 'DAI',
      collateral_amount: 164.939422847117,
      col_value_USD: 1730.9762450842693,
      col_current_value_USD: 2998.650520791844,
      debt_amount: 1516.157027678453,
      debt_value_USD: 1518.3494065337788,
      debt_current_value_USD: 1516.9157253558947,
    },
  ],
  liquidations_v3: [
    {
      day: DAY_B,
      token_col: 'WBTC',
      token_debt: 'USDT',
      collateral_amount: 0.02594141,
      col_value_USD: 783.077894119156,
      col_current_value_USD: 1110.7120267656462,
      debt_amount: 748.197446,
      debt_value_USD: 748.6643082167677,
      debt_current_value_USD: 748.4897076739342,
    },
  ],
  deposits_borrows_v2: [
    { day: DAY_A, symbol: 'WETH', deposits_volume: 68598814.0700237, borrows_volume: 553669.4568751389 },
    { day: DAY_B, symbol: 'stETH', deposits_volume: 17766.146520961, borrows_volume: 0 },
  ],
  deposits_borrows_v3: [
    { day: DAY_A, symbol: 'USDC', deposits_volume: 18745.902777777846, borrows_volume: 90235.41666666669 },
  ],
  token_prices: [
    { day: DAY_A, token: 'WETH', price: 1893.2, market_cap: 0, volumes_last_24h: 54776.5 },
    { day: DAY_A, token: 'STETH', price: 1890.1, market_cap: 10263906902.93604, volumes_last_24h: 6659827.593154095 },
  ],
}

/** Liquidation rows as in aave_liquidations_v2.csv: day in epoch ns, plus the columns validation ignores. */
export const LIQUIDATIONS_CSV = [
  'day,liquidator,user,token_col,token_debt,col_contract_address,collateral_amount,col_value_USD,' +
    'col_current_value_USD,debt_contract_address,debt_amount,debt_value_USD,debt_current_value_USD',
  `${DAY_A_NS},0xb0ba,0xd2cc,WETH,USDC,0xc02a,1.333621755008499,2028.2734684505035,3076.4856306301594,0xa0b8,` +
    '1936.792666,1937.8035910719607,1937.5492179899256',
  '1681257600000000000,0x50a7,0xa6b9,stETH,DAI,0xae7a,164.939422847117,1730.9762450842693,2998.650520791844,0x6b17,' +
    '1516.157027678453,1518.3494065337788,1516.9157253558947',
].join('\n') + '\n'

export const PRICES_CSV = [
  'date,price,market_cap,volumes_last_24h,token',
  '2023-04-11,1893.2,0.0,54776.5,WETH',
  '2023-04-11,1890.1,10263906902.93604,6659827.593154095,STETH',
].join('\n') + '\n'

export function bytes (text: string): Uint8Array {
  return new TextEncoder().encode(text)
}

/** The DataError `fn` throws (sync or async), or undefined if it throws nothing or something else. */
export async function dataErrorOf (fn: () => unknown): Promise<DataError | undefined> {
  try {
    await fn()
  } catch (err) {
    if (err instanceof DataError) return err
    throw err
  }
  return undefined
}

/** The five synthetic datasets as files: liquidations as CSV with epoch-ns days (like the real files), the rest as Parquet. */
export function datasetFiles (seed: number): Record<DatasetName, { bytes: Uint8Array, filename: string }> {
  const data = generateSyntheticDatasets({ seed, days: 200 })
  const files = {} as Record<DatasetName, { bytes: Uint8Array, filename: string }>
  for (const name of DATASET_NAMES) {
    files[name] = name.startsWith('liquidations')
      ? { bytes: writeCsv(datasetRows(name, data[name] as never, 'epoch-ns')), filename: `${name}.csv` }
      : { bytes: writeParquet(datasetTable(name, data[name] as never)), filename: `${name}.parquet` }
  }
  return files
}
