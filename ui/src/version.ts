import { call, downloadLink, optional } from './api.js'
import { lineChart, type Series } from './charts.js'
import { fmt, h, section, table, when } from './dom.js'

type Epoch = { loss: number, val_loss?: number }
interface Point { x: number, y: number }

/** Loss per epoch, one line per fold (solid: training loss, dashed: validation loss). */
function lossChart (history: Epoch[][]): HTMLElement {
  const epochs = Math.max(...history.map((f) => f.length))
  const x = Array.from({ length: epochs }, (_, i) => i + 1)
  const series: Series[] = []
  history.forEach((fold, i) => {
    series.push({ label: `fold ${i + 1} loss`, y: x.map((_, e) => fold[e]?.loss ?? null) })
    if (fold.some((e) => e.val_loss != null)) series.push({ label: `fold ${i + 1} val`, y: x.map((_, e) => fold[e]?.val_loss ?? null), dash: true })
  })
  return lineChart('loss', 'Loss per epoch and fold', x, series, { x: 'epoch', y: 'loss' })
}

/** A curve and a baseline that share the x values (uPlot draws series over one x array). */
function curveChart (name: string, title: string, points: Point[], baseline: (x: number) => number, baselineLabel: string, axes: { x: string, y: string }): HTMLElement {
  const sorted = [...points].sort((a, b) => a.x - b.x || a.y - b.y)
  const x = sorted.map((p) => p.x)
  return lineChart(name, title, x, [{ label: 'model', y: sorted.map((p) => p.y) }, { label: baselineLabel, y: x.map(baseline), dash: true, color: '#6b7280' }], { ...axes, unit: true })
}

function confusionMatrix (c: { tp: number, fp: number, tn: number, fn: number }): HTMLElement {
  const total = c.tp + c.fp + c.tn + c.fn
  const cell = (n: number, kind: string): HTMLElement => h('td', { class: `cm ${kind}`, 'data-cell': kind }, String(n), h('small', {}, ` ${fmt(total > 0 ? n / total * 100 : 0, 1)}%`))
  return h('table', { class: 'confusion', 'data-chart': 'confusion' },
    h('thead', {}, h('tr', {}, h('th', {}, ''), h('th', {}, 'predicted 1'), h('th', {}, 'predicted 0'))),
    h('tbody', {},
      h('tr', {}, h('th', {}, 'actual 1'), cell(c.tp, 'tp'), cell(c.fn, 'fn')),
      h('tr', {}, h('th', {}, 'actual 0'), cell(c.fp, 'fp'), cell(c.tn, 'tn'))))
}

function kv (pairs: Array<[string, unknown]>): HTMLElement {
  return h('dl', { class: 'kv' }, pairs.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v instanceof Node ? v : fmt(v, 4))]))
}

/**
 * A version's page: facts, the training metrics the version carries, its loss curves, its circuit,
 * and, when GET .../evaluation answers (the evaluation report), ROC and PR with their baselines,
 * calibration, the confusion matrix on the test split and the walk-forward folds.
 */
export async function versionPage (main: HTMLElement, name: string, version: string): Promise<void> {
  const meta = await call('GET', `/models/${name}/versions/${version}`)
  const [extra, evaluation] = await Promise.all([
    call<{ history: Epoch[][] | null }>('GET', `/ui/data/models/${name}/versions/${meta.version as number}/history`),
    optional(`/models/${name}/versions/${meta.version as number}/evaluation`),
  ])
  const m = meta.metrics ?? {}
  const circuit = meta.circuit ?? {}
  const parts: HTMLElement[] = [
    h('h1', {}, `${name} v${meta.version as number}`, ' ', ...(meta.aliases as string[]).map((a) => h('span', { class: 'pill' }, a))),
    kv([['created', when(meta.created)], ['source', meta.source], ['recipe', meta.recipe], ['window (days)', meta.window], ['seed', meta.seed], ['threshold', meta.threshold],
      ['features', (meta.features ?? []).join(', ')], ['ONNX sha256', h('code', {}, String(meta.onnx_sha256).slice(0, 16) + '…')],
      ['download', downloadLink(`/models/${name}/versions/${meta.version as number}/model.onnx`, `${name}-v${meta.version as number}.onnx`, 'model.onnx', 'download-onnx')]]),
  ]
  if (meta.metrics != null) {
    parts.push(section('Training metrics (test split)',
      table(['ROC-AUC', 'PR-AUC', 'F1', 'precision', 'recall', 'accuracy', 'CV mean ± sd', 'train / test rows', 'test positives'],
        [[fmt(m.roc_auc), fmt(m.pr_auc), fmt(m.f1), fmt(m.precision), fmt(m.recall), fmt(m.accuracy), `${fmt(m.cv_avg)} ± ${fmt(m.cv_std)}`,
          `${fmt(meta.dataset?.train_rows)} / ${fmt(meta.dataset?.test_rows)}`, fmt(meta.dataset?.test_positives)]], 'metrics')))
  }
  const charts: HTMLElement[] = []
  const history = evaluation?.training?.history ?? extra.history
  if (Array.isArray(history) && history.length > 0) charts.push(lossChart(history))
  const test = evaluation?.split?.test
  if (test != null) {
    const prevalence = test.rows > 0 ? test.positives / test.rows : 0
    charts.push(curveChart('roc', `ROC (AUC ${fmt(test.scores.roc_auc.value)})`, test.roc, (x) => x, 'chance', { x: 'false positive rate', y: 'true positive rate' }))
    charts.push(curveChart('pr', `Precision-recall (AP ${fmt(test.scores.pr_auc.value)})`, test.pr, () => prevalence, `prior ${fmt(prevalence)}`, { x: 'recall', y: 'precision' }))
    const bins = (test.calibration_bins as Array<{ mean_predicted: number | null, observed_rate: number | null }>).filter((b) => b.mean_predicted != null && b.observed_rate != null)
    charts.push(curveChart('calibration', `Calibration (ECE ${fmt(test.scores.ece.value)})`, bins.map((b) => ({ x: b.mean_predicted as number, y: b.observed_rate as number })), (x) => x, 'perfect', { x: 'mean predicted', y: 'observed rate' }))
  }
  const confusion = test?.confusion ?? m.confusion
  parts.push(section('Charts', h('div', { class: 'charts' }, charts,
    confusion != null ? h('div', { class: 'chart-box' }, h('h3', {}, `Confusion matrix at threshold ${fmt(evaluation?.split?.threshold ?? m.threshold ?? meta.threshold)}`), confusionMatrix(confusion)) : null),
  evaluation == null ? h('p', { class: 'muted', 'data-evaluation': 'none' }, 'ROC, PR and calibration curves and the walk-forward table come with the version\'s evaluation report (GET …/evaluation); this version has none.') : null))
  if (evaluation != null) {
    const scores = test.scores as Record<string, { value: number | null, prior: number | null, persistence: number | null, lift: number | null, ci: { lo: number, hi: number } | null }>
    parts.push(section('Scores with baselines (test split)', table(['score', 'model', '95% interval', 'prior', 'persistence', 'lift'],
      Object.entries(scores).map(([k, s]) => [k, fmt(s.value), s.ci != null ? `${fmt(s.ci.lo)} – ${fmt(s.ci.hi)}` : '–', fmt(s.prior), fmt(s.persistence), fmt(s.lift)]), 'scores')))
    const folds = evaluation.walk_forward?.folds as any[] | undefined
    if (folds != null) {
      parts.push(section('Walk-forward backtest', table(['fold', 'origin', 'to', 'train rows', 'test rows', 'positives', 'ROC-AUC', 'PR-AUC', 'F1', 'Brier', 'prior PR-AUC', 'persistence PR-AUC'],
        folds.map((f) => [f.fold, f.origin, f.test_to, f.train_rows, f.test_rows, f.test_positives, fmt(f.scores.roc_auc), fmt(f.scores.pr_auc), fmt(f.scores.f1), fmt(f.scores.brier), fmt(f.prior.pr_auc), fmt(f.persistence.pr_auc)]), 'walk-forward')))
    }
  }
  const ranges = Array.isArray(circuit.input_ranges) ? circuit.input_ranges as Array<{ feature?: string, min: number, max: number }> : null
  parts.push(section('Circuit', kv([
    ['status', h('span', { class: `pill ${circuit.status === 'ready' ? 'ok' : circuit.status === 'failed' || circuit.status === 'unsupported' ? 'bad' : 'wait'}`, 'data-circuit': circuit.status }, circuit.status)],
    ['proof system', meta.proof_system], ['constraints', circuit.constraints], ['input scale', circuit.input_scale],
    ['setup (trust)', circuit.setup], ['powers of tau', circuit.ptau != null ? `${String(circuit.ptau.file)}${circuit.ptau.secure === true ? '' : ' (INSECURE development file)'}` : undefined],
    ['build time', circuit.build_ms != null ? `${fmt(circuit.build_ms / 1000, 1)} s` : undefined], ['error', circuit.error ?? meta.not_provable_reason],
    ['verification key', circuit.status === 'ready' ? downloadLink(`/models/${name}/versions/${meta.version as number}/verification-key`, `${name}-v${meta.version as number}-verification_key.json`, 'verification_key.json') : undefined],
  ]), ranges != null ? table(['input', 'min', 'max'], ranges.map((r, i) => [r.feature ?? (meta.features?.[i] as string | undefined) ?? String(i), fmt(r.min), fmt(r.max)]), 'ranges') : null))
  main.replaceChildren(...parts)
}
