/**
 * Calls to the service's own API (same origin). An API key, when the service needs one, is asked
 * once and kept in this browser's localStorage; it is sent as x-api-key on every call.
 */
const KEY = 'zkpredict.apiKey'

export class ApiError extends Error {
  constructor (readonly status: number, readonly code: string, message: string) { super(message) }
}

export function apiKey (): string | null {
  return localStorage.getItem(KEY)
}

export function setApiKey (key: string | null): void {
  if (key == null || key === '') localStorage.removeItem(KEY)
  else localStorage.setItem(KEY, key)
}

let onUnauthorized: (() => void) | null = null
export function whenUnauthorized (handler: () => void): void { onUnauthorized = handler }

export async function call<T = any> (method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {}
  const key = apiKey()
  if (key != null) headers['x-api-key'] = key
  if (body !== undefined) headers['content-type'] = 'application/json'
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await response.text()
  let parsed: any = text
  try { parsed = JSON.parse(text) } catch {}
  if (!response.ok) {
    if (response.status === 401 || response.status === 403) onUnauthorized?.()
    throw new ApiError(response.status, parsed?.error ?? 'error', parsed?.message ?? `${method} ${path}: ${response.status}`)
  }
  return parsed as T
}

/** The same, but a 404 is null (an optional resource, such as a version's evaluation). */
export async function optional<T = any> (path: string): Promise<T | null> {
  try {
    return await call<T>('GET', path)
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null
    throw err
  }
}

export async function text (path: string): Promise<string> {
  const key = apiKey()
  const response = await fetch(path, { headers: key != null ? { 'x-api-key': key } : {} })
  if (response.status === 401 || response.status === 403) onUnauthorized?.()
  if (!response.ok) throw new ApiError(response.status, 'error', `GET ${path}: ${response.status}`)
  return await response.text()
}

/**
 * A download link that works when the service needs a key for reads: a plain link cannot send
 * x-api-key, so with a key stored the click fetches the file with it and saves it from a blob URL
 * (nothing leaves this browser but the GET). Without a key it stays a plain link.
 */
export function downloadLink (path: string, filename: string, label: string, id?: string): HTMLAnchorElement {
  const link = document.createElement('a')
  link.href = path
  link.download = filename
  link.textContent = label
  if (id != null) link.id = id
  link.addEventListener('click', (event) => {
    const key = apiKey()
    if (key == null) return
    event.preventDefault()
    void (async () => {
      const response = await fetch(path, { headers: { 'x-api-key': key } })
      if (response.status === 401 || response.status === 403) onUnauthorized?.()
      if (!response.ok) throw new ApiError(response.status, 'error', `GET ${path}: ${response.status}`)
      const url = URL.createObjectURL(await response.blob())
      const save = document.createElement('a')
      save.href = url
      save.download = filename
      save.click()
      setTimeout(() => URL.revokeObjectURL(url), 60_000)
    })().catch((err: Error) => { link.title = err.message; link.dataset.failed = 'true' })
  })
  return link
}
