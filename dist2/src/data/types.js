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
];
//# sourceMappingURL=types.js.map