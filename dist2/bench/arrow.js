import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { request } from 'undici';
import { fmt, median, spread } from './lib.js';
import { json, rowsOf, sampleRss } from './service.js';
/**
 * 10,000 rows in one /predict request, as JSON and as an Arrow IPC stream (one float64 column per
 * feature), sent one after another on one connection: time per request, client to client.
 */
export async function benchArrow(service, model, requests) {
    const rows = 10_000;
    const meta = await json('GET', `${service.url}/models/${model}/versions/latest`);
    const features = meta.features ?? Array.from({ length: 10 }, (_, i) => `x${i}`);
    const X = rowsOf(rows);
    const jsonBody = JSON.stringify({ model, instances: X, proof: false });
    const columns = Object.fromEntries(features.map((f, c) => [f, Float64Array.from(X, (row) => row[c])]));
    const arrowBody = tableToIPC(tableFromArrays(columns), 'stream');
    const time = async (url, contentType, body) => {
        const times = [];
        for (let i = 0; i < requests + 1; i++) {
            const t0 = performance.now();
            const res = await request(url, { method: 'POST', headers: { 'content-type': contentType }, body });
            const text = await res.body.text();
            if (res.statusCode !== 200)
                throw new Error(`${contentType}: ${res.statusCode} ${text.slice(0, 200)}`);
            if (i > 0)
                times.push(performance.now() - t0); // the first request is a warm-up
        }
        return times;
    };
    const rss = sampleRss(service.child.pid);
    const jsonMs = await time(`${service.url}/predict`, 'application/json', jsonBody);
    const arrowMs = await time(`${service.url}/predict?model=${model}&proof=false`, 'application/vnd.apache.arrow.stream', arrowBody);
    const ratio = median(jsonMs) / median(arrowMs);
    return {
        rss: rss.stop(),
        title: 'Arrow versus JSON, 10,000 rows',
        markdown: [
            `One request of ${fmt(rows, 0)} rows at a time, ${requests} requests each after one warm-up; model \`${model}\`, \`proof: false\`; the response is JSON either way. Milliseconds per request: median (min-max).`,
            '',
            '| body | request bytes | ms per request | rows/s | JSON / Arrow |',
            '|---|---:|---:|---:|---:|',
            `| JSON | ${fmt(Buffer.byteLength(jsonBody), 0)} | ${spread(jsonMs)} | ${fmt(rows / median(jsonMs) * 1000, 0)} | |`,
            `| Arrow IPC stream | ${fmt(arrowBody.byteLength, 0)} | ${spread(arrowMs)} | ${fmt(rows / median(arrowMs) * 1000, 0)} | ${fmt(ratio, 2)}x |`,
        ].join('\n'),
        goals: [],
    };
}
//# sourceMappingURL=arrow.js.map