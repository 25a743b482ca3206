import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import path from 'node:path';
let chosen;
export function initBackend(prefer) {
    const forced = prefer;
    if (chosen === undefined || (forced !== undefined && tf.getBackend() !== forced)) {
        chosen = pick(forced);
    }
    return chosen;
}
async function pick(forced) {
    const order = forced !== undefined ? [forced] : ['tensorflow', 'wasm', 'cpu'];
    for (const name of order) {
        try {
            if (await tryBackend(name))
                return name;
        }
        catch {
            // a backend that fails to load (missing native binary, no wasm file) just falls through
        }
    }
    if (forced !== undefined && forced !== 'cpu')
        return pick();
    throw new Error('no tfjs backend could be initialised');
}
async function tryBackend(name) {
    if (name === 'tensorflow') {
        const specifier = '@tensorflow/tfjs-node';
        await import(specifier);
        // tfjs-node registers into the tfjs-core it resolves; a nested second copy would not be ours.
        if (tf.findBackendFactory('tensorflow') == null)
            return false;
    }
    else if (name === 'wasm') {
        const wasm = await import('@tensorflow/tfjs-backend-wasm');
        const require = createRequire(import.meta.url);
        // In Node the .wasm files are read from disk: point the loader at the package's dist/.
        const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
        wasm.setWasmPaths(dist + path.sep);
    }
    const ok = await tf.setBackend(name);
    if (!ok)
        return false;
    await tf.ready();
    if (name === 'cpu') {
        // Silence the one-off "install tfjs-node" banner: the choice is deliberate and logged by the caller.
        tf.backend().firstUse = false;
    }
    return tf.getBackend() === name;
}
export { tf };
//# sourceMappingURL=backend.js.map