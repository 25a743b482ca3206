import { fmt, load, sleep, type LoadResult, type Section } from './lib.js'
import { json, predictBody, rowsOf, sampleRss, type RunningService } from './service.js'

/**
 * Proofs made by the service's worker pool while /predict is loaded: proofs per second with the pool
 * saturated, and /predict (1 row, no proof, 32 connections) before, during and after a backlog of
 * proofs, in one run.
 */
export interface ProofLoadBench extends Section { rssUnderProofs: number, proofsPerSecond: number }

async function submitProofs (service: RunningService, model: string, count: number): Promise<string[]> {
  const ids: string[] = []
  for (let done = 0; done < count; done += 100) {
    const n = Math.min(100, count - done)
    const res = await json('POST', `${service.url}/predict`, { model, instances: rowsOf(n), proof: true })
    for (const p of res.predictions) {
      if (p.proof == null) throw new Error(`no proof handle: ${JSON.stringify(res).slice(0, 300)}`)
      ids.push(p.proof.id)
    }
  }
  return ids
}

async function status (service: RunningService, id: string): Promise<string> {
  const p = await json('GET', `${service.url}/proofs/${id}`)
  if (p.status === 'failed') throw new Error(`proof ${id} failed: ${p.error as string}`)
  return p.status
}

async function waitAll (service: RunningService, ids: string[]): Promise<void> {
  // The pool proves in order: the last one done means all are (each is checked anyway).
  while (await status(service, ids[ids.length - 1]) !== 'succeeded') await sleep(100)
  for (const id of ids) if (await status(service, id) !== 'succeeded') await waitAll(service, [id])
}

export async function benchProofLoad (service: RunningService, model: string, seconds: number, workers: number): Promise<ProofLoadBench> {
  const rss = sampleRss(service.child.pid)
  // Warm the pool (the worker loads the circuit once), then time a saturated batch.
  await waitAll(service, await submitProofs(service, model, 2))
  const batch = Math.max(8, Math.round(seconds * 4))
  const t0 = performance.now()
  const ids = await submitProofs(service, model, batch)
  await waitAll(service, ids)
  const proofsPerSecond = batch / ((performance.now() - t0) / 1000)
  console.error(`proofs: ${fmt(proofsPerSecond, 2)} proofs/s`)

  const body = predictBody(model, 1)
  const url = `${service.url}/predict`
  await load(url, body, 32, 1)
  const before = await load(url, body, 32, seconds)
  // A backlog that outlasts the measured run, so the pool proves throughout it.
  const backlog = await submitProofs(service, model, Math.ceil(proofsPerSecond * (seconds + 3)) + 4)
  await sleep(300)
  const during = await load(url, body, 32, seconds)
  const stillBusy = await status(service, backlog[backlog.length - 1]) !== 'succeeded'
  await waitAll(service, backlog)
  const after = await load(url, body, 32, seconds)
  const rssUnderProofs = rss.stop()
  const baseline = (before.rps + after.rps) / 2
  const ratio = during.rps / baseline
  const row = (name: string, r: LoadResult): string => `| ${name} | ${fmt(r.rps, 0)} (${fmt(r.rpsMedian, 0)}, ${fmt(r.rpsMin, 0)}-${fmt(r.rpsMax, 0)}) | ${r.p50} / ${r.p99} | ${r.errors + r.non2xx} |`
  return {
    title: 'Proofs in the service: throughput, and /predict while proving',
    rssUnderProofs,
    proofsPerSecond,
    markdown: [
      `Groth16 proofs of model \`${model}\` through \`/predict\` with \`proof: true\`, made by the service's prover pool (PROOF_WORKERS=${workers}, worker threads). Saturated pool: ${batch} proofs queued at once, timed from the request to the last proof's success: **${fmt(proofsPerSecond, 2)} proofs/s**.`,
      '',
      `/predict (1 row, \`proof: false\`, 32 connections, autocannon ${seconds} s) before, during and after a backlog of ${backlog.length} proofs${stillBusy ? ' (still proving when the run ended)' : ' (**the backlog ran out before the run ended**)'}:`,
      '',
      '| /predict | req/s mean (median, min-max) | p50 / p99 ms | errors |',
      '|---|---:|---:|---:|',
      row('before proofs', before),
      row('while proving', during),
      row('after proofs', after),
      '',
      `While proving: ${fmt(ratio * 100, 0)}% of the mean of before and after (a slowdown of ${fmt((1 - ratio) * 100, 0)}%).`,
    ].join('\n'),
    goals: [
      { goal: 'proof requests never slow /predict by more than 20%', met: ratio >= 0.8, measured: `${fmt(ratio * 100, 0)}% of its throughput while proving (${fmt(during.rps, 0)} vs ${fmt(baseline, 0)} req/s), p99 ${during.p99} ms` },
    ],
  }
}
