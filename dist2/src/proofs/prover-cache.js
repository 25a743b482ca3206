/**
 * Everything proving needs, loaded once per circuit directory and threading mode and kept in a
 * least-recently-used cache (lru-cache) per thread: the witness calculator (compiled + instantiated
 * circom wasm), the Groth16 key parsed by zkey.ts, or the PLONK zkey bytes (snarkjs plonk prove reads
 * them from memory, no disk reads), and the curve.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { WitnessCalculatorBuilder } from 'circom_runtime';
import { LRUCache } from 'lru-cache';
import { ARTIFACT_FILES } from './artifacts.js';
import { getCurve, releaseCurves } from './curve.js';
import { planFromJSON } from './quantize.js';
import { loadGroth16Key } from './zkey.js';
/** Circuits kept loaded per thread by default (each holds its proving key and a witness wasm instance). */
export const DEFAULT_PROVER_CACHE_SIZE = 16;
let provers = new LRUCache({ max: DEFAULT_PROVER_CACHE_SIZE });
/** Sets how many circuits this thread keeps loaded (config PROVER_CACHE_SIZE); forgets the loaded ones. */
export function setProverCacheSize(max) {
    provers = new LRUCache({ max: Math.max(1, Math.trunc(max)) });
}
/** Loads (once per directory and threading mode) everything proving needs. */
export function loadProver(dir, opts = {}) {
    const d = path.resolve(dir);
    const singleThread = Boolean(opts.singleThread);
    const key = `${d}|${singleThread ? 1 : 0}`;
    let p = provers.get(key);
    if (p == null) {
        p = (async () => {
            const meta = JSON.parse(await readFile(path.join(d, ARTIFACT_FILES.meta), 'utf8'));
            const plan = planFromJSON(meta.plan);
            const wc = await WitnessCalculatorBuilder(await readFile(path.join(d, ARTIFACT_FILES.wasm)));
            const zkeyBytes = new Uint8Array(await readFile(path.join(d, ARTIFACT_FILES.zkey)));
            const curve = await getCurve(singleThread);
            const prover = { dir: d, meta, plan, system: meta.proofSystem, singleThread, wc, curve };
            if (meta.proofSystem === 'groth16')
                prover.groth16 = await loadGroth16Key(zkeyBytes, curve);
            else
                prover.zkeyBytes = zkeyBytes;
            return prover;
        })();
        const loading = p;
        provers.set(key, loading);
        loading.catch(() => { if (provers.peek(key) === loading)
            provers.delete(key); });
    }
    return p;
}
/** Forgets a cached prover (after its directory was rebuilt or deleted). */
export function evictProver(dir) {
    const d = path.resolve(dir);
    for (const k of [...provers.keys()])
        if (k.startsWith(`${d}|`))
            provers.delete(k);
}
/**
 * Forgets the provers and terminates the multi-threaded curve's worker threads (they keep a process
 * alive). Call before exiting a CLI or at the end of a test file.
 */
export async function releaseProvers() {
    provers.clear();
    await releaseCurves();
}
//# sourceMappingURL=prover-cache.js.map