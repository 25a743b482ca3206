const LIQUIDATION_COLUMNS = [
    { column: 'day', field: 'day', kind: 'day' },
    { column: 'token_col', field: 'token_col', kind: 'text' },
    { column: 'token_debt', field: 'token_debt', kind: 'text' },
    { column: 'collateral_amount', field: 'collateral_amount', kind: 'number' },
    { column: 'col_value_USD', field: 'col_value_USD', kind: 'number' },
    { column: 'col_current_value_USD', field: 'col_current_value_USD', kind: 'number' },
    { column: 'debt_amount', field: 'debt_amount', kind: 'number' },
    { column: 'debt_value_USD', field: 'debt_value_USD', kind: 'number' },
    { column: 'debt_current_value_USD', field: 'debt_current_value_USD', kind: 'number' },
];
const DEPOSITS_BORROWS_COLUMNS = [
    { column: 'day', field: 'day', kind: 'day' },
    { column: 'symbol', field: 'symbol', kind: 'text' },
    { column: 'deposits_volume', field: 'deposits_volume', kind: 'number' },
    { column: 'borrows_volume', field: 'borrows_volume', kind: 'number' },
];
const TOKEN_PRICE_COLUMNS = [
    // The file calls it `date`; the record calls it `day` like the other datasets.
    { column: 'date', field: 'day', kind: 'day' },
    { column: 'price', field: 'price', kind: 'number' },
    { column: 'market_cap', field: 'market_cap', kind: 'number', emptyAs: 0 },
    { column: 'volumes_last_24h', field: 'volumes_last_24h', kind: 'number' },
    { column: 'token', field: 'token', kind: 'text' },
];
export const DATASET_SCHEMAS = {
    liquidations_v2: LIQUIDATION_COLUMNS,
    liquidations_v3: LIQUIDATION_COLUMNS,
    deposits_borrows_v2: DEPOSITS_BORROWS_COLUMNS,
    deposits_borrows_v3: DEPOSITS_BORROWS_COLUMNS,
    token_prices: TOKEN_PRICE_COLUMNS,
};
/** The real file base names (Giza hub / Safe-Looping copies), without extension. */
export const DATASET_FILE_BASENAMES = {
    liquidations_v2: 'aave_liquidations_v2',
    liquidations_v3: 'aave_liquidations_v3',
    deposits_borrows_v2: 'aave_daily_deposits_borrows_v2',
    deposits_borrows_v3: 'aave_daily_deposits_borrows_v3',
    token_prices: 'tokens_daily_volume',
};
export function requiredColumns(name) {
    return DATASET_SCHEMAS[name].map((spec) => spec.column);
}
//# sourceMappingURL=schema.js.map