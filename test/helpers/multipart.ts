import { FormData, request } from 'undici'

/** Posts multipart/form-data over real HTTP: files as Blobs, other values as JSON text fields. */
export async function postMultipart (url: string, parts: Record<string, { bytes: Uint8Array, filename: string } | string>, headers: Record<string, string> = {}): Promise<{ status: number, body: any }> {
  const form = new FormData()
  for (const [name, value] of Object.entries(parts)) {
    if (typeof value === 'string') form.append(name, value)
    else form.append(name, new Blob([value.bytes]), value.filename)
  }
  const response = await request(url, { method: 'POST', body: form, headers })
  const text = await response.body.text()
  let body: unknown = text
  try { body = JSON.parse(text) } catch {}
  return { status: response.statusCode, body }
}
