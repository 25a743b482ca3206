/**
 * The BN254 curve (ffjavascript's wasm build), one per thread and threading mode: the prover and the
 * verifier share it. Multi-threaded by default (ffjavascript's own worker pool) or single-threaded
 * (what the prover pool's workers use: ffjavascript cannot start its helper threads inside a worker).
 */
import { buildBn128 } from 'ffjavascript';
let multiCurve = null;
let singleCurve = null;
/** The thread's curve: built once (ffjavascript caches the multi-threaded one globally too). */
export function getCurve(singleThread = false) {
    if (singleThread)
        return (singleCurve ??= buildBn128(true));
    return (multiCurve ??= buildBn128(false));
}
/**
 * Terminates the multi-threaded curve's worker threads (they keep a process alive; snarkjs's setup
 * builds the same global one) and forgets both curves.
 */
export async function releaseCurves() {
    const g = globalThis;
    if (g.curve_bn128)
        await g.curve_bn128.terminate();
    multiCurve = null;
    singleCurve = null;
}
//# sourceMappingURL=curve.js.map