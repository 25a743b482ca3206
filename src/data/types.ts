/**
 * The five Giza Datasets hub tables that the reference method trains on, as typed records.
 * Readers (src/data/readers.ts) turn CSV / Parquet / Arrow / JSON into apache-arrow Tables;
 * validation (src/data/validate.ts) turns a Table into these records or says what is wrong (file, column, row).
 */
export const DATASET_NAMES = [
  'liquidations_v2',
  'liquidations_v3',
  'deposits_borrows_v2',
  'deposits_borrows_v3',
  'token_prices',
] as const
export type DatasetName = (typeof DATASET_NAMES)[number]

/** A calendar day as whole days since 1970-01-01 UTC (the real files use epoch ns, ISO dates or timestamps). */
export type EpochDay = number

export interface LiquidationRecord {
  day: EpochDay
  token_col: string
  token_debt: string
  collateral_amount: number
  col_value_USD: number
  col_current_value_USD: number
  debt_amount: number
  debt_value_USD: number
  debt_current_value_USD: number
}

export interface DepositsBorrowsRecord {
  day: EpochDay
  symbol: string
  deposits_volume: number
  borrows_volume: number
}

export interface TokenPriceRecord {
  day: EpochDay
  token: string
  price: number
  market_cap: number
  volumes_last_24h: number
}

export interface GizaDatasets {
  liquidations_v2: LiquidationRecord[]
  liquidations_v3: LiquidationRecord[]
  deposits_borrows_v2: DepositsBorrowsRecord[]
  deposits_borrows_v3: DepositsBorrowsRecord[]
  token_prices: TokenPriceRecord[]
}
