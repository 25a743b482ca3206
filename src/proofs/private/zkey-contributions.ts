/**
 * The phase-2 contributions recorded in a Groth16 zkey (section 10, the MPC parameters, as snarkjs'
 * zkey_utils.js readMPCParams lays it out), so the service can show who contributed to the setup
 * of each architecture. Listing is not verifying: `snarkjs zkey verify` (ceremony.ts) checks them.
 */
import * as binFileUtils from '@iden3/binfileutils'

export interface Contribution {
  index: number
  name: string
  type: 'contribution' | 'beacon'
  /** blake2b-512 transcript hash of the contribution's public key (hex), as in the zkey */
  transcript: string
  beacon_hash?: string
  beacon_iterations_exp?: number
}

const G1 = 64
const G2 = 128

export async function readContributions (zkey: Uint8Array): Promise<Contribution[]> {
  const { fd, sections } = await binFileUtils.readBinFile({ type: 'mem', data: zkey }, 'zkey', 2)
  try {
    if (!sections[10]) return []
    fd.pos = sections[10][0].p
    await fd.read(64) // circuit hash
    const n = await fd.readULE32()
    const out: Contribution[] = []
    for (let i = 0; i < n; i++) {
      await fd.read(G1 * 3 + G2) // deltaAfter, g1_s, g1_sx, g2_spx
      const transcript = Buffer.from(await fd.read(64)).toString('hex')
      const type = await fd.readULE32()
      const len = await fd.readULE32()
      const params = Buffer.from(len > 0 ? await fd.read(len) : new Uint8Array())
      const c: Contribution = { index: i + 1, name: '', type: type === 1 ? 'beacon' : 'contribution', transcript }
      let p = 0
      while (p < params.length) {
        const t = params[p++]
        if (t === 1) {
          const l = params[p++]
          c.name = params.subarray(p, p + l).toString('utf8')
          p += l
        } else if (t === 2) {
          c.beacon_iterations_exp = params[p++]
        } else if (t === 3) {
          const l = params[p++]
          c.beacon_hash = params.subarray(p, p + l).toString('hex')
          p += l
        } else break
      }
      out.push(c)
    }
    return out
  } finally {
    await fd.close()
  }
}
