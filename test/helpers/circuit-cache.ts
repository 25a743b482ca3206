import os from 'node:os'
import path from 'node:path'

/**
 * The circuit build cache every test shares (config CIRCUIT_BUILD_CACHE_DIR): the same test model
 * is compiled and set up once per machine, not once per file. Its key covers the circuit source,
 * the model bytes, the proof system, the ptau and the snarkjs version, so a change of any of them
 * builds afresh. A test about the build itself (a crash in it, its failure) turns it off.
 */
export const TEST_CIRCUIT_CACHE = path.join(os.tmpdir(), 'zkpredict-test-circuits')
