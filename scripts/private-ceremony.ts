/**
 * The operator's two steps of a private architecture's phase-2 ceremony (docs/CEREMONY.md):
 *   node dist/scripts/private-ceremony.js export ARCH_DIR PTAU OUT_DIR
 *   node dist/scripts/private-ceremony.js install ARCH_DIR FINAL.zkey PTAU
 * The parties in between use the stock snarkjs CLI (zkey contribute, zkey beacon, zkey verify).
 */
import { exportCeremonyStart, installCeremonyKey } from '../src/proofs/private/index.js'
import { releaseCurves } from '../src/proofs/curve.js'

const [cmd, a, b, c] = process.argv.slice(2)
try {
  if (cmd === 'export' && a && b && c) {
    const s = await exportCeremonyStart(a, b, c)
    console.log(`circuit ${s.meta.circuit_id} (${s.meta.constraints} constraints): ${s.r1csPath}, ${s.zkey0Path}`)
  } else if (cmd === 'install' && a && b && c) {
    const meta = await installCeremonyKey(a, b, c)
    console.log(JSON.stringify({ circuit_id: meta.circuit_id, vk_sha256: meta.vk_sha256, ceremony: meta.ceremony }, null, 1))
  } else {
    console.error('usage: private-ceremony export ARCH_DIR PTAU OUT_DIR | install ARCH_DIR FINAL.zkey PTAU')
    process.exitCode = 2
  }
} finally {
  await releaseCurves()
}
