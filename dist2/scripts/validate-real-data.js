/**
 * Checks the data readers and the feature pipeline against the real Giza files (never part of `npm test`:
 * the files may not be redistributed, so CI clones do not have them).
 *
 *   node dist/scripts/validate-real-data.js [DATA_DIR] [--reference-dir DIR]
 *
 * DATA_DIR defaults to ../shared/data/giza-aave next to the repository; when it is absent the script says so
 * and exits 0. It reads the real CSVs, writes Parquet, Arrow stream and Arrow file copies into a temp folder,
 * reads those back, and for every input format checks that the feature pipeline gives the tutorial's
 * 2,428 training rows, 313 test rows and 91 test positives, and the same rows and values as the pandas
 * reference (scripts/reference_features.py), for both variants and both windows. The reference JSON files
 * are taken from --reference-dir (features-<variant>-<window>.json) or made by running the Python script
 * (python3 with pandas and scikit-learn; PYTHON overrides the interpreter). Exits 1 on any mismatch.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DATASET_FILE_BASENAMES, datasetTable, loadGizaDirectory, writeArrowFile, writeArrowStream, writeParquet, } from '../src/data/index.js';
import { DATASET_NAMES } from '../src/data/types.js';
import { buildFeatureDataset, FEATURE_VARIANTS, FEATURE_WINDOWS } from '../src/features/index.js';
const EXPECTED = { train: 2428, test: 313, testPositives: 91 };
/** Relative difference allowed against pandas: the pipeline reproduces it bit for bit, this only absorbs noise. */
const TOLERANCE = 1e-12;
/** How each copy writes its day columns: the layouts real users hold (the hub's Parquet has timestamps). */
const COPIES = [
    { format: 'parquet', extension: '.parquet', write: writeParquet, layout: (name) => (name === 'deposits_borrows_v2' || name === 'deposits_borrows_v3' ? 'date32' : 'timestamp-ns') },
    { format: 'arrow stream', extension: '.arrows', write: writeArrowStream, layout: (name) => (name.startsWith('liquidations') ? 'epoch-ns' : 'iso') },
    { format: 'arrow file', extension: '.arrow', write: writeArrowFile, layout: () => 'date32' },
];
async function main() {
    const args = process.argv.slice(2);
    const referenceIndex = args.indexOf('--reference-dir');
    const referenceDir = referenceIndex >= 0 ? args[referenceIndex + 1] : undefined;
    const positional = args.filter((arg, i) => !arg.startsWith('--') && (referenceIndex < 0 || i !== referenceIndex + 1));
    const root = repositoryRoot();
    const dataDir = resolve(positional[0] ?? join(root, '..', 'shared', 'data', 'giza-aave'));
    if (!existsSync(join(dataDir, `${DATASET_FILE_BASENAMES.liquidations_v2}.csv`))) {
        console.log(`skipped: no real Giza files in ${dataDir} (give the folder as the first argument)`);
        return 0;
    }
    const work = await mkdtemp(join(tmpdir(), 'zkpredict-real-'));
    try {
        const references = await loadReferences(root, dataDir, referenceDir ?? join(work, 'reference'), referenceDir === undefined);
        const inputs = [];
        let started = performance.now();
        const csv = await loadGizaDirectory(dataDir);
        console.log(`csv: read in ${(performance.now() - started).toFixed(0)} ms (${DATASET_NAMES.map((name) => `${name} ${csv[name].length}`).join(', ')})`);
        inputs.push({ format: 'csv', data: csv });
        for (const copy of COPIES) {
            const dir = join(work, copy.format.replace(' ', '-'));
            await mkdir(dir);
            for (const name of DATASET_NAMES) {
                await writeFile(join(dir, DATASET_FILE_BASENAMES[name] + copy.extension), copy.write(datasetTable(name, csv[name], copy.layout(name))));
            }
            started = performance.now();
            inputs.push({ format: copy.format, data: await loadGizaDirectory(dir) });
            console.log(`${copy.format}: written and read back in ${(performance.now() - started).toFixed(0)} ms`);
        }
        let failures = 0;
        for (const { format, data } of inputs) {
            for (const variant of FEATURE_VARIANTS) {
                for (const window of FEATURE_WINDOWS) {
                    const problems = check(buildFeatureDataset(data, { variant, window }), references.get(`${variant}-${window}`), format, variant, window);
                    failures += problems;
                }
            }
        }
        if (references.size === 0)
            console.log('warning: no pandas reference, only the row counts were checked');
        console.log(failures === 0 ? 'OK: every format and variant matches' : `FAILED: ${failures} mismatch(es)`);
        return failures === 0 ? 0 : 1;
    }
    finally {
        await rm(work, { recursive: true, force: true });
    }
}
function check(dataset, reference, format, variant, window) {
    const problems = [];
    const positives = dataset.test.y.filter((y) => y === 1).length;
    const counts = `${dataset.train.y.length} / ${dataset.test.y.length} / ${positives}`;
    if (dataset.train.y.length !== EXPECTED.train || dataset.test.y.length !== EXPECTED.test || positives !== EXPECTED.testPositives) {
        problems.push(`counts ${counts}, expected ${EXPECTED.train} / ${EXPECTED.test} / ${EXPECTED.testPositives}`);
    }
    let diff = { abs: 0, rel: 0 };
    if (reference !== undefined) {
        if (dataset.testFromDay !== reference.testFromDay)
            problems.push(`testFromDay ${dataset.testFromDay} vs ${reference.testFromDay}`);
        if (dataset.featureNames.join() !== reference.featureNames.join())
            problems.push(`feature names ${dataset.featureNames.join()} vs ${reference.featureNames.join()}`);
        for (const part of ['train', 'test']) {
            const partDiff = compareRows(dataset[part], reference[part], `${part}`, problems);
            diff = { abs: Math.max(diff.abs, partDiff.abs), rel: Math.max(diff.rel, partDiff.rel) };
        }
        const scalerDiff = maxDifference([...dataset.scaler.min, ...dataset.scaler.max], [...reference.scaler.min, ...reference.scaler.max]);
        if (scalerDiff.rel > TOLERANCE)
            problems.push(`scaler differs (max rel ${scalerDiff.rel.toExponential(2)})`);
        diff = { abs: Math.max(diff.abs, scalerDiff.abs), rel: Math.max(diff.rel, scalerDiff.rel) };
        if (diff.rel > TOLERANCE)
            problems.push(`values differ from pandas beyond ${TOLERANCE}`);
    }
    const vsPandas = reference === undefined ? 'no reference' : `vs pandas max abs diff ${diff.abs.toExponential(2)}, max rel diff ${diff.rel.toExponential(2)}`;
    console.log(`${problems.length === 0 ? 'ok  ' : 'FAIL'} ${format.padEnd(12)} ${variant.padEnd(9)} ${window}d: train/test/test positives ${counts}; ${vsPandas}`);
    for (const problem of problems.slice(0, 10))
        console.log(`       ${problem}`);
    return problems.length;
}
function compareRows(actual, expected, part, problems) {
    if (actual.y.length !== expected.y.length) {
        problems.push(`${part}: ${actual.y.length} rows vs ${expected.y.length} in pandas`);
        return { abs: Infinity, rel: Infinity };
    }
    let abs = 0;
    let rel = 0;
    for (let i = 0; i < actual.y.length; i++) {
        if (actual.day[i] !== expected.day[i] || actual.token[i] !== expected.token[i] || actual.y[i] !== expected.y[i]) {
            problems.push(`${part} row ${i}: (${actual.day[i]}, ${actual.token[i]}, y=${actual.y[i]}) vs pandas (${expected.day[i]}, ${expected.token[i]}, y=${expected.y[i]})`);
            if (problems.length > 10)
                break;
        }
        const rowDiff = maxDifference(actual.X[i], expected.X[i].map((value) => value ?? NaN));
        abs = Math.max(abs, rowDiff.abs);
        rel = Math.max(rel, rowDiff.rel);
    }
    return { abs, rel };
}
function maxDifference(actual, expected) {
    let abs = 0;
    let rel = 0;
    actual.forEach((value, i) => {
        const other = expected[i];
        if (Number.isNaN(value) && Number.isNaN(other))
            return;
        const difference = Math.abs(value - other);
        if (!(difference <= abs))
            abs = difference; // NaN on one side counts as infinitely different
        const relative = difference === 0 ? 0 : difference / Math.max(Math.abs(other), Number.MIN_VALUE);
        if (!(relative <= rel))
            rel = Number.isNaN(relative) ? Infinity : relative;
    });
    return { abs, rel };
}
async function loadReferences(root, dataDir, dir, generate) {
    const references = new Map();
    for (const variant of FEATURE_VARIANTS) {
        for (const window of FEATURE_WINDOWS) {
            const file = join(dir, `features-${variant}-${window}.json`);
            if (generate && !existsSync(file)) {
                const python = process.env.PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
                const run = spawnSync(python, [join(root, 'scripts', 'reference_features.py'), dataDir, dir, '--variant', variant, '--window', String(window)], { encoding: 'utf8' });
                if (run.status !== 0) {
                    console.log(`warning: the pandas reference could not be made with ${python} (${(run.stderr ?? String(run.error)).trim().split('\n').pop() ?? ''})`);
                    return references;
                }
                if (variant === 'tutorial' && window === 7)
                    process.stdout.write(run.stdout.split('\n').map((line) => (line === '' ? '' : `pandas: ${line}`)).join('\n'));
            }
            if (!existsSync(file)) {
                console.log(`warning: no reference ${file}`);
                continue;
            }
            references.set(`${variant}-${window}`, JSON.parse(await readFile(file, 'utf8')));
        }
    }
    return references;
}
/** The folder holding package.json above this script (dist/scripts when compiled). */
function repositoryRoot() {
    let dir = dirname(fileURLToPath(import.meta.url));
    while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir)
        dir = dirname(dir);
    return dir;
}
main().then((code) => { process.exitCode = code; }, (err) => {
    console.error(err);
    process.exitCode = 1;
});
//# sourceMappingURL=validate-real-data.js.map