import { ApiError, call, downloadLink } from './api.js'
import { fmt, h, section, when } from './dom.js'

let snarkjsLoading: Promise<void> | null = null

/** snarkjs's browser build (~1 MB) is loaded the first time a proof is verified, not with the page. */
async function loadSnarkjs (): Promise<void> {
  snarkjsLoading ??= new Promise<void>((resolve, reject) => {
    const script = h('script', { src: '/ui/assets/snarkjs.min.js' })
    script.addEventListener('load', () => resolve())
    script.addEventListener('error', () => reject(new Error('could not load snarkjs')))
    document.head.append(script)
  })
  await snarkjsLoading
}

interface Bundle { proof_system: 'groth16' | 'plonk', proof: unknown, public_signals: string[], model: { name: string, version: number } }

/**
 * Verifies a bundle in this browser with snarkjs, against the verification key of the bundle's
 * model version fetched from the registry (not the key inside the bundle, which whoever made the
 * bundle chose). Nothing is sent to the service but that GET.
 */
export async function verifyInBrowser (bundle: Bundle): Promise<{ verified: boolean, ms: number }> {
  if (bundle?.model?.name == null || !Array.isArray(bundle.public_signals) || bundle.proof == null) throw new Error('not a proof bundle: it needs proof, public_signals and model {name, version}')
  const [vk] = await Promise.all([call('GET', `/models/${bundle.model.name}/versions/${bundle.model.version}/verification-key`), loadSnarkjs()])
  const verifier = bundle.proof_system === 'plonk' ? snarkjs.plonk : snarkjs.groth16
  const started = performance.now()
  // snarkjs throws on malformed points; that is a failed verification too.
  const verified = await verifier.verify(vk, bundle.public_signals, bundle.proof).catch(() => false)
  return { verified, ms: performance.now() - started }
}

function verifyPanel (getBundle: () => Promise<Bundle>): HTMLElement {
  const result = h('p', { class: 'verify-result', 'data-verified': '' }, '')
  const button = h('button', { type: 'button', id: 'verify' }, 'Verify in this browser')
  button.addEventListener('click', () => {
    button.disabled = true
    result.dataset.verified = 'running'
    result.className = 'verify-result'
    result.textContent = 'Verifying with snarkjs in this browser…'
    getBundle().then(verifyInBrowser).then(({ verified, ms }) => {
      result.dataset.verified = String(verified)
      result.className = `verify-result ${verified ? 'ok' : 'bad'}`
      result.textContent = verified
        ? `Valid: snarkjs verified the proof against the registry's verification key in ${fmt(ms, 0)} ms, in this browser.`
        : 'INVALID: the proof does not verify against the registry\'s verification key for this model version.'
    }).catch((err: Error) => {
      result.dataset.verified = 'error'
      result.className = 'verify-result bad'
      result.textContent = `Could not verify: ${err.message}`
    }).finally(() => { button.disabled = false })
  })
  return h('div', { class: 'verify' }, button, result)
}

/** Look up a proof, ask for a prediction with a proof, or verify a bundle file. */
export async function proofsPage (main: HTMLElement): Promise<void> {
  const lookup = h('form', { class: 'form inline', id: 'proof-lookup' }, h('input', { name: 'id', placeholder: 'proof id', required: true, size: 40 }), h('button', {}, 'Open'))
  lookup.addEventListener('submit', (e) => { e.preventDefault(); location.hash = `#/proofs/${String(new FormData(lookup).get('id')).trim()}` })

  const { models } = await call<{ models: Array<{ name: string }> }>('GET', '/models')
  const predictMessage = h('p', { class: 'message', role: 'status' })
  const predict = h('form', { class: 'form', id: 'predict-form' },
    h('label', {}, h('span', {}, 'model'), h('select', { name: 'model' }, models.map((m) => h('option', { value: m.name }, m.name)))),
    h('label', {}, h('span', {}, 'one row (JSON array of numbers, or an object of features)'), h('textarea', { name: 'row', rows: 3, cols: 60 }, '[2.1e7, 9.5e6, 1850.2, 0, 8.1e9, 1.9e7, 8.7e6, 0, 7.7e9, 0.031]')),
    h('button', {}, 'Predict with a proof'))
  predict.addEventListener('submit', (e) => {
    e.preventDefault()
    const f = new FormData(predict)
    let row: unknown
    try { row = JSON.parse(String(f.get('row'))) } catch { predictMessage.textContent = 'The row is not valid JSON.'; return }
    call('POST', '/predict', { model: f.get('model'), instances: [row], proof: true }).then((out: any) => {
      const id = out.predictions[0]?.proof?.id as string | undefined
      if (id != null) location.hash = `#/proofs/${id}`
      else predictMessage.textContent = out.proof_error ?? 'no proof was queued'
    }).catch((err: Error) => { predictMessage.textContent = err instanceof ApiError ? `${err.code}: ${err.message}` : err.message })
  })

  let fileBundle: Bundle | null = null
  const fileInput = h('input', { type: 'file', id: 'bundle-file', accept: 'application/json,.json' })
  const fileInfo = h('p', { class: 'muted' })
  fileInput.addEventListener('change', () => {
    const file = fileInput.files?.[0]
    if (file == null) return
    void file.text().then((text) => {
      fileBundle = JSON.parse(text) as Bundle
      fileInfo.textContent = `${file.name}: ${fileBundle.proof_system} proof for ${fileBundle.model?.name} v${fileBundle.model?.version}, ${fileBundle.public_signals?.length} public signals`
    }).catch(() => { fileBundle = null; fileInfo.textContent = `${file.name} is not JSON` })
  })
  main.replaceChildren(h('h1', {}, 'Proofs'),
    section('Open a proof', lookup),
    section('Predict with a proof', predict, predictMessage),
    section('Verify a proof bundle file', h('p', { class: 'muted' }, 'A bundle from GET /proofs/{id}/download: it is checked here, with snarkjs, against the registry\'s verification key of its model version. The file is not uploaded.'),
      fileInput, fileInfo, verifyPanel(async () => { if (fileBundle == null) throw new Error('choose a bundle file first'); return fileBundle })))
}

/** One proof: status (polled until it settles), outputs, download, verification in the browser. */
export async function proofPage (main: HTMLElement, id: string, isCurrent: () => boolean): Promise<void> {
  const proof = await call('GET', `/proofs/${id}`)
  const settled = proof.status === 'succeeded' || proof.status === 'failed'
  const rows: Array<[string, unknown]> = [
    ['status', h('span', { class: `pill ${proof.status === 'succeeded' ? 'ok' : proof.status === 'failed' ? 'bad' : 'wait'}`, 'data-status': proof.status }, proof.status)],
    ['model', h('a', { href: `#/models/${proof.model as string}/${proof.version as number}` }, `${proof.model as string} v${proof.version as number}`)],
    ['proof system', proof.proof_system], ['created', when(proof.created)],
    ['served probability / label', proof.served != null ? `${fmt(proof.served.probability, 6)} / ${proof.served.label as number}` : undefined],
    ['proven probability / label', proof.output != null ? `${fmt(proof.output.probability, 6)} / ${proof.output.label as number}` : undefined],
    ['proven logit', proof.output?.logit], ['prove time', proof.prove_ms != null ? `${fmt(proof.prove_ms, 0)} ms` : undefined],
    ['public signals', proof.public_signals != null ? `${(proof.public_signals as string[]).length}` : undefined], ['error', proof.error],
  ]
  const parts: HTMLElement[] = [
    h('h1', {}, 'Proof ', h('code', {}, id)),
    h('dl', { class: 'kv' }, rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v instanceof Node ? v : fmt(v, 6))])),
  ]
  if (proof.status === 'succeeded') {
    parts.push(section('Check it yourself',
      h('p', {}, downloadLink(`/proofs/${id}/download`, `proof-${id}.json`, 'Download the bundle', 'download'), ' (proof, public signals, verification key, model): stock snarkjs verifies it.'),
      verifyPanel(async () => await call<Bundle>('GET', `/proofs/${id}/download`))))
  }
  main.replaceChildren(...parts)
  if (!settled) setTimeout(() => { if (isCurrent()) void proofPage(main, id, isCurrent).catch(() => undefined) }, 1000)
}
