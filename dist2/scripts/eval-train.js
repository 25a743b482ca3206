/**
 * Trains recipes over seeds on reference feature JSON files (the pandas matrices of the real data,
 * shape {featureNames, train, test, scaler, testFromDay}) and prints metrics per run and mean (std).
 * Usage: node dist/scripts/eval-train.js --recipes tutorial,default --windows 7,3 --seeds 0,1,2,3,4 [--dir /tmp/ref-features] [--epochs N] [--json out.json]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { trainModel } from '../src/training/train.js';
const { values } = parseArgs({
    options: {
        recipes: { type: 'string', default: 'tutorial,default' },
        windows: { type: 'string', default: '7,3' },
        seeds: { type: 'string', default: '0,1,2,3,4' },
        dir: { type: 'string', default: '/tmp/ref-features' },
        epochs: { type: 'string' },
        lrs: { type: 'string' },
        'max-epochs': { type: 'string' },
        json: { type: 'string' },
    },
});
export function loadReference(file, variant, window) {
    const d = JSON.parse(readFileSync(file, 'utf8'));
    return { variant, window, featureNames: d.featureNames, testFromDay: d.testFromDay, train: d.train, test: d.test, scaler: d.scaler };
}
const keys = ['accuracy', 'precision', 'recall', 'f1', 'roc_auc', 'pr_auc', 'cv_avg', 'threshold', 'seconds'];
const all = [];
for (const recipe of values.recipes.split(',')) {
    for (const window of values.windows.split(',').map(Number)) {
        const variant = recipe === 'tutorial' ? 'tutorial' : 'per-token';
        const ds = loadReference(`${values.dir}/features-${variant}-${window}.json`, variant, window);
        const rows = [];
        for (const seed of values.seeds.split(',').map(Number)) {
            const t0 = performance.now();
            const m = await trainModel(ds, {
                recipe,
                seed,
                epochs: values.epochs !== undefined ? Number(values.epochs) : undefined,
                defaultRecipe: {
                    ...(values.lrs !== undefined ? { lrs: values.lrs.split(',').map(Number) } : {}),
                    ...(values['max-epochs'] !== undefined ? { maxEpochs: Number(values['max-epochs']) } : {}),
                },
            });
            const row = { ...Object.fromEntries(keys.slice(0, 8).map((k) => [k, m.metrics[k]])), seconds: (performance.now() - t0) / 1000 };
            rows.push(row);
            all.push({ recipe, window, seed, backend: m.backend, ...row, details: m.details, cv: m.metrics.cv });
            console.log(`${recipe} w${window} seed ${seed} [${m.backend}] ` + keys.map((k) => `${k}=${row[k].toFixed(3)}`).join(' ') + ' ' + JSON.stringify(m.details));
        }
        const summary = keys.map((k) => {
            const v = rows.map((r) => r[k]);
            const mean = v.reduce((a, b) => a + b, 0) / v.length;
            const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
            return `${k} ${mean.toFixed(3)} (${std.toFixed(3)})`;
        });
        console.log(`## ${recipe} w${window} mean (std) over ${rows.length} seeds: ${summary.join(', ')}`);
    }
}
if (values.json !== undefined)
    writeFileSync(values.json, JSON.stringify(all, null, 2));
//# sourceMappingURL=eval-train.js.map