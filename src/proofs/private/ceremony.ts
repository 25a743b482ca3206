/**
 * A multi-party phase 2 for an architecture's circuit (docs/CEREMONY.md). Because the circuit
 * depends only on the architecture, its setup is done once and can be a real ceremony:
 *
 *   1. exportCeremonyStart: circuit.r1cs and a fresh `zkey new` (no contribution yet) for the parties;
 *   2. each party: `snarkjs zkey contribute prev.zkey next.zkey --name=... -e=...` (independently);
 *   3. a public random beacon: `snarkjs zkey beacon last.zkey final.zkey <hex> 10`;
 *   4. anyone: `snarkjs zkey verify circuit.r1cs <ptau> final.zkey`;
 *   5. installCeremonyKey: verifies again (snarkjs zKey.verifyFromR1cs, in a child process), then swaps the key, the
 *      verification key and verifier.sol into the architecture directory atomically and records
 *      the contributions, which the service reports.
 *
 * Soundness then needs only ONE honest party among the contributors (or an unpredictable beacon),
 * plus the powers of tau.
 */
import { copyFile, cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import * as snarkjs from 'snarkjs'
import { PRIVATE_FILES, writeKeys, type ArchitectureMeta } from './setup.js'
import { evictPrivateProver } from './prove.js'
import { quietLogger, verifyZkeyFromR1cs } from './zkey-verify.js'
import { replaceDir, stagingPath } from '../../fs-atomic.js'

export interface CeremonyStart {
  r1csPath: string
  zkey0Path: string
  meta: ArchitectureMeta
}

/** Writes circuit.r1cs, circuit_0000.zkey (zkey new from the ptau) and architecture.json into outDir. */
export async function exportCeremonyStart (archDir: string, ptauPath: string, outDir: string): Promise<CeremonyStart> {
  await mkdir(outDir, { recursive: true })
  const meta = JSON.parse(await readFile(path.join(archDir, PRIVATE_FILES.meta), 'utf8')) as ArchitectureMeta
  const r1csPath = path.join(outDir, PRIVATE_FILES.r1cs)
  await copyFile(path.join(archDir, PRIVATE_FILES.r1cs), r1csPath)
  await copyFile(path.join(archDir, PRIVATE_FILES.meta), path.join(outDir, PRIVATE_FILES.meta))
  const zkey0Path = path.join(outDir, 'circuit_0000.zkey')
  const errors: string[] = []
  const r = await snarkjs.zKey.newZKey(r1csPath, ptauPath, zkey0Path, quietLogger(errors))
  if (r === -1 || errors.length) throw new Error(`zkey new failed: ${errors.join('; ')}`)
  return { r1csPath, zkey0Path, meta }
}

/**
 * Verifies `zkeyPath` against the architecture's R1CS and `ptauPath` and installs it. Throws (and
 * changes nothing) if the transcript does not verify or the key has no contribution.
 */
export async function installCeremonyKey (archDir: string, zkeyPath: string, ptauPath: string): Promise<ArchitectureMeta> {
  const dir = path.resolve(archDir)
  const { ok, errors } = await verifyZkeyFromR1cs(path.join(dir, PRIVATE_FILES.r1cs), ptauPath, zkeyPath)
  if (!ok) {
    throw new Error(`the ceremony's zkey does not verify against this circuit and ptau${errors.length ? ': ' + errors.join('; ') : ''}`)
  }
  const old = JSON.parse(await readFile(path.join(dir, PRIVATE_FILES.meta), 'utf8')) as ArchitectureMeta
  const tmp = stagingPath(dir)
  await cp(dir, tmp, { recursive: true })
  try {
    await copyFile(zkeyPath, path.join(tmp, PRIVATE_FILES.zkey))
    const ceremony = { source: 'ceremony' as const, contributions: [], verified_at: new Date().toISOString() }
    const { meta } = await writeKeys(tmp, { ...old, ceremony })
    if (meta.ceremony.contributions.length === 0) throw new Error('the ceremony\'s zkey has no contribution')
    await writeFile(path.join(tmp, PRIVATE_FILES.meta), JSON.stringify(meta, null, 1))
    await replaceDir(tmp, dir)
    evictPrivateProver(dir)
    return meta
  } catch (err) {
    await rm(tmp, { recursive: true, force: true })
    throw err
  }
}
