/**
 * The columns each Giza dataset must have (docs/METHOD.md section 1) and how each one becomes a record field.
 * Only these columns are read; any other column in a file (liquidator, user, contract addresses, ...) is ignored.
 */
import type { DatasetName } from './types.js'

/** How a cell is turned into a record value: see validate.ts for the accepted spellings of each kind. */
export type ColumnKind = 'day' | 'text' | 'number'

export interface ColumnSpec {
  /** Column name in the file (the Giza hub spelling). */
  column: string
  /** Field of the typed record that receives the value. */
  field: string
  kind: ColumnKind
  /**
   * Value used for an empty cell (empty CSV field, null in Arrow/Parquet/JSON). Without it an empty cell is an error.
   * Only set where the real files need it: tokens_daily_volume.csv has one empty market_cap (ETH, 2017-04-02), and
   * the reference method turns every missing value into 0 after its joins (docs/METHOD.md 2.4-2.5), so 0 reproduces it.
   */
  emptyAs?: number
}

const LIQUIDATION_COLUMNS: ColumnSpec[] = [
  { column: 'day', field: 'day', kind: 'day' },
  { column: 'token_col', field: 'token_col', kind: 'text' },
  { column: 'token_debt', field: 'token_debt', kind: 'text' },
  { column: 'collateral_amount', field: 'collateral_amount', kind: 'number' },
  { column: 'col_value_USD', field: 'col_value_USD', kind: 'number' },
  { column: 'col_current_value_USD', field: 'col_current_value_USD', kind: 'number' },
  { column: 'debt_amount', field: 'debt_amount', kind: 'number' },
  { column: 'debt_value_USD', field: 'debt_value_USD', kind: 'number' },
  { column: 'debt_current_value_USD', field: 'debt_current_value_USD', kind: 'number' },
]

const DEPOSITS_BORROWS_COLUMNS: ColumnSpec[] = [
  { column: 'day', field: 'day', kind: 'day' },
  { column: 'symbol', field: 'symbol', kind: 'text' },
  { column: 'deposits_volume', field: 'deposits_volume', kind: 'number' },
  { column: 'borrows_volume', field: 'borrows_volume', kind: 'number' },
]

const TOKEN_PRICE_COLUMNS: ColumnSpec[] = [
  // The file calls it `date`; the record calls it `day` like the other datasets.
  { column: 'date', field: 'day', kind: 'day' },
  { column: 'price', field: 'price', kind: 'number' },
  { column: 'market_cap', field: 'market_cap', kind: 'number', emptyAs: 0 },
  { column: 'volumes_last_24h', field: 'volumes_last_24h', kind: 'number' },
  { column: 'token', field: 'token', kind: 'text' },
]

export const DATASET_SCHEMAS: Readonly<Record<DatasetName, readonly ColumnSpec[]>> = {
  liquidations_v2: LIQUIDATION_COLUMNS,
  liquidations_v3: LIQUIDATION_COLUMNS,
  deposits_borrows_v2: DEPOSITS_BORROWS_COLUMNS,
  deposits_borrows_v3: DEPOSITS_BORROWS_COLUMNS,
  token_prices: TOKEN_PRICE_COLUMNS,
}

/** The real file base names (Giza hub / Safe-Looping copies), without extension. */
export const DATASET_FILE_BASENAMES: Readonly<Record<DatasetName, string>> = {
  liquidations_v2: 'aave_liquidations_v2',
  liquidations_v3: 'aave_liquidations_v3',
  deposits_borrows_v2: 'aave_daily_deposits_borrows_v2',
  deposits_borrows_v3: 'aave_daily_deposits_borrows_v3',
  token_prices: 'tokens_daily_volume',
}

export function requiredColumns (name: DatasetName): string[] {
  return DATASET_SCHEMAS[name].map((spec) => spec.column)
}
