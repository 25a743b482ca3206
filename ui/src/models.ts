import { call } from './api.js'
import { fmt, h, section, table, when } from './dom.js'

interface Summary { name: string, versions: number[], aliases: Record<string, number> }

/** Every model with its versions side by side; pick two versions to diff them. */
export async function modelsPage (main: HTMLElement): Promise<void> {
  const { models } = await call<{ models: Summary[] }>('GET', '/models')
  if (models.length === 0) {
    main.replaceChildren(section('Models', h('p', {}, 'No model yet. ', h('a', { href: '#/training' }, 'Train one'), ' or upload an ONNX file (POST /models).')))
    return
  }
  const blocks: HTMLElement[] = []
  for (const model of models) {
    const versions = await Promise.all([...model.versions].reverse().map(async (v) => await call('GET', `/models/${model.name}/versions/${v}`)))
    const picked: number[] = []
    const diffLink = h('a', { class: 'button disabled', href: '#', 'data-diff': model.name }, 'Diff two versions')
    const pick = (v: number, box: HTMLInputElement): void => {
      if (box.checked) picked.push(v)
      else picked.splice(picked.indexOf(v), 1)
      while (picked.length > 2) {
        const dropped = picked.shift() as number
        const other = document.querySelector<HTMLInputElement>(`input[data-pick="${model.name}@${dropped}"]`)
        if (other != null) other.checked = false
      }
      const ready = picked.length === 2
      diffLink.classList.toggle('disabled', !ready)
      diffLink.setAttribute('href', ready ? `#/diff/${model.name}/${Math.min(...picked)}/${Math.max(...picked)}` : '#')
    }
    const rows = versions.map((m: any) => [
      h('input', { type: 'checkbox', 'data-pick': `${model.name}@${m.version as number}`, 'aria-label': `pick version ${m.version as number}`, onchange: (e: Event) => { pick(m.version, e.target as HTMLInputElement) } }),
      h('a', { href: `#/models/${model.name}/${m.version as number}` }, `v${m.version as number}`),
      (m.aliases as string[]).join(', '),
      when(m.created),
      m.source === 'trained' ? `${String(m.recipe ?? '')} (${String(m.window ?? '')}d)` : 'uploaded',
      fmt(m.metrics?.roc_auc), fmt(m.metrics?.pr_auc), fmt(m.metrics?.f1),
      h('span', { class: `pill ${m.provable === true ? 'ok' : m.circuit?.status === 'failed' || m.circuit?.status === 'unsupported' ? 'bad' : 'wait'}` }, m.provable === true ? `${m.proof_system as string}` : String(m.circuit?.status)),
      String(m.visibility ?? 'public'),
    ])
    blocks.push(h('section', { class: 'model', 'data-model': model.name },
      h('h2', {}, model.name, ' ', h('span', { class: 'muted' }, `${model.versions.length} version${model.versions.length === 1 ? '' : 's'}`)),
      table(['', 'version', 'aliases', 'created', 'recipe', 'ROC-AUC', 'PR-AUC', 'F1', 'provable', 'visibility'], rows, 'versions'),
      h('p', {}, diffLink)
    ))
  }
  main.replaceChildren(h('h1', {}, 'Models'), ...blocks)
}

/** Two versions' facts side by side; rows that differ are marked. */
export async function diffPage (main: HTMLElement, name: string, a: string, b: string): Promise<void> {
  const [left, right] = await Promise.all([call('GET', `/models/${name}/versions/${a}`), call('GET', `/models/${name}/versions/${b}`)])
  const flat = (o: unknown, prefix = '', out: Record<string, string> = {}): Record<string, string> => {
    if (o != null && typeof o === 'object' && !Array.isArray(o)) {
      for (const [k, v] of Object.entries(o)) flat(v, prefix === '' ? k : `${prefix}.${k}`, out)
    } else {
      out[prefix] = Array.isArray(o) ? (o.length > 12 ? `[${o.length} items]` : JSON.stringify(o)) : fmt(o, 4)
    }
    return out
  }
  const l = flat(left)
  const r = flat(right)
  const keys = [...new Set([...Object.keys(l), ...Object.keys(r)])].filter((k) => !k.startsWith('inputs') && !k.startsWith('outputs'))
  const rows = keys.map((k) => {
    const changed = l[k] !== r[k]
    return h('tr', { class: changed ? 'changed' : '' }, h('th', {}, k), h('td', {}, l[k] ?? '–'), h('td', {}, r[k] ?? '–'))
  })
  const changedCount = keys.filter((k) => l[k] !== r[k]).length
  main.replaceChildren(
    h('h1', {}, `${name}: v${a} against v${b}`),
    h('p', { class: 'muted', 'data-diff-count': changedCount }, `${changedCount} of ${keys.length} fields differ (marked).`),
    h('table', { class: 'diff' }, h('thead', {}, h('tr', {}, h('th', {}, 'field'), h('th', {}, h('a', { href: `#/models/${name}/${a}` }, `v${a}`)), h('th', {}, h('a', { href: `#/models/${name}/${b}` }, `v${b}`)))), h('tbody', {}, rows))
  )
}
