import { ApiError, apiKey, setApiKey, whenUnauthorized } from './api.js'
import { h } from './dom.js'
import { diffPage, modelsPage } from './models.js'
import { proofPage, proofsPage } from './proofs.js'
import { servicePage } from './service.js'
import { trainingPage } from './training.js'
import { versionPage } from './version.js'

/**
 * The dashboard: one page, hash routes (#/, #/models/{name}/{v}, #/diff/{name}/{a}/{b},
 * #/training, #/proofs, #/proofs/{id}, #/service), each drawn from the service's own API.
 */
const main = document.getElementById('main') as HTMLElement
const keyForm = document.getElementById('key-form') as HTMLFormElement
const keyInput = document.getElementById('key-input') as HTMLInputElement
let generation = 0

whenUnauthorized(() => { keyForm.hidden = false; keyInput.focus() })
if (apiKey() != null) keyForm.hidden = false
keyForm.addEventListener('submit', (e) => {
  e.preventDefault()
  setApiKey(keyInput.value.trim())
  keyInput.value = ''
  void route()
})

async function route (): Promise<void> {
  const mine = ++generation
  const isCurrent = (): boolean => mine === generation
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter((p) => p !== '').map(decodeURIComponent)
  for (const a of document.querySelectorAll('header nav a')) a.classList.toggle('active', (a.getAttribute('href') ?? '').slice(2).split('/')[0] === (parts[0] ?? '').replace('models', '').replace('diff', ''))
  try {
    if (parts.length === 0) await modelsPage(main)
    else if (parts[0] === 'models' && parts.length === 3) await versionPage(main, parts[1], parts[2])
    else if (parts[0] === 'diff' && parts.length === 4) await diffPage(main, parts[1], parts[2], parts[3])
    else if (parts[0] === 'training') await trainingPage(main, isCurrent)
    else if (parts[0] === 'proofs' && parts.length === 1) await proofsPage(main)
    else if (parts[0] === 'proofs' && parts.length === 2) await proofPage(main, parts[1], isCurrent)
    else if (parts[0] === 'service') await servicePage(main, isCurrent)
    else main.replaceChildren(h('h1', {}, 'Not found'), h('p', {}, h('a', { href: '#/' }, 'Models')))
  } catch (err) {
    if (!isCurrent()) return
    const needsKey = err instanceof ApiError && (err.status === 401 || err.status === 403)
    main.replaceChildren(h('h1', {}, needsKey ? 'An API key is needed' : 'Something went wrong'),
      h('p', { class: 'error' }, (err as Error).message),
      h('p', { hidden: !needsKey }, 'Enter a key in the field at the top right; it is kept in this browser only.'))
  }
}

window.addEventListener('hashchange', () => { void route() })
void route()
