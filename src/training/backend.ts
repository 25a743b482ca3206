import * as tf from '@tensorflow/tfjs'
import { createRequire } from 'node:module'
import path from 'node:path'

/**
 * Picks the tfjs backend once per process (or worker thread: each has its own tfjs engine).
 *
 * Order: tfjs-node ('tensorflow') when it is installed and loads (it is an optional native
 * package that cannot be installed everywhere, so it is imported dynamically by a name that the
 * compiler does not resolve), else wasm, else cpu. wasm comes before cpu because it is measured
 * faster for this net: the custom training step of src/training/trainer.ts runs ~300 us per
 * batch of 32 on wasm and ~650 us on cpu; the tutorial recipe (5 folds x 30 epochs, 2,428 rows)
 * takes ~3.3 s on wasm and ~6.8 s on cpu (2.1x), see bench/train.ts. The wasm backend runs
 * single-threaded in Node (its threaded build needs browser workers) and uses SIMD; threads would
 * not help matrices this small anyway.
 *
 * `prefer` (config TFJS_BACKEND=tensorflow|wasm|cpu) forces one (benchmarks, debugging).
 */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu'

let chosen: Promise<string> | undefined

export function initBackend (prefer?: BackendName): Promise<string> {
  const forced = prefer
  if (chosen === undefined || (forced !== undefined && tf.getBackend() !== forced)) {
    chosen = pick(forced)
  }
  return chosen
}

async function pick (forced?: BackendName): Promise<string> {
  const order: BackendName[] = forced !== undefined ? [forced] : ['tensorflow', 'wasm', 'cpu']
  for (const name of order) {
    try {
      if (await tryBackend(name)) return name
    } catch {
      // a backend that fails to load (missing native binary, no wasm file) just falls through
    }
  }
  if (forced !== undefined && forced !== 'cpu') return pick()
  throw new Error('no tfjs backend could be initialised')
}

async function tryBackend (name: BackendName): Promise<boolean> {
  if (name === 'tensorflow') {
    const specifier = '@tensorflow/tfjs-node'
    await import(specifier)
    // tfjs-node registers into the tfjs-core it resolves; a nested second copy would not be ours.
    if (tf.findBackendFactory('tensorflow') == null) return false
  } else if (name === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm')
    const require = createRequire(import.meta.url)
    // In Node the .wasm files are read from disk: point the loader at the package's dist/.
    const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'))
    wasm.setWasmPaths(dist + path.sep)
  }
  const ok = await tf.setBackend(name)
  if (!ok) return false
  await tf.ready()
  if (name === 'cpu') {
    // Silence the one-off "install tfjs-node" banner: the choice is deliberate and logged by the caller.
    (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false
  }
  return tf.getBackend() === name
}

export { tf }
