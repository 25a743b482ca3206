import { mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t from 'tap'
import { browserAvailable, launchBrowser } from '../helpers/browser.js'
import { startServer, waitFor } from '../helpers/app.js'
import { buildMlpOnnx } from '../helpers/onnx-fixture.js'
import { postMultipart } from '../helpers/multipart.js'

/**
 * The dashboard in a real browser (Debian's chromium through playwright-core) against the real
 * service: every page loads with no console error and no failed request; a training started from
 * the form shows its progress and ends on the version page, whose charts are drawn from that
 * version's data; a real proof verifies in the page with snarkjs and a tampered bundle fails there.
 * Screenshots go to a temporary folder (printed), or to SCREENSHOT_DIR: README.md's pictures are refreshed with
 * `SCREENSHOT_DIR=docs/screenshots npx tap dist/test/e2e/dashboard.test.js` (a plain `npm test` leaves the
 * tracked ones as they are).
 */
const shots = process.env.SCREENSHOT_DIR ?? path.join(tmpdir(), 'zkpredict-screenshots')

t.test('the dashboard, page by page', { skip: browserAvailable() ? false : 'no chromium at /usr/bin/chromium (apt-get install chromium)' }, async (t) => {
  mkdirSync(shots, { recursive: true })
  t.comment(`screenshots: ${shots}`)
  const server = await startServer()
  t.teardown(server.close)
  // Versions trained before the evaluation report existed answer 404 there: the page asks, and says so.
  const browser = await launchBrowser((url, status) => status === 404 && /\/models\/[^/]+\/versions\/\d+\/evaluation$/.test(url))
  t.teardown(browser.close)
  const { page, problems } = browser
  const posted: string[] = []
  page.on('request', (request) => { if (request.method() !== 'GET') posted.push(`${request.method()} ${new URL(request.url()).pathname}`) })
  const shot = async (name: string): Promise<void> => { await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true }) }
  // When a step fails, say what the page showed and what went wrong in it.
  t.teardown(async () => {
    if (t.passing()) return
    console.error(`page ${page.url()}:\n${(await page.locator('main').innerText().catch(() => '')).slice(0, 3000)}\nproblems: ${JSON.stringify(problems, null, 1)}`)
    await page.screenshot({ path: path.join(shots, 'failure.png'), fullPage: true }).catch(() => undefined)
  })

  await page.goto(`${server.url}/ui`)
  await page.getByText('No model yet').waitFor()

  // Training from the form: progress while it runs, then the new version's page.
  await page.goto(`${server.url}/ui#/training`)
  await page.locator('#train-form').waitFor()
  await page.fill('#f-model', 'e2e')
  await page.selectOption('select[name=recipe]', 'tutorial')
  await page.fill('#f-epochs', '6')
  await page.fill('#f-days', '200')
  await page.click('#train-form button[type=submit]')
  await page.locator('[data-progress]').first().waitFor({ timeout: 240_000 })
  const progress = await page.locator('[data-progress]').first().getAttribute('data-progress')
  t.match(progress, /^\d+\/\d+:\d+\/\d+$/, 'the job shows fold and epoch')
  await shot('training')
  await page.waitForURL(/#\/models\/e2e\/1$/, { timeout: 300_000 })
  t.pass('the page opened the new version when the job succeeded')

  // The version page draws its charts from the version's own data.
  const history = (await server.call('GET', '/ui/data/models/e2e/versions/1/history')).body.history as Array<Array<{ loss: number, val_loss?: number }>>
  const meta = (await server.call('GET', '/models/e2e/versions/1')).body
  await page.locator('[data-chart=loss] canvas').waitFor()
  const points = JSON.parse(await page.locator('[data-chart=loss]').getAttribute('data-points') as string) as Array<{ label: string, n: number, first: number, last: number }>
  const lossSeries = points.filter((p) => p.label.endsWith(' loss'))
  t.equal(lossSeries.length, history.length, 'one loss line per fold')
  history.forEach((fold, i) => {
    t.equal(lossSeries[i].n, fold.length, `fold ${i + 1}: one point per epoch`)
    t.equal(lossSeries[i].first, fold[0].loss)
    t.equal(lossSeries[i].last, fold[fold.length - 1].loss)
  })
  for (const cell of ['tp', 'fp', 'tn', 'fn'] as const) {
    const text = await page.locator(`[data-chart=confusion] [data-cell=${cell}]`).textContent()
    t.equal(Number((text ?? '').split(' ')[0]), meta.metrics.confusion[cell], `confusion ${cell}`)
  }
  // Every trained version carries its evaluation report (issue 16): the ROC, PR and calibration charts are drawn from it.
  const evaluation = await server.call('GET', '/models/e2e/versions/1/evaluation')
  t.equal(evaluation.status, 200, 'the version has an evaluation report')
  for (const chart of ['roc', 'pr', 'calibration']) await page.locator(`[data-chart=${chart}] canvas`).waitFor()
  await waitFor(async () => (await server.call('GET', '/models/e2e/versions/1')).body.circuit.status === 'ready' ? true : undefined, 300_000, 500)
  await page.reload()
  await page.locator('[data-circuit=ready]').waitFor()
  t.match(await page.locator('main').textContent(), new RegExp(`constraints${String(meta.circuit?.constraints ?? '')}`))
  await page.locator('[data-chart=loss] canvas').waitFor()
  await shot('version')

  // Proofs: ask for one from the page, wait for it, verify it in the page with snarkjs.
  await page.goto(`${server.url}/ui#/proofs`)
  await page.locator('#predict-form').waitFor()
  await page.click('#predict-form button')
  await page.waitForURL(/#\/proofs\/[0-9a-f-]{36}$/)
  const proofId = page.url().split('/').pop() as string
  await page.locator('[data-status=succeeded]').waitFor({ timeout: 240_000 })
  const before = posted.length
  await page.click('#verify')
  await page.locator('[data-verified=true]').waitFor({ timeout: 120_000 })
  t.same(posted.slice(before), [], 'verifying sent nothing to the service (GETs only)')
  await shot('proof')

  // A tampered bundle fails in the page.
  const bundle = (await server.call('GET', `/proofs/${proofId}/download`)).body
  bundle.public_signals[0] = String(BigInt(bundle.public_signals[0] as string) + 1n)
  await page.goto(`${server.url}/ui#/proofs`)
  await page.locator('#bundle-file').setInputFiles({ name: 'tampered.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(bundle)) })
  await page.getByText('tampered.json: groth16 proof').waitFor()
  await page.click('#verify')
  await page.locator('[data-verified=false]').waitFor({ timeout: 120_000 })
  t.match(await page.locator('.verify-result').textContent(), /INVALID/)
  await shot('proof-tampered')

  // A second version (uploaded), the models side by side, and a diff of the two.
  const up = await postMultipart(`${server.url}/models`, { model: { bytes: buildMlpOnnx({ seed: 3 }).bytes, filename: 'e2e.onnx' }, spec: JSON.stringify({ name: 'e2e' }) })
  t.equal(up.status, 201)
  await page.goto(`${server.url}/ui#/`)
  await page.locator('input[data-pick="e2e@1"]').check()
  await page.locator('input[data-pick="e2e@2"]').check()
  await shot('models')
  await page.click('[data-diff=e2e]')
  await page.waitForURL(/#\/diff\/e2e\/1\/2$/)
  const changed = Number(await page.locator('[data-diff-count]').getAttribute('data-diff-count'))
  t.ok(changed > 3, `the diff marks what differs (${changed} fields)`)
  t.ok(await page.locator('tr.changed th', { hasText: 'source' }).count() === 1, 'trained against uploaded is marked')
  await shot('diff')

  // The service panel, from /metrics.
  await page.goto(`${server.url}/ui#/service`)
  // Traffic while the panel polls /metrics, until its chart has three points and a rate above zero.
  const traffic = { stop: false }
  const driving = (async () => {
    for (let n = 0; !traffic.stop && n < 20_000; n++) await server.call('POST', '/predict', { model: 'e2e', version: '1', instances: [[2.1e7, 9.5e6, 1850.2, 0, 8.1e9, 1.9e7, 8.7e6, 0, 7.7e9, 0.031]], proof: false })
  })()
  await waitFor(async () => {
    const points = await page.locator('[data-chart=throughput]').getAttribute('data-points')
    const series = points != null ? JSON.parse(points) as Array<{ n: number, last: number }> : null
    return series != null && series[0].n >= 3 && series[0].last > 0 ? true : undefined
  }, 60_000, 250)
  traffic.stop = true
  await driving
  t.ok(Number(await page.locator('[data-metric=rps]').textContent()) > 0, 'the panel shows the request rate from /metrics')
  await page.locator('[data-queue=proof]').waitFor()
  t.match(await page.locator('#inference').textContent(), /e2e@1/)
  await shot('service')

  t.same(problems, [], 'no console error, page error, failed request or error answer on any page')
})
