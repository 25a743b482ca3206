import { ApiError, call } from './api.js'
import { fmt, h, section, table, when } from './dom.js'

const DATASETS = ['liquidations_v2', 'liquidations_v3', 'deposits_borrows_v2', 'deposits_borrows_v3', 'token_prices']

function progress (job: any): HTMLElement | string {
  const p = job.progress
  if (job.status === 'succeeded' && job.model != null) return h('a', { href: `#/models/${job.model.name as string}/${job.model.version as number}` }, `${job.model.name as string} v${job.model.version as number}`)
  if (job.status === 'failed') return h('span', { class: 'error' }, String(job.error ?? 'failed'))
  if (p == null) return job.status
  const done = ((p.fold - 1) * p.epochs + p.epoch) / (p.folds * p.epochs)
  return h('span', { class: 'progress', 'data-progress': `${p.fold as number}/${p.folds as number}:${p.epoch as number}/${p.epochs as number}` },
    h('progress', { max: 1, value: done }), ` fold ${p.fold as number}/${p.folds as number}, epoch ${p.epoch as number}/${p.epochs as number}, loss ${fmt(p.loss, 4)}`)
}

/**
 * Training jobs with live progress (polled every second while one is queued or running), and a
 * form to start one on synthetic data or five dataset URLs. A job started here opens its version's
 * page when it succeeds.
 */
export async function trainingPage (main: HTMLElement, isCurrent: () => boolean): Promise<void> {
  let followed: string | null = null
  const list = h('div', { id: 'jobs' })
  const message = h('p', { class: 'message', role: 'status' })
  const refresh = async (): Promise<void> => {
    if (!isCurrent()) return
    const { jobs } = await call<{ jobs: any[] }>('GET', '/train')
    list.replaceChildren(jobs.length === 0
      ? h('p', { class: 'muted' }, 'No training job yet.')
      : table(['job', 'model', 'recipe', 'data', 'status', 'created', 'progress or result'], jobs.map((j) => [
        h('code', { 'data-job': j.id }, String(j.id).slice(0, 8)), j.spec.model, `${String(j.spec.recipe)}${j.spec.epochs != null ? ` (${String(j.spec.epochs)} epochs)` : ''}`, j.spec.data,
        h('span', { class: `pill ${j.status === 'succeeded' ? 'ok' : j.status === 'failed' ? 'bad' : 'wait'}`, 'data-status': j.status }, j.status), when(j.created), progress(j),
      ]), 'jobs'))
    const mine = jobs.find((j) => j.id === followed)
    if (mine?.status === 'succeeded' && mine.model != null) {
      location.hash = `#/models/${mine.model.name as string}/${mine.model.version as number}`
      return
    }
    if (mine?.status === 'failed') message.textContent = `The job failed: ${String(mine.error)}`
    if (jobs.some((j) => j.status === 'queued' || j.status === 'running')) setTimeout(() => { void refresh().catch(() => undefined) }, 1000)
  }

  const input = (name: string, attrs: Record<string, string | number | boolean> = {}): HTMLInputElement => h('input', { name, id: `f-${name}`, ...attrs })
  const label = (text: string, control: HTMLElement): HTMLElement => h('label', {}, h('span', {}, text), control)
  const synthetic = h('fieldset', { id: 'synthetic' }, h('legend', {}, 'Synthetic data'),
    label('seed', input('synthetic_seed', { type: 'number', min: 0, value: 0 })), label('days', input('days', { type: 'number', min: 90, max: 3650, value: 200 })))
  const urls = h('fieldset', { id: 'urls', hidden: true }, h('legend', {}, 'Dataset URLs (csv, parquet, arrow or json)'),
    DATASETS.map((d) => label(d, input(d, { type: 'url', placeholder: 'https://…' }))))
  const form = h('form', { id: 'train-form', class: 'form' },
    label('model name', input('model', { required: true, pattern: '[a-z0-9][a-z0-9_\\-]{0,63}', value: 'my-model' })),
    label('recipe', h('select', { name: 'recipe' }, h('option', { value: 'tutorial' }, 'tutorial (fast)'), h('option', { value: 'default' }, 'default'))),
    label('window', h('select', { name: 'window' }, h('option', { value: '7' }, '7 days'), h('option', { value: '3' }, '3 days'))),
    label('epochs', input('epochs', { type: 'number', min: 1, max: 2000, placeholder: 'recipe default' })),
    label('seed', input('seed', { type: 'number', min: 0, value: 0 })),
    label('proof system', h('select', { name: 'proof_system' }, h('option', { value: '' }, 'service default'), h('option', { value: 'groth16' }, 'groth16'), h('option', { value: 'plonk' }, 'plonk'))),
    label('data', h('select', { name: 'data', onchange: (e: Event) => { const v = (e.target as HTMLSelectElement).value; synthetic.hidden = v !== 'synthetic'; urls.hidden = v !== 'urls' } },
      h('option', { value: 'synthetic' }, 'synthetic'), h('option', { value: 'urls' }, 'dataset URLs'))),
    synthetic, urls,
    h('button', { type: 'submit' }, 'Start training'))
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const f = new FormData(form)
    const num = (k: string): number | undefined => { const v = String(f.get(k) ?? ''); return v === '' ? undefined : Number(v) }
    const body: Record<string, unknown> = { model: f.get('model'), recipe: f.get('recipe'), window: Number(f.get('window')), seed: num('seed') }
    if (num('epochs') != null) body.epochs = num('epochs')
    if (f.get('proof_system') !== '') body.proof_system = f.get('proof_system')
    body.data = f.get('data') === 'urls'
      ? { sources: Object.fromEntries(DATASETS.map((d) => [d, String(f.get(d) ?? '')])) }
      : { synthetic: { seed: num('synthetic_seed'), days: num('days') } }
    message.textContent = 'Submitting…'
    call('POST', '/train', body).then(async (job: any) => {
      followed = job.id
      message.textContent = `Job ${String(job.id).slice(0, 8)} queued; this page opens the new version when it is done.`
      await refresh()
    }).catch((err: Error) => { message.textContent = err instanceof ApiError ? `${err.code}: ${err.message}` : err.message })
  })
  main.replaceChildren(h('h1', {}, 'Training'), section('Start a training job', form, message), section('Jobs', list))
  await refresh()
}
