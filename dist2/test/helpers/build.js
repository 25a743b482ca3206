import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
/**
 * The real app (every plugin and route, real services over a fresh DATA_DIR) for route, access,
 * validation and hostile-input tests, spoken to with `app.inject`: no port, no socket. tap's
 * teardown closes it and removes the directory. The embedded default training is off unless asked.
 */
export async function build(t, options = {}) {
    const dataDir = options.dataDir ?? await mkdtemp(path.join(tmpdir(), 'zkpredict-test-'));
    // The event-loop delay check is off unless a test is about overload: on a loaded test machine it would answer 503 to anything.
    const config = loadConfig({}, { LOG_LEVEL: 'silent', DEFAULT_MODELS: false, OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: 0, ...options.config, DATA_DIR: dataDir });
    const app = await buildApp({ config, services: options.services });
    t.teardown(async () => {
        await app.close();
        if (options.dataDir == null)
            await rm(dataDir, { recursive: true, force: true });
    });
    await app.ready();
    const call = async (method, url, body, headers = {}) => {
        const isBinary = body instanceof Uint8Array;
        const res = await app.inject({
            method: method,
            url,
            headers: body === undefined ? headers : { 'content-type': isBinary ? 'application/octet-stream' : 'application/json', ...headers },
            payload: body === undefined ? undefined : isBinary ? Buffer.from(body) : typeof body === 'string' ? body : JSON.stringify(body),
        });
        let parsed = res.body;
        try {
            parsed = JSON.parse(res.body);
        }
        catch { }
        return { status: res.statusCode, body: parsed, headers: res.headers };
    };
    return { app, dataDir, call, inject: async (opts) => await app.inject(opts) };
}
/** A multipart/form-data body for inject: files as octet-stream parts, strings as fields. */
export function multipartBody(parts) {
    const boundary = 'zkpredictTestBoundary';
    const chunks = [];
    for (const [name, value] of Object.entries(parts)) {
        if (typeof value === 'string') {
            chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
        }
        else {
            chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${value.filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`));
            chunks.push(Buffer.from(value.bytes), Buffer.from('\r\n'));
        }
    }
    chunks.push(Buffer.from(`--${boundary}--\r\n`));
    return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}
//# sourceMappingURL=build.js.map