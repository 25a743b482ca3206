/**
 * Checks the ingest on the real Giza CSVs (outside the test suite: CI has no such folder, and the files must never be
 * committed). Loads the five files, prints row counts and day ranges, then writes Parquet and Arrow copies in the real
 * layouts (liquidation day as Timestamp(ns) / Int64 ns) to a temporary folder and checks they load back identically.
 *
 *   node dist/scripts/inspect-real-data.js [folder]     (default /work/shared/data/giza-aave)
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { DATASET_FILE_BASENAMES, DATASET_NAMES, datasetTable, isoDate, loadGizaDirectory, writeArrowFile, writeArrowStream, writeParquet, } from '../src/data/index.js';
const EXPECTED_ROWS = {
    liquidations_v2: 1949,
    liquidations_v3: 625,
    deposits_borrows_v2: 3656,
    deposits_borrows_v3: 4867,
    token_prices: 49044,
};
const COPIES = [
    // Like the hub's Parquet: liquidation day as a timestamp, the others as dates.
    { extension: '.parquet', write: writeParquet, dayAs: (name) => (name.startsWith('liquidations') ? 'timestamp-ns' : 'date32') },
    // Like a CSV loaded without date parsing: day stays Int64 nanoseconds / text.
    { extension: '.arrow', write: writeArrowFile, dayAs: (name) => (name.startsWith('liquidations') ? 'epoch-ns' : 'iso') },
    { extension: '.arrows', write: writeArrowStream, dayAs: () => 'timestamp-ns' },
];
async function main() {
    const dir = process.argv[2] ?? '/work/shared/data/giza-aave';
    if (!existsSync(dir)) {
        console.log(`skipped: ${dir} does not exist (the real data are only on the development machine)`);
        return 0;
    }
    let started = performance.now();
    const real = await loadGizaDirectory(dir);
    console.log(`loaded ${dir} in ${Math.round(performance.now() - started)} ms`);
    let ok = printSummary(real);
    for (const copy of COPIES) {
        const copyDir = await mkdtemp(join(tmpdir(), 'zkpredict-giza-'));
        try {
            for (const name of DATASET_NAMES) {
                const bytes = copy.write(datasetTable(name, real[name], copy.dayAs(name)));
                await writeFile(join(copyDir, DATASET_FILE_BASENAMES[name] + copy.extension), bytes);
            }
            started = performance.now();
            const back = await loadGizaDirectory(copyDir);
            const same = isDeepStrictEqual(back, real);
            ok &&= same;
            console.log(`${copy.extension} copy in ${copyDir}: read back in ${Math.round(performance.now() - started)} ms, ` +
                (same ? 'identical records' : 'DIFFERENT records'));
        }
        finally {
            await rm(copyDir, { recursive: true, force: true });
        }
    }
    console.log(ok ? 'OK' : 'FAILED');
    return ok ? 0 : 1;
}
function printSummary(data) {
    let ok = true;
    for (const name of DATASET_NAMES) {
        const records = data[name];
        const days = records.map((record) => record.day);
        const first = isoDate(Math.min(...days));
        const last = isoDate(Math.max(...days));
        const expected = EXPECTED_ROWS[name];
        ok &&= records.length === expected;
        console.log(`${name.padEnd(20)} ${String(records.length).padStart(6)} rows (README: ${expected}) ${first} .. ${last}`);
    }
    return ok;
}
process.exitCode = await main();
//# sourceMappingURL=inspect-real-data.js.map