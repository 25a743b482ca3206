import t from 'tap'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fetchSource, type FetchLimits } from '../../src/data/sources.js'
import { bytes, dataErrorOf, PRICES_CSV } from '../helpers/data-fixtures.js'

const LIMITS: FetchLimits = { maxBytes: 10_000, timeoutMs: 2_000 }

type Handler = (req: IncomingMessage, res: ServerResponse) => void

const routes: Record<string, Handler> = {
  '/prices.csv': (_req, res) => { res.setHeader('content-type', 'text/csv'); res.end(PRICES_CSV) },
  '/download?id=7': (_req, res) => { res.setHeader('content-type', 'text/csv; charset=utf-8'); res.end(PRICES_CSV) },
  '/missing.csv': (_req, res) => { res.statusCode = 404; res.end('not here') },
  '/broken.csv': (_req, res) => { res.statusCode = 500; res.end('boom') },
  '/hop1': (_req, res) => { res.statusCode = 302; res.setHeader('location', '/hop2'); res.end() },
  '/hop2': (_req, res) => { res.statusCode = 301; res.setHeader('location', '/prices.csv'); res.end() },
  '/loop': (_req, res) => { res.statusCode = 307; res.setHeader('location', '/loop'); res.end() },
  '/no-location': (_req, res) => { res.statusCode = 302; res.end() },
  '/to-file': (_req, res) => { res.statusCode = 302; res.setHeader('location', 'file:///etc/passwd'); res.end() },
  '/to-other-host': (_req, res) => { res.statusCode = 302; res.setHeader('location', 'http://example.invalid/x.csv'); res.end() },
  // Announces its size: refused before reading the body.
  '/big-declared.csv': (_req, res) => { res.setHeader('content-length', '20000'); res.end('x'.repeat(20_000)) },
  // Chunked without a length, and endless: only counting bytes as they arrive stops it.
  '/big-chunked.csv': (_req, res) => {
    const chunk = 'y'.repeat(4096)
    const timer = setInterval(() => { res.write(chunk) }, 1)
    res.on('close', () => { clearInterval(timer) })
  },
  // Never answers.
  '/slow-headers.csv': () => {},
  // Answers at once, then drips a byte now and then: each gap is short, the whole is too long.
  '/slow-body.csv': (_req, res) => {
    res.write('date,')
    const timer = setInterval(() => { res.write('x') }, 50)
    res.on('close', () => { clearInterval(timer) })
  },
}

t.test('fetchSource over HTTP', async (t) => {
  const server = createServer((req, res) => {
    const handler = routes[req.url ?? '']
    if (handler === undefined) { res.statusCode = 404; res.end(); return }
    handler(req, res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  t.teardown(() => {
    server.closeAllConnections()
    server.close()
  })
  const fetchUrl = async (path: string, limits: Partial<FetchLimits> = {}): Promise<ReturnType<typeof fetchSource>> =>
    await fetchSource({ kind: 'url', url: base + path }, { ...LIMITS, ...limits }, 'token_prices')

  t.test('200: bytes, name from the URL path, content type', async (t) => {
    const got = await fetchUrl('/prices.csv')
    t.equal(new TextDecoder().decode(got.bytes), PRICES_CSV)
    t.equal(got.name, 'prices.csv')
    t.equal(got.contentType, 'text/csv')
    const query = await fetchUrl('/download?id=7')
    t.equal(query.name, 'download')
    t.equal(query.contentType, 'text/csv; charset=utf-8')
  })

  t.test('redirects are followed up to the bound', async (t) => {
    t.equal((await fetchUrl('/hop1')).name, 'prices.csv')
    const err = await dataErrorOf(async () => await fetchUrl('/hop1', { maxRedirects: 1 }))
    t.match(err?.message, /^token_prices: GET http:\/\/127\.0\.0\.1:\d+\/hop2: more than 1 redirects$/)
    t.match((await dataErrorOf(async () => await fetchUrl('/loop')))?.message, /more than 5 redirects/)
    t.match((await dataErrorOf(async () => await fetchUrl('/no-location')))?.message, /answered 302 without a Location/)
  })

  t.test('a redirect to file:// or to a host not allowed is refused', async (t) => {
    t.match((await dataErrorOf(async () => await fetchUrl('/to-file')))?.message,
      /^token_prices: only http: and https: URLs can be fetched, not file:$/)
    t.match((await dataErrorOf(async () => await fetchUrl('/to-other-host', { allowedHosts: ['127.0.0.1'] })))?.message,
      /^token_prices: host example\.invalid is not in the allowed hosts$/)
    t.equal((await fetchUrl('/prices.csv', { allowedHosts: ['127.0.0.1'] })).name, 'prices.csv')
    t.match((await dataErrorOf(async () => await fetchUrl('/prices.csv', { allowedHosts: ['data.example.org'] })))?.message,
      /host 127\.0\.0\.1:\d+ is not in the allowed hosts/)
  })

  t.test('non-2xx statuses are DataErrors with the status', async (t) => {
    const notFound = await dataErrorOf(async () => await fetchUrl('/missing.csv'))
    t.match(notFound?.message, /^token_prices: GET http:\/\/127\.0\.0\.1:\d+\/missing\.csv answered HTTP 404$/)
    t.equal(notFound?.statusCode, 400)
    t.equal(notFound?.where?.file, 'token_prices')
    const broken = await dataErrorOf(async () => await fetchUrl('/broken.csv'))
    t.match(broken?.message, /answered HTTP 500/)
    t.equal(broken?.statusCode, 502, 'the data host failed, not the request: a training job retries it')
  })

  t.test('bodies over maxBytes are refused, announced or not', async (t) => {
    const declared = await dataErrorOf(async () => await fetchUrl('/big-declared.csv'))
    t.match(declared?.message, /big-declared\.csv \(Content-Length 20000\) is larger than the limit of 10000 bytes/)
    t.equal(declared?.statusCode, 413)
    const started = Date.now()
    const chunked = await dataErrorOf(async () => await fetchUrl('/big-chunked.csv'))
    t.match(chunked?.message, /big-chunked\.csv is larger than the limit of 10000 bytes/)
    t.ok(Date.now() - started < 1_500, 'stopped reading early, not at the timeout')
  })

  t.test('slow servers hit the timeout', async (t) => {
    const headers = await dataErrorOf(async () => await fetchUrl('/slow-headers.csv', { timeoutMs: 200 }))
    t.match(headers?.message, /^token_prices: GET http:\/\/127\.0\.0\.1:\d+\/slow-headers\.csv timed out after 200 ms$/)
    t.equal(headers?.statusCode, 504, 'a timeout is retried, not blamed on the URL')
    const body = await dataErrorOf(async () => await fetchUrl('/slow-body.csv', { timeoutMs: 300 }))
    t.match(body?.message, /slow-body\.csv timed out after 300 ms/)
  })

  t.test('an unreachable host is a DataError, not a crash', async (t) => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((resolve) => closed.close(() => { resolve() }))
    const err = await dataErrorOf(async () =>
      await fetchSource({ kind: 'url', url: `http://127.0.0.1:${port}/x.csv` }, LIMITS, 'token_prices'))
    t.match(err?.message, /^token_prices: could not fetch http:\/\/127\.0\.0\.1:\d+\/x\.csv \(ECONNREFUSED\)$/)
    t.equal(err?.statusCode, 502)
  })

  t.test('credentials and query strings stay out of messages', async (t) => {
    const err = await dataErrorOf(async () =>
      await fetchSource({ kind: 'url', url: base.replace('http://', 'http://me:secret@') + '/missing.csv?sig=abc' }, LIMITS))
    t.notMatch(err?.message, /secret|sig=abc/)
    t.match(err?.message, /missing\.csv answered HTTP 404/)
  })
})

t.test('URLs other than http(s) are refused, naming the dataset', async (t) => {
  for (const url of ['file:///etc/passwd', 'ftp://example.org/x.csv', 'data:text/csv,a,b']) {
    const err = await dataErrorOf(async () => await fetchSource({ kind: 'url', url }, LIMITS, 'liquidations_v2'))
    t.match(err?.message, /^liquidations_v2: only http: and https: URLs can be fetched, not (file|ftp|data):$/, url)
    t.equal(err?.where?.file, 'liquidations_v2')
  }
  const invalid = await dataErrorOf(async () => await fetchSource({ kind: 'url', url: 'not a url' }, LIMITS, 'x'))
  t.match(invalid?.message, /^x: 'not a url' is not a valid URL$/)
})

t.test('path and buffer sources', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'zkpredict-data-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  await writeFile(join(dir, 'p.csv'), PRICES_CSV)
  const got = await fetchSource({ kind: 'path', path: join(dir, 'p.csv') }, LIMITS)
  t.equal(new TextDecoder().decode(got.bytes), PRICES_CSV)
  t.equal(got.name, 'p.csv')
  t.match((await dataErrorOf(async () => await fetchSource({ kind: 'path', path: join(dir, 'nope.csv') }, LIMITS, 'ds')))
    ?.message, /^ds: cannot read .*nope\.csv: no such file$/)
  t.match((await dataErrorOf(async () => await fetchSource({ kind: 'path', path: dir }, LIMITS, 'ds')))?.message,
    /it is a directory/)
  t.match((await dataErrorOf(async () =>
    await fetchSource({ kind: 'path', path: join(dir, 'p.csv') }, { ...LIMITS, maxBytes: 10 })))?.message,
  /is larger than the limit of 10 bytes/)

  const upload = await fetchSource({ kind: 'buffer', buffer: bytes(PRICES_CSV), filename: 'up.csv', contentType: 'text/csv' }, LIMITS)
  t.same(upload, { bytes: bytes(PRICES_CSV), name: 'up.csv', contentType: 'text/csv' })
  t.equal((await fetchSource({ kind: 'buffer', buffer: bytes('x') }, LIMITS)).name, 'upload')
  const tooBig = await dataErrorOf(async () =>
    await fetchSource({ kind: 'buffer', buffer: new Uint8Array(11) }, { ...LIMITS, maxBytes: 10 }, 'token_prices'))
  t.match(tooBig?.message, /^token_prices: the upload is larger than the limit of 10 bytes$/)
})
