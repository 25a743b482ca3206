/**
 * Where a dataset's bytes come from: a local path, an http(s) URL (fetched with undici) or an uploaded buffer.
 * Every failure is a DataError naming the source: wrong scheme, host not allowed, HTTP status, too many redirects,
 * too many bytes, timeout, unreachable host, missing file.
 *
 * Note for callers: `kind: 'path'` reads the server's file system, so routes must never build one from user input.
 */
import { open } from 'node:fs/promises'
import { basename } from 'node:path'
import { DataError } from '../errors.js'

export type DataSource =
  | { kind: 'path', path: string }
  | { kind: 'url', url: string }
  | { kind: 'buffer', buffer: Uint8Array, filename?: string, contentType?: string }

export interface FetchLimits {
  /** Fail as soon as more bytes than this arrive (or are announced by Content-Length / file size). */
  maxBytes: number
  /** For URLs: the whole exchange (connect, redirects, headers, body) must finish within this time. */
  timeoutMs: number
  /** Redirects followed before giving up; default 5. Each hop is checked like the first URL. */
  maxRedirects?: number
  /** If given, only these host names (or host:port) may be fetched, redirect targets included. */
  allowedHosts?: string[]
}

export interface FetchedSource {
  bytes: Uint8Array
  /** File name (path base name, last URL path segment, or upload file name): readers use its extension. */
  name: string
  contentType?: string
}

const DEFAULT_MAX_REDIRECTS = 5
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])

/** `label` names the source in error messages, e.g. the dataset key; default: a description of the source. */
export async function fetchSource (src: DataSource, limits: FetchLimits, label?: string): Promise<FetchedSource> {
  switch (src.kind) {
    case 'path': return await readPath(src.path, limits, label ?? src.path)
    case 'url': return await fetchUrl(src.url, limits, label ?? 'URL source')
    case 'buffer': return fromBuffer(src, limits, label ?? src.filename ?? 'uploaded file')
  }
}

function tooLarge (label: string, what: string, maxBytes: number): DataError {
  return new DataError(`${label}: ${what} is larger than the limit of ${maxBytes} bytes`, { file: label }, 413)
}

function fromBuffer (src: Extract<DataSource, { kind: 'buffer' }>, limits: FetchLimits, label: string): FetchedSource {
  if (src.buffer.byteLength > limits.maxBytes) throw tooLarge(label, 'the upload', limits.maxBytes)
  return { bytes: src.buffer, name: src.filename ?? 'upload', contentType: src.contentType }
}

async function readPath (path: string, limits: FetchLimits, label: string): Promise<FetchedSource> {
  try {
    // One handle for stat and read, so the size checked is the size read.
    const handle = await open(path, 'r')
    try {
      const { size } = await handle.stat()
      if (size > limits.maxBytes) throw tooLarge(label, `${path} (${size} bytes)`, limits.maxBytes)
      const buffer = await handle.readFile()
      return { bytes: new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength), name: basename(path) }
    } finally {
      await handle.close()
    }
  } catch (err) {
    if (err instanceof DataError) throw err
    throw new DataError(`${label}: cannot read ${path}: ${describeSystemError(err)}`, { file: label })
  }
}

function describeSystemError (err: unknown): string {
  const code = (err as { code?: unknown }).code
  if (code === 'ENOENT') return 'no such file'
  if (code === 'EISDIR') return 'it is a directory'
  if (code === 'EACCES') return 'permission denied'
  return err instanceof Error ? err.message : String(err)
}

/** origin + path only: credentials and query strings (signed URLs) stay out of messages and logs. */
function showUrl (url: URL): string {
  return `${url.origin}${url.pathname}`
}

/**
 * The one URL policy of dataset sources: http(s) only, and only allowed hosts when there is an
 * allowlist. Checked on every fetch and redirect here, and by the training use case before a job is queued.
 */
export type UrlPolicyViolation = { kind: 'not_a_url' } | { kind: 'scheme', protocol: string } | { kind: 'host', url: URL }

export function urlPolicyViolation (text: string, allowedHosts: string[] | undefined): UrlPolicyViolation | null {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return { kind: 'not_a_url' }
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { kind: 'scheme', protocol: url.protocol }
  return hostAllowed(url, allowedHosts) ? null : { kind: 'host', url }
}

function hostAllowed (url: URL, allowedHosts: string[] | undefined): boolean {
  if (allowedHosts === undefined) return true
  const allowed = allowedHosts.map((host) => host.toLowerCase())
  return allowed.includes(url.hostname.toLowerCase()) || allowed.includes(url.host.toLowerCase())
}

function parseHttpUrl (text: string, label: string): URL {
  const violation = urlPolicyViolation(text, undefined)
  if (violation?.kind === 'not_a_url') throw new DataError(`${label}: '${text.slice(0, 200)}' is not a valid URL`, { file: label })
  if (violation?.kind === 'scheme') {
    throw new DataError(`${label}: only http: and https: URLs can be fetched, not ${violation.protocol}`, { file: label })
  }
  return new URL(text)
}

function checkAllowedHost (url: URL, allowedHosts: string[] | undefined, label: string): void {
  if (hostAllowed(url, allowedHosts)) return
  throw new DataError(`${label}: host ${url.host} is not in the allowed hosts`, { file: label })
}

async function fetchUrl (text: string, limits: FetchLimits, label: string): Promise<FetchedSource> {
  let url = parseHttpUrl(text, label)
  // undici is loaded by the first URL fetch, not at every process start (~0.25 CPU s of imports).
  const { request } = await import('undici')
  const maxRedirects = limits.maxRedirects ?? DEFAULT_MAX_REDIRECTS
  // One deadline for the whole exchange: per-phase timeouts alone let a server drip bytes forever.
  const deadline = AbortSignal.timeout(limits.timeoutMs)
  for (let redirects = 0; ; redirects++) {
    checkAllowedHost(url, limits.allowedHosts, label)
    try {
      const response = await request(url, {
        method: 'GET',
        signal: deadline,
        headersTimeout: limits.timeoutMs,
        bodyTimeout: limits.timeoutMs,
        headers: { 'user-agent': 'zkpredict', accept: '*/*' },
      })
      const { statusCode, headers, body } = response
      if (REDIRECT_STATUSES.has(statusCode)) {
        await discard(body)
        if (redirects >= maxRedirects) {
          throw new DataError(`${label}: GET ${showUrl(url)}: more than ${maxRedirects} redirects`, { file: label })
        }
        url = redirectTarget(url, headers.location, statusCode, label)
        continue
      }
      if (statusCode < 200 || statusCode >= 300) {
        await discard(body)
        // A 4xx names a bad URL (the client's input); a 5xx or 429 is the data host's trouble, worth a later retry (502).
        const upstream = statusCode >= 500 || statusCode === 429
        throw new DataError(`${label}: GET ${showUrl(url)} answered HTTP ${statusCode}`, { file: label }, upstream ? 502 : 400)
      }
      checkDeclaredLength(headers['content-length'], limits.maxBytes, label, url)
      const bytes = await readBounded(body, limits.maxBytes, label, url)
      return { bytes, name: nameFromUrl(url), contentType: headerText(headers['content-type']) }
    } catch (err) {
      throw fetchError(err, deadline, limits, label, url)
    }
  }
}

function fetchError (err: unknown, deadline: AbortSignal, limits: FetchLimits, label: string, url: URL): DataError {
  if (err instanceof DataError) return err
  const code = errorCode(err)
  if (deadline.aborted || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return new DataError(`${label}: GET ${showUrl(url)} timed out after ${limits.timeoutMs} ms`, { file: label }, 504)
  }
  // Refused, reset, unresolvable: the host or the network failed, not the request; a retry may succeed (502).
  const reason = code === undefined ? (err instanceof Error ? err.message : String(err)) : code
  return new DataError(`${label}: could not fetch ${showUrl(url)} (${reason})`, { file: label }, 502)
}

/** undici puts the system error (ECONNREFUSED, ENOTFOUND, ...) on the error or on its cause. */
function errorCode (err: unknown): string | undefined {
  for (let current: unknown = err, depth = 0; current !== undefined && depth < 4; depth++) {
    const code = (current as { code?: unknown } | null)?.code
    if (typeof code === 'string') return code
    current = (current as { cause?: unknown } | null)?.cause
  }
  return undefined
}

function headerText (value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

function redirectTarget (from: URL, location: string | string[] | undefined, status: number, label: string): URL {
  const target = headerText(location)
  if (target === undefined || target === '') {
    throw new DataError(`${label}: GET ${showUrl(from)} answered ${status} without a Location`, { file: label })
  }
  return parseHttpUrl(new URL(target, from).href, label)
}

function checkDeclaredLength (value: string | string[] | undefined, maxBytes: number, label: string, url: URL): void {
  const declared = Number(headerText(value))
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw tooLarge(label, `${showUrl(url)} (Content-Length ${declared})`, maxBytes)
  }
}

interface ResponseBody extends AsyncIterable<Uint8Array> {
  destroy: (err?: Error) => unknown
  dump: (opts?: { limit: number }) => Promise<void>
}

/** Counts bytes as they arrive and stops reading once the limit is passed (a missing Content-Length proves nothing). */
async function readBounded (body: ResponseBody, maxBytes: number, label: string, url: URL): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  let total = 0
  for await (const chunk of body) {
    total += chunk.byteLength
    if (total > maxBytes) {
      body.destroy()
      throw tooLarge(label, showUrl(url), maxBytes)
    }
    chunks.push(chunk)
  }
  const joined = Buffer.concat(chunks, total)
  return new Uint8Array(joined.buffer, joined.byteOffset, joined.byteLength)
}

/** Frees the connection: reads a little of an unwanted body (error page, redirect) and drops the rest. */
async function discard (body: ResponseBody): Promise<void> {
  await body.dump({ limit: 64 * 1024 }).catch(() => undefined)
}

function nameFromUrl (url: URL): string {
  const last = url.pathname.split('/').pop() ?? ''
  try {
    return decodeURIComponent(last) || url.hostname
  } catch {
    return last || url.hostname
  }
}
