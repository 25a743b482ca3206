/**
 * Dataset ingest: fetch (sources.ts) -> decode (readers.ts) -> check and type (validate.ts), for the five Giza datasets.
 * Errors are DataErrors whose message starts with the dataset key, e.g. "token_prices (prices.csv), row 17, column
 * price: 'abc' is not a number"; rows are 1-based data rows (see validate.ts).
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError } from '../errors.js';
import { readTable } from './readers.js';
import { DATASET_FILE_BASENAMES } from './schema.js';
import { fetchSource } from './sources.js';
import { DATASET_NAMES } from './types.js';
import { validateDataset } from './validate.js';
export { DATASET_NAMES } from './types.js';
export { fetchSource } from './sources.js';
export { readTable, tableFromRecords, writeArrowFile, writeArrowStream, writeCsv, writeParquet, } from './readers.js';
export { validateDataset, parseDayText } from './validate.js';
export { DATASET_SCHEMAS, DATASET_FILE_BASENAMES, requiredColumns } from './schema.js';
export { datasetRows, datasetTable, isoDate } from './tables.js';
/** Limits for local folders: no network, but still a ceiling on memory (the real CSVs total about 5 MB). */
export const LOCAL_FILE_LIMITS = { maxBytes: 512 * 1024 * 1024, timeoutMs: 60_000 };
/** Fetch, read and validate one dataset; every error message starts with the dataset key. */
export async function loadDataset(name, source, limits, format) {
    const fetched = await fetchSource(source, limits, name);
    const label = `${name} (${fetched.name})`;
    const table = readTable(fetched.bytes, { name: fetched.name, contentType: fetched.contentType, format, label });
    return validateDataset(name, table, label);
}
/**
 * All five datasets in parallel. If several fail, one DataError lists every failure (its `where` is the first one's),
 * so a user fixing a request sees all problems at once.
 */
export async function loadGizaDatasets(sources, limits) {
    const missing = DATASET_NAMES.filter((name) => sources[name] === undefined);
    if (missing.length > 0)
        throw new DataError(`no source given for ${missing.join(', ')}`, { file: missing[0] });
    const settled = await Promise.allSettled(DATASET_NAMES.map(async (name) => await loadDataset(name, sources[name], limits)));
    const failures = settled.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
    if (failures.length > 0)
        throw combinedError(failures);
    const loaded = settled.map((result) => result.value);
    return Object.fromEntries(DATASET_NAMES.map((name, index) => [name, loaded[index]]));
}
function combinedError(failures) {
    const [first] = failures;
    // A non-DataError is a bug, not bad input: let it through untouched.
    const bug = failures.find((failure) => !(failure instanceof DataError));
    if (bug !== undefined || failures.length === 1)
        return bug ?? first;
    const dataErrors = failures;
    return new DataError(dataErrors.map((error) => error.message).join('; '), dataErrors[0].where, dataErrors[0].statusCode);
}
/** Extensions tried for each real base name; a folder must hold exactly one file per dataset. */
export const DIRECTORY_EXTENSIONS = ['.csv', '.parquet', '.arrow', '.arrows', '.feather', '.json', '.ndjson'];
/** The file of each dataset in `dir`, by the real file names (aave_liquidations_v2.csv, ... or .parquet/.arrow). */
export async function findGizaFiles(dir) {
    const present = new Set(await listDirectory(dir));
    const found = {};
    const problems = [];
    for (const name of DATASET_NAMES) {
        const base = DATASET_FILE_BASENAMES[name];
        const candidates = DIRECTORY_EXTENSIONS.map((ext) => base + ext).filter((file) => present.has(file));
        if (candidates.length === 1)
            found[name] = join(dir, candidates[0]);
        // Two copies of one dataset could differ (a stale export): refuse to guess which one is meant.
        else if (candidates.length > 1)
            problems.push(`${name}: several files (${candidates.join(', ')}); keep one`);
        else
            problems.push(`${name}: no ${base}{${DIRECTORY_EXTENSIONS.join(',')}}`);
    }
    if (problems.length > 0)
        throw new DataError(`${dir}: ${problems.join('; ')}`, { file: dir });
    return found;
}
async function listDirectory(dir) {
    try {
        return await readdir(dir);
    }
    catch (err) {
        const code = err.code;
        throw new DataError(`${dir}: cannot list the folder (${typeof code === 'string' ? code : String(err)})`, { file: dir });
    }
}
export async function loadGizaDirectory(dir, limits = LOCAL_FILE_LIMITS) {
    const files = await findGizaFiles(dir);
    const sources = Object.fromEntries(DATASET_NAMES.map((name) => [name, { kind: 'path', path: files[name] }]));
    return await loadGizaDatasets(sources, limits);
}
//# sourceMappingURL=index.js.map