/**
 * Makes an INSECURE development powers of tau: `node dist/scripts/make-dev-ptau.js <power> [dir]`.
 * A single local contribution (see src/proofs/ptau.ts): for development and tests only. For
 * production set PTAU_FILE to a public ceremony file (e.g. powersOfTau28_hez_final_14.ptau).
 * The shipped models/ptau/INSECURE-dev-pot12.ptau (service default and tests) was made with `... 12 models/ptau`.
 */
import { makeDevPtau } from '../src/proofs/ptau.js'
import { releaseProvers } from '../src/proofs/prover-cache.js'

const power = Number(process.argv[2] ?? 12)
const dir = process.argv[3] ?? 'ptau-cache'
if (!Number.isInteger(power) || power < 4 || power > 20) {
  console.error('usage: make-dev-ptau <power 4..20> [dir]')
  process.exit(2)
}
const logger = { info: (m: string) => console.log(m), warn: (m: string) => console.warn(`WARNING: ${m}`) }
const file = await makeDevPtau(power, dir, logger)
console.log(file)
await releaseProvers()
