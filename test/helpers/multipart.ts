import { FormData, fetch } from 'undici'

/** Posts multipart/form-data over real HTTP: files as Blobs, other values as JSON text fields. */
export async function postMultipart (url: string, parts: Record<string, { bytes: Uint8Array, filename: string } | string>, headers: Record<string, string> = {}): Promise<{ status: number, body: any }> {
  const form = new FormData()
  for (const [name, value] of Object.entries(parts)) {
    if (typeof value === 'string') form.append(name, value)
    else form.append(name, new Blob([value.bytes]), value.filename)
  }
  // fetch, not request: undici's request() cannot send undici's FormData on Node 24 ("action is not a function").
  const response = await fetch(url, { method: 'POST', body: form, headers })
  const text = await response.text()
  let body: unknown = text
  try { body = JSON.parse(text) } catch {}
  return { status: response.status, body }
}
