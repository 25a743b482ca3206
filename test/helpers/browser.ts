import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'

/** Debian's chromium (apt-get install chromium); playwright-core never downloads a browser here. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** Whether browser tests can run; in CI (CI=true) a missing browser is a failure, not a skip. */
export function browserAvailable (): boolean {
  if (existsSync(CHROMIUM)) return true
  if (process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing: .ci/run must apt-get install -y chromium`)
  return false
}

export interface Browser {
  context: BrowserContext
  page: Page
  /** Console errors, page errors, failed requests and error answers seen so far (except those `allow` accepts). */
  problems: string[]
  close: () => Promise<void>
}

/**
 * Headless chromium on a fresh profile, with nothing in the background that would reach the
 * network. Every console error, uncaught page error, failed request and 4xx/5xx answer is recorded.
 */
export async function launchBrowser (allow: (url: string, status: number) => boolean = () => false): Promise<Browser> {
  const profile = await mkdtemp(path.join(tmpdir(), 'zkpredict-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
    viewport: { width: 1280, height: 900 },
  })
  const page = context.pages()[0] ?? await context.newPage()
  const problems: string[] = []
  const allowed = new Set<string>()
  page.on('response', (response) => {
    if (response.status() < 400) return
    if (allow(response.url(), response.status())) { allowed.add(response.url()); return }
    problems.push(`HTTP ${response.status()} ${response.request().method()} ${response.url()}`)
  })
  page.on('console', (message) => {
    if (message.type() !== 'error') return
    // Chromium logs every 4xx/5xx answer as a console error too; those are judged above.
    const url = message.location().url
    if (/^Failed to load resource: the server responded with a status of \d+/.test(message.text()) && allowed.has(url)) return
    problems.push(`console error: ${message.text()} (${url})`)
  })
  page.on('pageerror', (err) => { problems.push(`page error: ${err.message}`) })
  page.on('requestfailed', (request) => { problems.push(`request failed: ${request.method()} ${request.url()} ${request.failure()?.errorText ?? ''}`) })
  return {
    context,
    page,
    problems,
    close: async () => {
      await context.close()
      await rm(profile, { recursive: true, force: true })
    },
  }
}
