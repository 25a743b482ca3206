import t from 'tap';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DATASET_NAMES } from '../../src/data/types.js';
import { waitFor } from '../helpers/app.js';
import { spawnServer } from '../helpers/child-server.js';
import { buildMlpOnnx } from '../helpers/onnx-fixture.js';
import { postMultipart } from '../helpers/multipart.js';
/** What the real server process writes to its logs (a child process: its stdout is the log). */
const KEYS = ['alpha-key-0123456789'];
const model = buildMlpOnnx({ seed: 3, firstActivation: 'Tanh' }).bytes; // not provable: no circuit build
t.test('logs carry no keys, no credentials of URLs, no data rows; an open service warns', async (t) => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'zkpredict-logs-'));
    t.teardown(async () => await rm(dataDir, { recursive: true, force: true }));
    const open = await spawnServer(dataDir, { LOG_LEVEL: 'info' });
    await open.stop();
    t.match(open.output(), /API_KEYS is empty/);
    const server = await spawnServer(dataDir, { LOG_LEVEL: 'trace', API_KEYS: KEYS[0] });
    t.teardown(server.kill);
    const secretRow = [0.123456789, 0.5, 0.9, 0.3, 0.7, 0.2, 0.8, 0.4, 0.6, 0.05];
    const up = await postMultipart(`${server.url}/models`, { model: { bytes: model, filename: 'm.onnx' }, spec: JSON.stringify({ name: 'logged' }) }, { 'x-api-key': KEYS[0] });
    t.equal(up.status, 201);
    t.equal((await server.call('POST', '/predict', { model: 'logged', instances: [secretRow] }, { authorization: `Bearer ${KEYS[0]}` })).status, 200);
    t.equal((await server.call('POST', '/predict', { model: 'logged', instances: [[...secretRow, 1]] }, { 'x-api-key': KEYS[0] })).status, 400);
    const sources = Object.fromEntries(DATASET_NAMES.map((n) => [n, `http://user:s3cr3tpw@127.0.0.1:1/${n}.csv?sig=t0ps3cret`]));
    const job = await server.call('POST', '/train', { model: 'x', epochs: 1, data: { sources } }, { 'x-api-key': KEYS[0] });
    t.equal(job.status, 202);
    const failed = await waitFor(async () => {
        const res = await server.call('GET', `/train/${job.body.id}`);
        return res.body.status === 'failed' ? res.body : undefined;
    }, 60_000, 100);
    t.notMatch(failed.error, /s3cr3tpw|t0ps3cret/, 'the job error shows no credentials');
    t.notMatch(JSON.stringify(failed), /s3cr3tpw|t0ps3cret/, 'nor does the job');
    await server.stop();
    const logs = server.output();
    t.match(logs, /incoming request/, 'trace logs were written');
    for (const secret of [KEYS[0], 's3cr3tpw', 't0ps3cret', '0.123456789']) {
        t.same(logs.split('\n').filter((line) => line.includes(secret)), [], `logs do not contain ${secret}`);
    }
});
//# sourceMappingURL=logs.test.js.map