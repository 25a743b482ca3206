/**
 * How the nowcast recipe's inputs and hyper-parameters were chosen without looking at METHOD's test
 * days (issue 16). Not part of npm test: it needs the real Giza files.
 *
 *   nice -n 19 node dist/scripts/tune-nowcast.js [DATA_DIR] --mode inner [--extras long,rate] [--hidden 32,16]
 *        [--lr 1e-3] [--epochs 40] [--val-days 28] [--wd 0] [--pw 1] [--refit] [--seeds 0,1,2,3,4] [--inner-folds 3]
 *        [--smooth 3] [--base log|raw] [--lag-usd log|raw] [--trainer calibrated|default] [--lrs 1e-3,3e-3] [--default-epochs 100]
 *
 * --mode inner (the selection): METHOD's test rows are dropped first. On the remaining training period,
 *   K back-to-back blocks of 41 labelled days (the size of METHOD's test) each serve once as a pseudo-test
 *   for a model trained on every row labelled before the block (rolling origin, newest block first): the
 *   configuration is ranked on these blocks only.
 * --mode split: METHOD's split itself (the figure reported once a configuration is fixed).
 */
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { DATASET_FILE_BASENAMES, loadGizaDirectory } from '../src/data/index.js'
import { buildRecipeFeatures, methodSplit } from '../src/features/recipe-features.js'
import { selectRows, type NowcastExtra } from '../src/features/lags.js'
import { fitMinMaxScaler } from '../src/features/scaler.js'
import { TEST_DAYS } from '../src/features/split.js'
import type { FeatureDataset } from '../src/features/types.js'
import { trainModel } from '../src/training/train.js'
import type { CalibratedRecipeOptions } from '../src/training/recipes/calibrated.js'
import type { DefaultRecipeOptions } from '../src/training/recipes/default.js'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    mode: { type: 'string', default: 'inner' },
    extras: { type: 'string', default: '' },
    hidden: { type: 'string', default: '32,16' },
    lr: { type: 'string', default: '1e-3' },
    epochs: { type: 'string', default: '40' },
    'min-epochs': { type: 'string', default: '5' },
    'val-days': { type: 'string', default: '28' },
    batch: { type: 'string', default: '64' },
    wd: { type: 'string', default: '0' },
    pw: { type: 'string', default: '1' },
    refit: { type: 'boolean', default: false },
    seeds: { type: 'string', default: '0' },
    'inner-folds': { type: 'string', default: '3' },
    window: { type: 'string', default: '7' },
    smooth: { type: 'string', default: '3' },
    // log1p on METHOD's volume / market-cap columns and on the lagged USD, or their raw values (min-max either way)
    base: { type: 'string', default: 'log' },
    'lag-usd': { type: 'string', default: 'log' },
    // calibrated: the nowcast recipe (validation slice); default: the default recipe's 5-fold CV over lrs, refit on all rows
    trainer: { type: 'string', default: 'calibrated' },
    lrs: { type: 'string', default: '1e-3,3e-3' },
    'default-epochs': { type: 'string', default: '100' },
  },
})

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const dataDir = resolve(positionals[0] ?? join(root, '..', 'shared', 'data', 'giza-aave'))
if (!existsSync(join(dataDir, `${DATASET_FILE_BASENAMES.liquidations_v2}.csv`))) {
  console.log(`skipped: no real Giza files in ${dataDir}`)
  process.exit(0)
}
const extras = values.extras.split(',').filter((e) => e !== '') as NowcastExtra[]
const hidden = values.hidden.split(',').map(Number) as [number, number]
const recipe: Partial<CalibratedRecipeOptions> = {
  lr: Number(values.lr),
  maxEpochs: Number(values.epochs),
  minEpochs: Number(values['min-epochs']),
  smooth: Number(values.smooth),
  valDays: Number(values['val-days']),
  batchSize: Number(values.batch),
  weightDecay: Number(values.wd),
  posWeightScale: Number(values.pw),
  refit: values.refit,
  hidden,
}
const defaultRecipe: Partial<DefaultRecipeOptions> = {
  lrs: values.lrs.split(',').map(Number),
  maxEpochs: Number(values['default-epochs']),
}
const trainer = values.trainer === 'default' ? 'default' : 'calibrated'
const inputs = { logBase: values.base !== 'raw', logLagUsd: values['lag-usd'] !== 'raw' }
const seeds = values.seeds.split(',').map(Number)
const data = await loadGizaDirectory(dataDir)
const set = buildRecipeFeatures(data, 'nowcast', Number(values.window) as 3 | 7, undefined, extras, inputs)
const split = methodSplit(set)

/** Datasets to score: METHOD's split, or K pseudo-test blocks inside its training period. */
const datasets: { name: string, d: FeatureDataset }[] = []
if (values.mode === 'split') {
  datasets.push({ name: 'split', d: split })
} else {
  const rows = split.train
  const k = Number(values['inner-folds'])
  for (let f = 1; f <= k; f++) {
    const from = split.testFromDay - f * (TEST_DAYS + 1)
    const to = from + TEST_DAYS
    const train = selectRows(rows, (i) => rows.day[i] < from)
    const test = selectRows(rows, (i) => rows.day[i] >= from && rows.day[i] <= to)
    datasets.push({
      name: `inner${f}`,
      d: { ...split, testFromDay: from, train, test, scaler: fitMinMaxScaler(train.X, set.featureNames) },
    })
  }
}

const cols = ['roc_auc', 'f1', 'pr_auc'] as const
const per: Record<string, number[]> = {}
for (const seed of seeds) {
  const line: string[] = []
  for (const { name, d } of datasets) {
    const model = await trainModel(d, { recipe: 'nowcast', seed, calibratedRecipe: recipe, defaultRecipe, nowcastTrainer: trainer })
    for (const c of cols) (per[`${name}.${c}`] ??= []).push(model.metrics[c])
    line.push(`${name} roc ${model.metrics.roc_auc.toFixed(4)} f1 ${model.metrics.f1.toFixed(4)} ep ${String(model.details?.epochs)}`)
  }
  console.log(`seed ${seed}: ${line.join(' | ')}`)
}
const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length
const sd = (v: number[]): number => v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / (v.length - 1)) : 0
const summary = cols.map((c) => {
  const all = datasets.map(({ name }) => mean(per[`${name}.${c}`]))
  return `${c} ${mean(all).toFixed(4)} [${datasets.map(({ name }) => `${mean(per[`${name}.${c}`]).toFixed(3)}±${sd(per[`${name}.${c}`]).toFixed(3)}`).join(' ')}]`
})
console.log(`RESULT mode=${values.mode} base=${values.base} lag-usd=${values['lag-usd']} trainer=${trainer}` +
  (trainer === 'default' ? ` lrs=${values.lrs} default-epochs=${values['default-epochs']}` : '') + ` smooth=${values.smooth}` +
  ` extras=${values.extras || '-'} hidden=${values.hidden} lr=${values.lr} epochs=${values.epochs} ` +
  `val=${values['val-days']} wd=${values.wd} pw=${values.pw} refit=${values.refit} batch=${values.batch} seeds=${values.seeds} features=${set.featureNames.length}: ` +
  summary.join(' ; '))
