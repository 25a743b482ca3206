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

process.once('message', (request: Request) => {
  build(request)
    .then((result) => { send({ type: 'done', result }) })
    .catch((err: Error) => send({ type: 'error', name: err.name, message: err.message }))
    // The parent may have closed the channel already (it got 'done', or it is stopping): disconnecting twice throws.
    .finally(() => { void releaseProvers().finally(() => { if (process.connected) process.disconnect?.() }) })
})
