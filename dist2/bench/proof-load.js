import { fmt, load, median, sleep } from './lib.js';
import { json, predictBody, rowsOf, sampleRss } from './service.js';
async function submitProofs(service, model, count) {
    const ids = [];
    for (let done = 0; done < count; done += 100) {
        const n = Math.min(100, count - done);
        const res = await json('POST', `${service.url}/predict`, { model, instances: rowsOf(n), proof: true });
        for (const p of res.predictions) {
            if (p.proof == null)
                throw new Error(`no proof handle: ${JSON.stringify(res).slice(0, 300)}`);
            ids.push(p.proof.id);
        }
    }
    return ids;
}
async function status(service, id) {
    const p = await json('GET', `${service.url}/proofs/${id}`);
    if (p.status === 'failed')
        throw new Error(`proof ${id} failed: ${p.error}`);
    return p.status;
}
async function waitAll(service, ids) {
    // The pool proves in order: the last one done means all are (each is checked anyway).
    while (await status(service, ids[ids.length - 1]) !== 'succeeded')
        await sleep(100);
    for (const id of ids)
        if (await status(service, id) !== 'succeeded')
            await waitAll(service, [id]);
}
export async function benchProofLoad(service, model, seconds, workers, rounds = 2) {
    const rss = sampleRss(service.child.pid);
    // Warm the pool (the worker loads the circuit once), then time a saturated batch.
    await waitAll(service, await submitProofs(service, model, 2));
    const batch = Math.max(8, Math.round(seconds * 4));
    const t0 = performance.now();
    const ids = await submitProofs(service, model, batch);
    await waitAll(service, ids);
    const proofsPerSecond = batch / ((performance.now() - t0) / 1000);
    console.error(`proofs: ${fmt(proofsPerSecond, 2)} proofs/s`);
    const body = predictBody(model, 1);
    const url = `${service.url}/predict`;
    await load(url, body, 32, 1);
    // Alternating runs without and with proofs in flight (A B A B A), so that the machine's own
    // drift (other work on shared cores) falls on both sides.
    const runs = [];
    let backlogSize = 0;
    let stillBusy = true;
    for (let round = 0; round < rounds; round++) {
        runs.push({ name: 'no proofs', proving: false, result: await load(url, body, 32, seconds) });
        // A backlog that outlasts the measured run, so the pool proves throughout it.
        const backlog = await submitProofs(service, model, Math.ceil(proofsPerSecond * (seconds + 3)) + 4);
        backlogSize = backlog.length;
        await sleep(300);
        runs.push({ name: 'while proving', proving: true, result: await load(url, body, 32, seconds) });
        stillBusy &&= await status(service, backlog[backlog.length - 1]) !== 'succeeded';
        await waitAll(service, backlog);
    }
    runs.push({ name: 'no proofs', proving: false, result: await load(url, body, 32, seconds) });
    const rssUnderProofs = rss.stop();
    const baselineRuns = runs.filter((r) => !r.proving).map((r) => r.result);
    const provingRuns = runs.filter((r) => r.proving).map((r) => r.result);
    const baseline = median(baselineRuns.map((r) => r.rps));
    const proving = median(provingRuns.map((r) => r.rps));
    const ratio = proving / baseline;
    const row = (name, r) => `| ${name} | ${fmt(r.rps, 0)} (${fmt(r.rpsMedian, 0)}, ${fmt(r.rpsMin, 0)}-${fmt(r.rpsMax, 0)}) | ${r.p50} / ${r.p99} | ${r.errors + r.non2xx} |`;
    return {
        title: 'Proofs in the service: throughput, and /predict while proving',
        rssUnderProofs,
        proofsPerSecond,
        markdown: [
            `Groth16 proofs of model \`${model}\` through \`/predict\` with \`proof: true\`, made by the service's prover pool (PROOF_WORKERS=${workers}, worker threads). Saturated pool: ${batch} proofs queued at once, timed from the request to the last proof's success: **${fmt(proofsPerSecond, 2)} proofs/s**.`,
            '',
            `/predict (1 row, \`proof: false\`, 32 connections, autocannon ${seconds} s per run) in alternating runs, without proofs and while the pool works through a backlog of ${backlogSize} proofs${stillBusy ? ' (each backlog still proving when its run ended)' : ' (**a backlog ran out before its run ended**)'}, in this order:`,
            '',
            '| /predict | req/s mean (median, min-max) | p50 / p99 ms | errors |',
            '|---|---:|---:|---:|',
            ...runs.map((r) => row(r.name, r.result)),
            '',
            `While proving: ${fmt(ratio * 100, 0)}% of the throughput without proofs (medians of the runs: ${fmt(proving, 0)} vs ${fmt(baseline, 0)} req/s; a slowdown of ${fmt((1 - ratio) * 100, 0)}%).`,
        ].join('\n'),
        goals: [
            { goal: 'proof requests never slow /predict by more than 20%', met: ratio >= 0.8, measured: `${fmt(ratio * 100, 0)}% of its throughput while proving (medians ${fmt(proving, 0)} vs ${fmt(baseline, 0)} req/s), p99 while proving ${provingRuns.map((r) => r.p99).join(' and ')} ms` },
        ],
    };
}
//# sourceMappingURL=proof-load.js.map