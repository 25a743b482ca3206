/**
 * Runs the circom compiler (circom2: circom compiled to WebAssembly under WASI) inside a worker
 * thread, so a compile does not block the caller's event loop. compile.ts starts it; the worker
 * posts back {code, stdout, stderr}.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
const require = createRequire(import.meta.url);
// circom2 ships CommonJS without types
const { CircomRunner, bindings } = require('circom2');
const { args } = workerData;
let stdout = '';
let stderr = '';
// The WASI layer writes stdout/stderr with fs.writeSync(1|2): capture them instead of printing
const capturingFs = new Proxy(fs, {
    get(target, prop, receiver) {
        if (prop === 'writeSync') {
            return (fd, buf, off = 0, len = buf.byteLength - off, pos) => {
                if (fd === 1 || fd === 2) {
                    const text = Buffer.from(buf.buffer, buf.byteOffset + off, len).toString('utf8');
                    if (fd === 1)
                        stdout += text;
                    else
                        stderr += text;
                    return len;
                }
                return fs.writeSync(fd, buf, off, len, pos);
            };
        }
        return Reflect.get(target, prop, receiver);
    }
});
class Exit extends Error {
    code;
    constructor(code) {
        super(`exit ${code}`);
        this.code = code;
    }
}
async function main() {
    const runner = new CircomRunner({
        args,
        env: {},
        // Absolute paths are used throughout, so the whole filesystem is the single preopened directory
        preopens: { '/': '/' },
        bindings: {
            ...bindings,
            fs: capturingFs,
            isTTY: () => false,
            exit(code) { throw new Exit(code); },
            kill(signal) { throw new Exit(128 + (typeof signal === 'number' ? signal : 9)); }
        }
    });
    let code = 0;
    try {
        await runner.execute(fs.readFileSync(require.resolve('circom2/circom.wasm')));
    }
    catch (err) {
        if (err instanceof Exit)
            code = err.code;
        else {
            code = 1;
            stderr += String(err?.stack ?? err);
        }
    }
    parentPort?.postMessage({ code, stdout, stderr });
}
void main();
//# sourceMappingURL=compile-worker.js.map