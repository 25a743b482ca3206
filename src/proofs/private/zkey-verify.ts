import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type * as snarkjs from 'snarkjs'

/** A snarkjs logger that keeps only the errors, in `errors`. */
export function quietLogger (errors: string[]): snarkjs.Logger {
  const noop = (): void => {}
  return { debug: noop, info: noop, warn: noop, error: (m: unknown) => { errors.push(String(m)) } }
}

export interface ZkeyVerification {
  ok: boolean
  /** What snarkjs reported: its logger's errors, what it printed (it prints some failures), or the exception that stopped it. */
  errors: string[]
}

/**
 * Whether `zkey` is a valid phase-2 key of the circuit `r1cs` on the powers of tau `ptau`, with a valid transcript of
 * contributions (snarkjs zKey.verifyFromR1cs), run in a child process: zkey-verify-child.ts says why.
 */
export async function verifyZkeyFromR1cs (r1cs: string, ptau: string, zkey: string): Promise<ZkeyVerification> {
  const child = fork(fileURLToPath(new URL('./zkey-verify-child.js', import.meta.url)), [r1cs, ptau, zkey],
    { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] })
  let printed = ''
  const keep = (chunk: Buffer): void => { if (printed.length < 4096) printed += chunk.toString('utf8') }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  try {
    const result = await new Promise<ZkeyVerification>((resolve, reject) => {
      child.once('message', (message) => { resolve(message as ZkeyVerification) })
      child.once('error', reject)
      // 'close', not 'exit': the answer can still be in the channel when 'exit' comes; 'close' comes after it
      child.once('close', (code, signal) => {
        const how = signal ?? `exit code ${code}`
        reject(new Error(`the zkey verification process stopped (${how}) without an answer: ${printed.trim().slice(0, 500)}`))
      })
    })
    const lines = printed.split('\n').map((l) => l.trim()).filter((l) => l !== '')
    return result.ok ? result : { ok: false, errors: [...result.errors, ...lines] }
  } finally {
    if (child.exitCode == null && child.signalCode == null) child.kill('SIGKILL')
  }
}
