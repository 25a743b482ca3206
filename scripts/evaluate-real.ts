/**
 * Issue 16's figures on the real Giza files (not part of npm test: the files may not be redistributed).
 *
 *   node dist/scripts/evaluate-real.js [DATA_DIR] [--seeds 0,1,2,3,4] [--recipes tutorial,default,nowcast,forecast]
 *        [--walk-forward nowcast,forecast] [--window 7] [--horizon 1] [--json out.json]
 *
 * For every recipe and seed it runs what a training job runs (src/evaluation/evaluate.ts): the walk-forward
 * backtest (for the recipes in --walk-forward: every 7 days over the last 180, a fresh model per fold, each
 * tested on the next 7 days) and the final model on METHOD.md's split, with both baselines, lifts and
 * block-bootstrap 95% intervals; then prints the Markdown tables of the README's model section.
 * DATA_DIR defaults to ../shared/data/giza-aave next to the repository; when it is absent the script says so
 * and exits 0.
 */
import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import os from 'node:os'
import { DATASET_FILE_BASENAMES, loadGizaDirectory } from '../src/data/index.js'
import { buildRecipeFeatures } from '../src/features/recipe-features.js'
import type { FeatureWindow } from '../src/features/types.js'
import { trainAndEvaluate } from '../src/evaluation/evaluate.js'
import type { EvaluationReport, EvaluationSectionT } from '../src/schemas/evaluation.js'
import type { RecipeName, TrainedModel } from '../src/training/types.js'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    seeds: { type: 'string', default: '0,1,2,3,4' },
    recipes: { type: 'string', default: 'tutorial,default,nowcast,forecast' },
    'walk-forward': { type: 'string', default: 'nowcast,forecast' },
    window: { type: 'string', default: '7' },
    horizon: { type: 'string', default: '1' },
    json: { type: 'string' },
    refit: { type: 'boolean', default: false },
  },
})

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const dataDir = resolve(positionals[0] ?? join(root, '..', 'shared', 'data', 'giza-aave'))
if (!existsSync(join(dataDir, `${DATASET_FILE_BASENAMES.liquidations_v2}.csv`))) {
  console.log(`skipped: no real Giza files in ${dataDir} (give the folder as the first argument)`)
  process.exit(0)
}

const seeds = values.seeds.split(',').map(Number)
const recipes = values.recipes.split(',') as RecipeName[]
const wfRecipes = new Set(values['walk-forward'].split(',').filter((r) => r !== ''))
const window = Number(values.window) as FeatureWindow
const horizon = Number(values.horizon)
const data = await loadGizaDirectory(dataDir)
console.log(`# evaluate-real ${new Date().toISOString()} on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), load average at start ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`)

interface Run { recipe: RecipeName, seed: number, seconds: number, model: TrainedModel, evaluation: EvaluationReport }
const runs: Run[] = []
for (const recipe of recipes) {
  const set = buildRecipeFeatures(data, recipe, window, horizon)
  for (const seed of seeds) {
    const t0 = performance.now()
    const { model, evaluation } = await trainAndEvaluate(set, {
      recipe,
      seed,
      walkForward: wfRecipes.has(recipe) ? {} : false,
      ...(values.refit ? { train: { calibratedRecipe: { refit: true } } } : {}),
    })
    const seconds = (performance.now() - t0) / 1000
    runs.push({ recipe, seed, seconds, model, evaluation })
    const m = model.metrics
    const wf = evaluation.walk_forward?.overall.scores
    console.log(`${recipe} seed ${seed} [${model.backend}, ${seconds.toFixed(1)} s] split: acc ${m.accuracy.toFixed(4)} prec ${m.precision.toFixed(4)} ` +
      `rec ${m.recall.toFixed(4)} F1 ${m.f1.toFixed(4)} ROC-AUC ${m.roc_auc.toFixed(4)} PR-AUC ${m.pr_auc.toFixed(4)} thr ${m.threshold.toFixed(3)}` +
      (wf !== undefined ? ` | walk-forward ROC-AUC ${fmt(wf.roc_auc.value)} ${ci(wf.roc_auc.ci)} lift ${fmt(wf.roc_auc.lift)} ${ci(wf.roc_auc.lift_ci)}` : ''))
  }
}

function fmt (v: number | null | undefined, digits = 3): string {
  return v === null || v === undefined ? '–' : v.toFixed(digits)
}
function ci (c: { lo: number, hi: number } | null): string {
  return c === null ? '' : `[${c.lo.toFixed(3)}, ${c.hi.toFixed(3)}]`
}
function meanSd (v: number[]): string {
  const mean = v.reduce((a, b) => a + b, 0) / v.length
  const sd = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) : 0
  return `${mean.toFixed(3)} ± ${sd.toFixed(3)}`
}

const SCORE_LABELS = [['roc_auc', 'ROC-AUC'], ['pr_auc', 'PR-AUC'], ['f1', 'F1'], ['brier', 'Brier'], ['ece', 'ECE']] as const

console.log('\n## METHOD.md split (2,428 / 313 / 91 for METHOD\'s rows), mean ± sd over seeds ' + seeds.join(', ') + ' (sample sd)\n')
console.log('| recipe | rows train / test (pos.) | F1 | ROC-AUC | PR-AUC | Brier | prior F1 / ROC-AUC | persistence F1 / ROC-AUC |')
console.log('|---|---|---|---|---|---|---|---|')
for (const recipe of recipes) {
  const rs = runs.filter((r) => r.recipe === recipe)
  const s = (k: keyof EvaluationSectionT['scores']): number[] => rs.map((r) => r.evaluation.split.test.scores[k].value ?? NaN)
  const t = rs[0].evaluation.split
  const base = t.test.scores
  console.log(`| ${recipe}${recipe === 'forecast' ? ` (h = ${horizon})` : ''} | ${t.train_rows} / ${t.test.rows} (${t.test.positives}) | ${meanSd(s('f1'))} | ${meanSd(s('roc_auc'))} | ` +
    `${meanSd(s('pr_auc'))} | ${meanSd(s('brier'))} | ${fmt(base.f1.prior)} / ${fmt(base.roc_auc.prior)} | ${fmt(base.f1.persistence)} / ${fmt(base.roc_auc.persistence)} |`)
}

for (const recipe of recipes.filter((r) => wfRecipes.has(r))) {
  const rs = runs.filter((r) => r.recipe === recipe)
  const wf0 = rs[0].evaluation.walk_forward
  if (wf0 == null) continue
  const o = wf0.overall
  console.log(`\n## Walk-forward, ${recipe}${recipe === 'forecast' ? ` (h = ${horizon})` : ''}: ${wf0.folds.length} folds, origins every ${wf0.step_days} days, ` +
    `each testing ${wf0.test_days} days; ${o.rows} test rows (${o.positives} positive) on ${o.days} days, ${o.from} to ${o.to}\n`)
  console.log(`Model: mean ± sd over seeds ${seeds.join(', ')}; intervals: 95% moving-block bootstrap over days (blocks of ${wf0.block_days}, ` +
    `${wf0.resamples} resamples), seed ${rs[0].seed}'s run; lift = model - better baseline (baseline - model for Brier and ECE).\n`)
  console.log('| score | model | 95% interval (seed ' + rs[0].seed + ') | prior | persistence | lift over the better | lift 95% interval | seeds with lift interval > 0 |')
  console.log('|---|---|---|---|---|---|---|---|')
  for (const [k, label] of SCORE_LABELS) {
    const sc = o.scores[k]
    const vals = rs.map((r) => r.evaluation.walk_forward?.overall.scores[k].value ?? NaN)
    const above = rs.filter((r) => (r.evaluation.walk_forward?.overall.scores[k].lift_ci?.lo ?? -1) > 0).length
    console.log(`| ${label} | ${meanSd(vals)} | ${ci(sc.ci)} | ${fmt(sc.prior)} | ${fmt(sc.persistence)} | ${meanSd(rs.map((r) => r.evaluation.walk_forward?.overall.scores[k].lift ?? NaN))} (vs ${sc.better_baseline}) | ` +
      `${ci(sc.lift_ci)} | ${above} of ${rs.length} |`)
  }
}

const tut = runs.filter((r) => r.recipe === 'tutorial')
if (tut.length > 0) {
  console.log('\n## Tutorial recipe against the published 7-day figures (accuracy 0.7348, precision 0.70, recall 0.1538, F1 0.2523)\n')
  for (const r of tut) {
    const m = r.model.metrics
    const same = m.accuracy.toFixed(4) === '0.7348' && m.precision.toFixed(2) === '0.70' && m.recall.toFixed(4) === '0.1538' && m.f1.toFixed(4) === '0.2523'
    console.log(`seed ${r.seed}: accuracy ${m.accuracy.toFixed(4)} precision ${m.precision.toFixed(4)} recall ${m.recall.toFixed(4)} F1 ${m.f1.toFixed(4)} ` +
      `cv_avg ${m.cv_avg.toFixed(4)}${same ? '  = published' : ''}`)
  }
}
console.log(`\nload average at the end ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`)
if (values.json !== undefined) {
  await writeFile(values.json, JSON.stringify(runs.map((r) => ({ recipe: r.recipe, seed: r.seed, seconds: r.seconds, metrics: r.model.metrics, details: r.model.details, evaluation: r.evaluation })), null, 1))
}
