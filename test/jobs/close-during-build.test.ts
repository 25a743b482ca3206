import t from 'tap'
import { readdir, readFile, rm } from 'node:fs/promises'
import { startServer, settled, waitFor } from '../helpers/app.js'
import { buildMlpOnnx } from '../helpers/onnx-fixture.js'
import { postMultipart } from '../helpers/multipart.js'
import { snapshotsApart } from '../helpers/data-dir.js'

/**
 * A shutdown during a version's circuit build (CI saw it: the test helper's `rm -r DATA_DIR` right
 * after app.close() failed with ENOTEMPTY, because the build still wrote into the version's folder).
 * Once app.close() has returned: no build process of ours is alive, nothing in DATA_DIR changes any
 * more, and the next start on the same DATA_DIR finishes the build and the proof that waited for it.
 */

const FEATURES = Array.from({ length: 10 }, (_, i) => `f${i}`)

/** Our circuit build processes still alive (Linux /proc: children of this process running circuit-build-process). */
async function buildProcesses (): Promise<number[]> {
  const found: number[] = []
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const status = await readFile(`/proc/${entry}/status`, 'utf8')
      if (Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]) !== process.pid) continue
      if ((await readFile(`/proc/${entry}/cmdline`, 'utf8')).includes('circuit-build-process')) found.push(Number(entry))
    } catch {} // ended while read
  }
  return found
}

// Two shutdowns during a build, each on a first life without the build cache (the build takes seconds, so its
// process is still there to be found); the next start builds from the tests' shared cache.
// - As the upload answers: the build is being queued and its process forked. Before the fix that process
//   started after close() and ran the whole build on its own.
// - With a proof waiting for the circuit: the shutdown must leave it queued, not failed.
for (const withProof of [false, true]) {
  t.test(`close during a circuit build${withProof ? ' with a proof waiting for it' : ', as the upload answers'}: no build process outlives app.close(), DATA_DIR stays as it is, the next start builds`, async (t) => {
    const server = await startServer({ CIRCUIT_BUILD_CACHE_DIR: '' }, { keepDataDir: true })
    t.teardown(async () => { await rm(server.dataDir, { recursive: true, force: true }) })
    const up = await postMultipart(`${server.url}/models`, {
      model: { bytes: buildMlpOnnx({ seed: 11 }).bytes, filename: 'm.onnx' },
      spec: JSON.stringify({ name: 'mid', features: FEATURES }),
    })
    t.equal(up.status, 201, JSON.stringify(up.body))
    let proofId: string | undefined
    if (withProof) {
      const predicted = await server.call('POST', '/predict', { model: 'mid', instances: [FEATURES.map((_, i) => i / 10)], proof: true })
      t.equal(predicted.status, 200, JSON.stringify(predicted.body))
      proofId = predicted.body.predictions[0].proof.id
    }
    await server.close()

    t.same(await buildProcesses(), [], 'no circuit build process is alive once close() has returned')
    const [before, after] = await snapshotsApart(server.dataDir, 1500)
    t.same(after, before, 'nothing in DATA_DIR changed after close()')

    const again = await startServer({}, { dataDir: server.dataDir })
    t.teardown(again.close)
    const circuit = await waitFor(async () => {
      const c = (await again.call('GET', '/models/mid/versions/1')).body.circuit
      return ['ready', 'failed', 'unsupported'].includes(c?.status) ? c : undefined
    }, 240_000, 200)
    t.equal(circuit.status, 'ready', `the interrupted build ran again at the next start ${circuit.error ?? ''}`)
    if (proofId != null) {
      const proof = await settled(again, `/proofs/${proofId}`)
      t.equal(proof.status, 'succeeded', `the proof that waited for the circuit was made after the restart ${proof.error ?? ''}`)
      t.equal((await again.call('POST', `/proofs/${proofId}/verify`)).body.verified, true)
    }
  })
}
