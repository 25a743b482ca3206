import { readFile } from 'node:fs/promises'
import t from 'tap'
import { browserAvailable, launchBrowser } from '../helpers/browser.js'
import { startServer } from '../helpers/app.js'
import { buildMlpOnnx } from '../helpers/onnx-fixture.js'
import { postMultipart } from '../helpers/multipart.js'

/**
 * The dashboard when every read needs a key (API_KEYS_REQUIRED_FOR_READ): the page asks for the key
 * once, and its download links still work, although a plain link cannot send x-api-key. The bytes the
 * browser saves are the registry's own.
 */
t.test('downloads from the dashboard carry the API key', { skip: browserAvailable() ? false : 'no chromium at /usr/bin/chromium (apt-get install chromium)' }, async (t) => {
  const key = 'dashboard-test-key'
  const server = await startServer({ API_KEYS: key, API_KEYS_REQUIRED_FOR_READ: true })
  t.teardown(server.close)
  const onnx = buildMlpOnnx({ seed: 5 }).bytes
  const up = await postMultipart(`${server.url}/models`, { model: { bytes: onnx, filename: 'keyed.onnx' }, spec: JSON.stringify({ name: 'keyed' }) }, { 'x-api-key': key })
  t.equal(up.status, 201, 'uploaded with the key')
  t.equal((await server.call('GET', '/models/keyed/versions/1/model.onnx')).status, 401, 'without a key the file is refused')

  // Before the key is entered, the page's calls are answered 401: that is what makes it ask. An uploaded
  // version has no evaluation report: the page asks and gets 404.
  const browser = await launchBrowser((url, status) => status === 401 || (status === 404 && url.endsWith('/versions/1/evaluation')))
  t.teardown(browser.close)
  const { page, problems } = browser
  await page.goto(`${server.url}/ui#/models/keyed/1`)
  await page.locator('#key-form').waitFor({ state: 'visible' })
  await page.fill('#key-input', key)
  await page.click('#key-form button')
  const link = page.locator('#download-onnx')
  await link.waitFor()
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()])
  const saved = await download.path()
  t.ok(saved, 'the browser saved a file')
  t.same(new Uint8Array(await readFile(saved)), onnx, 'the saved file is the uploaded ONNX, fetched with the key')
  t.equal(download.suggestedFilename(), 'keyed-v1.onnx')
  t.same(problems, [], 'no console error, page error or failed request besides the 401s before the key and the missing report')
})
