import { FormData, request } from 'undici';
/** Posts multipart/form-data over real HTTP: files as Blobs, other values as JSON text fields. */
export async function postMultipart(url, parts, headers = {}) {
    const form = new FormData();
    for (const [name, value] of Object.entries(parts)) {
        if (typeof value === 'string')
            form.append(name, value);
        else
            form.append(name, new Blob([value.bytes]), value.filename);
    }
    const response = await request(url, { method: 'POST', body: form, headers });
    const text = await response.body.text();
    let body = text;
    try {
        body = JSON.parse(text);
    }
    catch { }
    return { status: response.statusCode, body };
}
//# sourceMappingURL=multipart.js.map