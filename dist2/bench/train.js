/**
 * Training speed: both recipes on synthetic data and (when /work/shared/data/giza-aave exists, or
 * --real DIR) on the real files through the project's own feature pipeline; tfjs on each backend,
 * and PyTorch on the same rows in the same run when `/usr/bin/python3 -c 'import torch'` works.
 * Prints a markdown table: median of --runs runs (min-max), and the ratio to PyTorch.
 *
 * Usage: node dist/bench/train.js [--runs 3] [--backends wasm,cpu] [--recipes tutorial,default] [--default-runs 1] [--naive] [--real DIR]
 * (bench/run.ts calls benchTrain.)
 *   --naive also times the plain tfjs-layers `model.fit` loop of the tutorial recipe once (the baseline).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadGizaDirectory } from '../src/data/index.js';
import { generateSyntheticDatasets } from '../src/data/synthetic.js';
import { buildFeatureDataset } from '../src/features/index.js';
import { initBackend, tf } from '../src/training/backend.js';
import { scaleRows } from '../src/training/network.js';
import { kFold } from '../src/training/trainer.js';
import { trainModel } from '../src/training/train.js';
import { median, spread } from './lib.js';
/** PyTorch's figure in docs/METHOD.md (real files, tutorial recipe, 2 CPU threads) when torch is not installed. */
const METHOD_MD_TORCH_S = { low: 3.5, high: 4.5 };
export async function benchTrain(options) {
    const { runs, window } = options;
    const here = path.dirname(fileURLToPath(import.meta.url));
    const torchScript = path.resolve(here, '../../bench/train_torch.py');
    const python = '/usr/bin/python3';
    const hasTorch = existsSync(python) && spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
    const rows = [];
    const datasets = [];
    const synthetic = generateSyntheticDatasets({ seed: 0 });
    datasets.push({ name: 'synthetic (seed 0)', build: (variant) => buildFeatureDataset(synthetic, { variant, window }) });
    if (existsSync(options.real)) {
        const real = await loadGizaDirectory(options.real);
        datasets.push({ name: 'real Giza files', build: (variant) => buildFeatureDataset(real, { variant, window }) });
    }
    const tmp = mkdtempSync(path.join(tmpdir(), 'zkpredict-bench-'));
    try {
        for (const { name, build } of datasets) {
            for (const recipe of options.recipes) {
                const ds = build(recipe === 'tutorial' ? 'tutorial' : 'per-token');
                const label = `${name}, ${ds.train.y.length} train rows`;
                const recipeRuns = recipe === 'default' ? options.defaultRuns : runs;
                if (recipeRuns === 0)
                    continue;
                for (const backend of recipe === 'default' ? options.backends.slice(0, 1) : options.backends) {
                    const used = await initBackend(backend);
                    const times = [];
                    let note = '';
                    for (let r = 0; r < recipeRuns; r++) {
                        const t0 = performance.now();
                        const m = await trainModel(ds, { recipe, seed: r });
                        times.push((performance.now() - t0) / 1000);
                        note = `F1 ${m.metrics.f1.toFixed(3)}, ROC-AUC ${m.metrics.roc_auc.toFixed(3)}` + (recipe === 'default' ? `, ${String(m.details?.epochs)} final epochs` : '');
                    }
                    rows.push({ data: label, recipe, engine: `tfjs ${used}`, times, note: `${note} (last run)` });
                    console.error(`train: ${label} ${recipe} tfjs ${used}: ${median(times).toFixed(2)} s`);
                }
                if (recipe === 'tutorial' && options.naive) {
                    const used = await initBackend('wasm');
                    rows.push({ data: label, recipe, engine: `tfjs ${used} model.fit (naive)`, times: [await naiveTutorial(ds)] });
                }
                if (recipe === 'tutorial' && hasTorch) {
                    const file = path.join(tmp, `${recipe}.json`);
                    writeFileSync(file, JSON.stringify({ featureNames: ds.featureNames, train: ds.train, test: ds.test, scaler: ds.scaler, testFromDay: ds.testFromDay }));
                    const out = execFileSync(python, [torchScript, file, '--seeds', Array.from({ length: runs }, (_, i) => i).join(','), '--threads', '2'], { encoding: 'utf8' });
                    const results = out.trim().split('\n').map((l) => JSON.parse(l));
                    const last = results[results.length - 1];
                    rows.push({ data: label, recipe, engine: 'PyTorch (2 threads)', times: results.map((r) => r.train_s), note: `F1 ${last.f1.toFixed(3)}, ROC-AUC ${last.roc_auc.toFixed(3)} (last run)` });
                    console.error(`train: ${label} PyTorch: ${median(rows[rows.length - 1].times).toFixed(2)} s`);
                }
            }
        }
    }
    finally {
        rmSync(tmp, { recursive: true, force: true });
    }
    const torchOf = (r) => rows.find((o) => o.data === r.data && o.recipe === r.recipe && o.engine.startsWith('PyTorch'));
    const lines = [
        `${window}-day features; median of ${runs} runs (seeds 0..${runs - 1}) (min-max), seconds${options.defaultRuns > 0 ? `; the default recipe ${options.defaultRuns} run(s) on the first backend` : ''}. Tutorial recipe: 5 folds x 30 epochs; PyTorch runs the same recipe (bench/train_torch.py) on the same rows in the same run${hasTorch ? '' : ` (**torch is not installed: compared with docs/METHOD.md's ${METHOD_MD_TORCH_S.low}-${METHOD_MD_TORCH_S.high} s on the real files instead**)`}.`,
        '',
        '| data | recipe | engine | seconds | / PyTorch | notes |',
        '|---|---|---|---:|---:|---|',
        ...rows.map((r) => {
            const torch = torchOf(r);
            const ratio = torch != null ? `${(median(r.times) / median(torch.times)).toFixed(2)}x` : '-';
            return `| ${r.data} | ${r.recipe} | ${r.engine} | ${spread(r.times, 2)} | ${ratio} | ${r.note ?? ''} |`;
        }),
        '',
        'The default recipe (a fresh model per fold, two learning rates, up to 100 epochs with early stopping, a final refit) has no PyTorch counterpart here; it is what a first start trains.',
    ];
    const compared = rows.filter((r) => r.engine === 'tfjs wasm' && r.recipe === 'tutorial');
    const ratios = compared.map((r) => {
        const torch = torchOf(r);
        return torch != null ? median(r.times) / median(torch.times) : median(r.times) / METHOD_MD_TORCH_S.low;
    });
    const worst = ratios.length > 0 ? Math.max(...ratios) : NaN;
    return {
        title: 'Training',
        markdown: lines.join('\n'),
        goals: [{
                goal: 'training within 2x of PyTorch (tutorial recipe, tfjs wasm)',
                met: Number.isNaN(worst) ? null : worst <= 2,
                measured: compared.map((r, i) => `${r.data}: ${ratios[i].toFixed(2)}x`).join('; ') + (hasTorch ? '' : ' (against docs/METHOD.md)'),
            }],
    };
}
if (process.argv[1]?.endsWith('train.js') === true) {
    const { values } = parseArgs({
        options: {
            runs: { type: 'string', default: '3' },
            backends: { type: 'string', default: 'wasm,cpu' },
            recipes: { type: 'string', default: 'tutorial,default' },
            naive: { type: 'boolean', default: false },
            real: { type: 'string', default: '/work/shared/data/giza-aave' },
            window: { type: 'string', default: '7' },
            'default-runs': { type: 'string', default: '1' },
        },
    });
    const section = await benchTrain({
        runs: Number(values.runs),
        backends: values.backends.split(','),
        recipes: values.recipes.split(','),
        naive: values.naive,
        real: values.real,
        window: Number(values.window),
        defaultRuns: Number(values['default-runs']),
    });
    console.log(section.markdown);
}
/** The baseline: the tutorial recipe as a plain tfjs-layers loop (compile once, model.fit per fold). */
async function naiveTutorial(ds) {
    const x = scaleRows(ds.train.X, ds.scaler);
    const n = ds.train.y.length;
    const X = tf.tensor2d(x, [n, 10]);
    const Y = tf.tensor2d(Float32Array.from(ds.train.y), [n, 1]);
    const model = tf.sequential({
        layers: [
            tf.layers.dense({ inputShape: [10], units: 32, activation: 'relu' }),
            tf.layers.dense({ units: 16, activation: 'relu' }),
            tf.layers.dense({ units: 1, activation: 'sigmoid' }),
        ],
    });
    model.compile({ optimizer: tf.train.adam(1e-4), loss: 'binaryCrossentropy' });
    const t0 = performance.now();
    for (const { train, val } of kFold(n, 5)) {
        const ti = tf.tensor1d(train, 'int32');
        const vi = tf.tensor1d(val, 'int32');
        const xt = tf.gather(X, ti);
        const yt = tf.gather(Y, ti);
        await model.fit(xt, yt, { epochs: 30, batchSize: 32, shuffle: true, verbose: 0 });
        const loss = model.evaluate(tf.gather(X, vi), tf.gather(Y, vi), { batchSize: 32 });
        loss.dataSync();
        tf.dispose([ti, vi, xt, yt, loss]);
    }
    const s = (performance.now() - t0) / 1000;
    model.dispose();
    tf.dispose([X, Y]);
    return s;
}
//# sourceMappingURL=train.js.map