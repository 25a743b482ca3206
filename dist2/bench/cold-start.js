import { request } from 'undici';
import { fmt, sleep, spread } from './lib.js';
import { json, rssMiB, startService, waitProvable } from './service.js';
import { DEFAULT_MODELS } from '../src/services/index.js';
async function untilReady(url) {
    for (;;) {
        const res = await request(`${url}/health/ready`);
        await res.body.dump();
        if (res.statusCode === 200)
            return;
        await sleep(50);
    }
}
export async function benchColdStart(dataDir, restarts, env) {
    const model = DEFAULT_MODELS[0].name;
    const t0 = performance.now();
    const first = await startService(dataDir, { ...env, DEFAULT_MODELS: 'true' });
    let firstListen, firstReady, firstAllDone;
    try {
        firstListen = performance.now() - t0;
        await untilReady(first.url);
        firstReady = performance.now() - t0;
        console.error(`cold start: first start ready after ${fmt(firstReady / 1000, 1)} s`);
        // Everything the first start does in the background (both default models, their circuits) ends before anything is measured.
        for (const m of DEFAULT_MODELS)
            await waitProvable(first.url, m.name, 600_000);
        firstAllDone = performance.now() - t0;
    }
    finally {
        await first.stop();
    }
    const listen = [];
    const ready = [];
    const firstPredict = [];
    let service;
    for (let i = 0; i < restarts; i++) {
        const s0 = performance.now();
        const s = await startService(dataDir, { ...env, DEFAULT_MODELS: 'true' });
        try {
            listen.push(performance.now() - s0);
            await untilReady(s.url);
            ready.push(performance.now() - s0);
            const res = await json('POST', `${s.url}/predict`, { model, instances: [[2.1e7, 9.5e6, 1850.2, 0, 8.1e9, 1.9e7, 8.7e6, 0, 7.7e9, 0.031]], proof: false });
            if (res.predictions?.length !== 1)
                throw new Error('no prediction');
            firstPredict.push(performance.now() - s0);
        }
        catch (err) {
            await s.stop();
            throw err;
        }
        if (i < restarts - 1)
            await s.stop();
        else
            service = s;
    }
    if (service == null)
        throw new Error('no restart');
    const rssAtStart = rssMiB(service.child.pid);
    return {
        title: 'Cold start',
        service,
        rssAtStart,
        markdown: [
            'The service started as `node dist/src/server.js` with `DEFAULT_MODELS=true` (as `npm start`), timed from spawning the process. Seconds; restarts: median (min-max).',
            '',
            '| start | listening | `/health/ready` 200 | first `/predict` answered |',
            '|---|---:|---:|---:|',
            `| first start, empty DATA_DIR (trains \`${model}\` on synthetic data, \`default\` recipe) | ${fmt(firstListen / 1000, 2)} | ${fmt(firstReady / 1000, 1)} | - |`,
            `| restart with the models in DATA_DIR (${restarts} restarts) | ${spread(listen.map((x) => x / 1000), 2)} | ${spread(ready.map((x) => x / 1000), 2)} | ${spread(firstPredict.map((x) => x / 1000), 2)} |`,
            '',
            `The first start's background work (both default models, ${DEFAULT_MODELS.map((m) => `\`${m.name}\``).join(' and ')}, and their Groth16 circuits) was done ${fmt(firstAllDone / 1000, 1)} s after spawning.`,
        ].join('\n'),
        goals: [],
    };
}
//# sourceMappingURL=cold-start.js.map