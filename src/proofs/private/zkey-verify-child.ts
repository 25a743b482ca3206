/**
 * `snarkjs zkey verify` of a ceremony's key (zKey.verifyFromR1cs) in a child process of its own (zkey-verify.ts
 * forks it and reads one message). Why a process: snarkjs 0.7.6 leaves files open on its way through (the powers of
 * tau that sameRatioH opens is never closed, and an inconsistent transcript returns false with the zkey still open);
 * Node closes such handles only when they are collected, with a DEP0137 warning, and says it will throw there in a
 * future version. A process's files close when it exits. Not a worker thread: snarkjs builds its own multi-threaded
 * curve here, and ffjavascript cannot start its threads from a worker thread. It also keeps the ~9 CPU s of the
 * check off the service's event loop.
 */
import * as snarkjs from 'snarkjs'
import { quietLogger } from './zkey-verify.js'

const [r1cs, ptau, zkey] = process.argv.slice(2)
const errors: string[] = []

let result: { ok: boolean, errors: string[] }
try {
  const ok = await snarkjs.zKey.verifyFromR1cs(r1cs, ptau, zkey, quietLogger(errors))
  result = { ok: ok === true, errors }
} catch (err) {
  result = { ok: false, errors: [...errors, err instanceof Error ? err.message : String(err)] }
}
process.send?.(result, () => { process.exit(0) })
