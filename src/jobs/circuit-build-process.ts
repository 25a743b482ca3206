import { buildBatchCircuit, buildCircuit, releaseProvers, type BuildOptions } from '../proofs/index.js'

/**
 * One circuit build in its own process: setup is CPU-heavy (it would stall the event loop) and
 * snarkjs' threaded curve cannot run inside a worker thread; a process is also killed cleanly when
 * the service stops, leaving the build to run again at the next start. `batchSize` set: a batch
 * circuit of that many rows (src/proofs/batch-setup.ts) instead of the single-row one.
 */
type Request = Omit<BuildOptions, 'logger' | 'onnx'> & { onnx: number[], batchSize?: number }

const send = (message: unknown): void => { process.send?.(message) }
const logger = {
  debug: (m: string) => send({ type: 'log', level: 'debug', message: m }),
  info: (m: string) => send({ type: 'log', level: 'info', message: m }),
  warn: (m: string) => send({ type: 'log', level: 'warn', message: m }),
  error: (m: string) => send({ type: 'log', level: 'error', message: m }),
}

async function build (request: Request): Promise<unknown> {
  const onnx = Uint8Array.from(request.onnx)
  if (request.batchSize != null) {
    const artifacts = await buildBatchCircuit({
      onnx,
      outDir: request.outDir,
      size: request.batchSize,
      ptauPath: request.ptauPath,
      threshold: request.threshold,
      logger,
      buildCache: request.buildCache
    })
    return { constraints: artifacts.constraints, vk_sha256: artifacts.vk_sha256, meta: artifacts.meta }
  }
  const artifacts = await buildCircuit({ ...request, onnx, logger })
  return {
    constraints: artifacts.constraints,
    r1cs_sha256: artifacts.r1cs_sha256,
    vk_sha256: artifacts.vk_sha256,
    zkey_sha256: artifacts.zkey_sha256,
    meta: artifacts.meta
  }
}

/**
 * The answer, resolved once it is written to the channel. disconnect() drops what is still queued for writing: with the
 * build's log messages queued before it (a parent busy serving requests reads late), a 'done' sent just before
 * disconnecting was lost and the parent saw the child end "(exit 0) before it finished" (CI, Node 24; reproduced with a
 * child that queues 2,000 messages and a parent busy for 300 ms: the last message lost 10 times in 10, none once the
 * child waits for send's callback).
 */
const answer = async (message: unknown): Promise<void> => {
  await new Promise<void>((resolve) => {
    if (process.send == null || !process.connected) resolve()
    else process.send(message, () => { resolve() })
  })
}

process.once('message', (request: Request) => {
  build(request)
    .then(async (result) => { await answer({ type: 'done', result }) },
      async (err: Error) => { await answer({ type: 'error', name: err.name, message: err.message }) })
    // The parent may have closed the channel already (it got 'done', or it is stopping): disconnecting twice throws.
    .finally(() => { void releaseProvers().finally(() => { if (process.connected) process.disconnect?.() }) })
})
