import t from 'tap';
import { readFile } from 'node:fs/promises';
import createClient from 'openapi-fetch';
import { CLIENT_TYPES_FILE, clientTypes } from '../../scripts/client-types.js';
import { startServer, waitFor } from '../helpers/app.js';
/**
 * The contract as a user meets it: TypeScript types generated (openapi-typescript) from the
 * OpenAPI document the service serves, and openapi-fetch calls against a listening server. The
 * calls carry no casts, so a response shape that no longer matches the code breaks the build.
 */
t.test('a generated client trains, predicts, fetches and verifies a proof', async (t) => {
    const server = await startServer();
    t.teardown(server.close);
    const client = createClient({ baseUrl: server.url });
    t.test('the committed client types are what openapi-typescript makes of the served document', async (t) => {
        const served = await (await fetch(`${server.url}/openapi.json`)).json();
        const committed = await readFile(new URL(`../../../${CLIENT_TYPES_FILE}`, import.meta.url), 'utf8');
        t.equal(await clientTypes(served), committed, 'run `npm run client:generate` and commit the result');
    });
    const started = await client.POST('/train', {
        body: { model: 'e2e', recipe: 'tutorial', window: 7, seed: 1, epochs: 2, data: { synthetic: { seed: 5, days: 200 } } },
    });
    t.equal(started.response.status, 202);
    if (started.data == null)
        throw new Error(`POST /train: ${JSON.stringify(started.error)}`);
    const jobId = started.data.id;
    const job = await waitFor(async () => {
        const { data } = await client.GET('/train/{id}', { params: { path: { id: jobId } } });
        return data?.status === 'succeeded' || data?.status === 'failed' ? data : undefined;
    }, 240_000, 200);
    t.equal(job.status, 'succeeded', job.error ?? 'trained');
    t.same(job.model, { name: 'e2e', version: 1 });
    t.ok(job.progress != null && job.progress.epoch === 2, 'the job reports its progress');
    const version = await waitFor(async () => {
        const { data } = await client.GET('/models/{name}/versions/{version}', { params: { path: { name: 'e2e', version: '1' } } });
        const status = data?.circuit?.status;
        return status === 'ready' || status === 'failed' || status === 'unsupported' ? data : undefined;
    }, 240_000, 250);
    t.equal(version.circuit?.status, 'ready', version.circuit?.error ?? 'circuit ready');
    t.equal(version.provable, true);
    const features = version.features;
    if (features == null)
        throw new Error('a trained version has feature names');
    const row = Object.fromEntries(features.map((feature, i) => [feature, 0.1 * (i + 1)]));
    const predicted = await client.POST('/predict', { body: { model: 'e2e', instances: [row], proof: true } });
    if (predicted.data == null)
        throw new Error(`POST /predict: ${JSON.stringify(predicted.error)}`);
    t.equal(predicted.data.version, 1);
    const [prediction] = predicted.data.predictions;
    t.ok(prediction.probability >= 0 && prediction.probability <= 1);
    const handle = prediction.proof;
    if (handle == null)
        throw new Error('a provable model attaches a proof handle');
    t.equal(handle.status, 'queued');
    const proof = await waitFor(async () => {
        const { data } = await client.GET('/proofs/{id}', { params: { path: { id: handle.id } } });
        return data?.status === 'succeeded' || data?.status === 'failed' ? data : undefined;
    }, 240_000, 100);
    t.equal(proof.status, 'succeeded', proof.error ?? 'proven');
    t.same(proof.served, { probability: prediction.probability, label: prediction.label });
    t.equal(proof.output?.label, prediction.label, 'the proven label is the served one');
    const byId = await client.POST('/proofs/{id}/verify', { params: { path: { id: handle.id } } });
    t.equal(byId.data?.verified, true);
    const bundle = await client.GET('/proofs/{id}/download', { params: { path: { id: handle.id } } });
    if (bundle.data == null)
        throw new Error(`GET /proofs/{id}/download: ${JSON.stringify(bundle.error)}`);
    t.equal(bundle.data.model.onnx_sha256, version.onnx_sha256);
    const byBundle = await client.POST('/proofs/verify', { body: bundle.data });
    t.equal(byBundle.data?.verified, true, byBundle.data?.reason ?? 'the bundle verifies');
    const tampered = await client.POST('/proofs/verify', { body: { ...bundle.data, public_signals: bundle.data.public_signals.map((s, i) => (i === 2 ? String(BigInt(s) + 1n) : s)) } });
    t.equal(tampered.data?.verified, false, 'a changed input does not verify');
    t.test('errors are typed too', async (t) => {
        const missing = await client.GET('/models/{name}', { params: { path: { name: 'nope' } } });
        t.equal(missing.response.status, 404);
        t.equal(missing.error?.error, 'model_not_found');
        const notReady = await client.GET('/proofs/{id}/download', { params: { path: { id: 'unknown' } } });
        t.equal(notReady.response.status, 404);
        t.match(notReady.error?.message, /does not exist/);
    });
});
//# sourceMappingURL=client.test.js.map