import t from 'tap'
import { readdir, readFile, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import { startServer, settled, waitFor } from '../helpers/app.js'
import { buildMlpOnnx } from '../helpers/onnx-fixture.js'
import { postMultipart } from '../helpers/multipart.js'

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

/** Every file and folder under `dir` with its size and modification time, sorted. */
async function snapshot (dir: string): Promise<string[]> {
  const lines: string[] = []
  for (const entry of await readdir(dir, { recursive: true })) {
    const s = await stat(path.join(dir, entry)).catch(() => null)
    lines.push(`${entry} ${s?.isDirectory() === true ? 'dir' : `${s?.size ?? 'gone'} ${s?.mtimeMs ?? ''}`}`)
  }
  return lines.sort()
}

// Two moments: as the upload answers (the build is being queued and its process forked: before the fix
// the process started after close() and ran the whole build on its own) and while the build process runs.
// The build cache is off: the build takes seconds.
for (const [when, waitMs] of [['as the upload answers', 0], ['a second into the build', 1000]] as const) {
  t.test(`close ${when}: no build process outlives app.close(), DATA_DIR stays as it is, the next start builds`, async (t) => {
    const server = await startServer({ CIRCUIT_BUILD_CACHE_DIR: '' }, { keepDataDir: true })
    t.teardown(async () => { await rm(server.dataDir, { recursive: true, force: true }) })
    const up = await postMultipart(`${server.url}/models`, {
      model: { bytes: buildMlpOnnx({ seed: 11 }).bytes, filename: 'm.onnx' },
      spec: JSON.stringify({ name: 'mid', features: FEATURES }),
    })
    t.equal(up.status, 201, JSON.stringify(up.body))
    // A proof asked for while the circuit builds waits for it; the shutdown must leave it queued, not failed.
    const predicted = await server.call('POST', '/predict', { model: 'mid', instances: [FEATURES.map((_, i) => i / 10)], proof: true })
    t.equal(predicted.status, 200, JSON.stringify(predicted.body))
    const proofId: string = predicted.body.predictions[0].proof.id
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs))
    await server.close()

    t.same(await buildProcesses(), [], 'no circuit build process is alive once close() has returned')
    const before = await snapshot(server.dataDir)
    await new Promise((resolve) => setTimeout(resolve, 1500))
    t.same(await snapshot(server.dataDir), before, 'nothing in DATA_DIR changed after close()')

    const again = await startServer({ CIRCUIT_BUILD_CACHE_DIR: '' }, { dataDir: server.dataDir })
    t.teardown(again.close)
    const circuit = await waitFor(async () => {
      const c = (await again.call('GET', '/models/mid/versions/1')).body.circuit
      return ['ready', 'failed', 'unsupported'].includes(c?.status) ? c : undefined
    }, 240_000, 200)
    t.equal(circuit.status, 'ready', `the interrupted build ran again at the next start ${circuit.error ?? ''}`)
    const proof = await settled(again, `/proofs/${proofId}`)
    t.equal(proof.status, 'succeeded', `the proof that waited for the circuit was made after the restart ${proof.error ?? ''}`)
    t.equal((await again.call('POST', `/proofs/${proofId}/verify`)).body.verified, true)
  })
}
