import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { readR1csHeader } from './r1cs.js';
const require = createRequire(import.meta.url);
/** Directory holding circomlib, for `include "circomlib/circuits/..."`. */
export function circomIncludeDir() {
    return path.dirname(path.dirname(require.resolve('circomlib/package.json')));
}
function runCircom(args) {
    return new Promise((resolve, reject) => {
        const w = new Worker(new URL('./compile-worker.js', import.meta.url), { workerData: { args } });
        let done = false;
        w.once('message', (m) => { done = true; resolve(m); });
        w.once('error', (err) => { if (!done) {
            done = true;
            reject(err);
        } });
        w.once('exit', (code) => { if (!done) {
            done = true;
            reject(new Error(`circom worker exited with code ${code}`));
        } });
    });
}
/**
 * Writes `<name>.circom` into outDir and compiles it there: `<name>.r1cs`, `<name>_js/<name>.wasm`.
 * Throws with circom's own message when compilation fails.
 */
export async function compileCircuit(source, outDir, name = 'circuit', opts = {}) {
    const dir = path.resolve(outDir);
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, `${name}.circom`);
    await writeFile(file, source);
    const args = [file, '--r1cs', '--wasm', `--${opts.optimize ?? 'O2'}`, '-l', circomIncludeDir(), '-o', dir];
    if (opts.sym)
        args.push('--sym');
    const t0 = performance.now();
    const { code, stdout, stderr } = await runCircom(args);
    const compileMs = performance.now() - t0;
    // circom colours its messages; strip ANSI codes so logs and errors stay readable
    const log = (stdout + stderr).replace(/\x1b\[[0-9;]*m/g, '');
    if (code !== 0)
        throw new Error(`circom failed (exit ${code}): ${log.trim().slice(-2000)}`);
    const r1csPath = path.join(dir, `${name}.r1cs`);
    const header = readR1csHeader(await readFile(r1csPath));
    return {
        r1csPath,
        wasmPath: path.join(dir, `${name}_js`, `${name}.wasm`),
        symPath: opts.sym ? path.join(dir, `${name}.sym`) : undefined,
        constraints: header.nConstraints,
        compileMs,
        log
    };
}
//# sourceMappingURL=compile.js.map