/** The parts of snarkjs (no published types) that src/proofs uses. */
declare module 'snarkjs' {
  export type Logger = {
    debug(...a: unknown[]): void, info(...a: unknown[]): void, warn(...a: unknown[]): void, error(...a: unknown[]): void
  }
  /** A file name or an in-memory file `{type: 'mem', data}`. */
  export type FileRef = string | { type: 'mem', data?: Uint8Array }
  export interface Proof { [k: string]: unknown, protocol: string, curve: string }
  export type PublicSignals = string[]
  export interface VerificationKey { protocol: string, curve: string, nPublic: number, [k: string]: unknown }

  export const groth16: {
    fullProve(
      input: Record<string, unknown>, wasm: FileRef, zkey: FileRef, logger?: Logger
    ): Promise<{ proof: Proof, publicSignals: PublicSignals }>
    prove(
      zkey: FileRef, witness: FileRef, logger?: Logger, options?: Record<string, unknown>
    ): Promise<{ proof: Proof, publicSignals: PublicSignals }>
    verify(vk: VerificationKey, publicSignals: PublicSignals, proof: Proof, logger?: Logger): Promise<boolean>
    exportSolidityCallData(proof: Proof, publicSignals: PublicSignals): Promise<string>
  }
  export const plonk: {
    setup(r1cs: FileRef, ptau: FileRef, zkey: FileRef, logger?: Logger): Promise<unknown>
    fullProve(
      input: Record<string, unknown>, wasm: FileRef, zkey: FileRef, logger?: Logger
    ): Promise<{ proof: Proof, publicSignals: PublicSignals }>
    prove(
      zkey: FileRef, witness: FileRef, logger?: Logger, options?: Record<string, unknown>
    ): Promise<{ proof: Proof, publicSignals: PublicSignals }>
    verify(vk: VerificationKey, publicSignals: PublicSignals, proof: Proof, logger?: Logger): Promise<boolean>
    exportSolidityCallData(proof: Proof, publicSignals: PublicSignals): Promise<string>
  }
  export const zKey: {
    newZKey(r1cs: FileRef, ptau: FileRef, zkey: FileRef, logger?: Logger): Promise<unknown>
    contribute(zkeyOld: FileRef, zkeyNew: FileRef, name: string, entropy: string, logger?: Logger): Promise<Uint8Array>
    beacon(
      zkeyOld: FileRef, zkeyNew: FileRef, name: string, beaconHashStr: string, numIterationsExp: number, logger?: Logger
    ): Promise<Uint8Array>
    exportVerificationKey(zkey: FileRef, logger?: Logger): Promise<VerificationKey>
    exportSolidityVerifier(zkey: FileRef, templates: Record<string, string>, logger?: Logger): Promise<string>
    verifyFromR1cs(r1cs: FileRef, ptau: FileRef, zkey: FileRef, logger?: Logger): Promise<boolean>
  }
  export const powersOfTau: {
    newAccumulator(curve: unknown, power: number, file: FileRef, logger?: Logger): Promise<unknown>
    contribute(oldPtau: FileRef, newPtau: FileRef, name: string, entropy: string, logger?: Logger): Promise<unknown>
    preparePhase2(oldPtau: FileRef, newPtau: FileRef, logger?: Logger): Promise<unknown>
    verify(ptau: FileRef, logger?: Logger): Promise<boolean>
  }
  export const wtns: {
    calculate(input: Record<string, unknown>, wasm: FileRef, wtns: FileRef, options?: Record<string, unknown>): Promise<void>
  }
  export const curves: {
    getCurveFromName(name: string, options?: { singleThread?: boolean }): Promise<Curve>
  }
  export interface Curve { name: string, terminate(): Promise<void>, [k: string]: unknown }
}

declare module 'circom_runtime' {
  export interface WitnessCalculator {
    calculateWTNSBin(input: Record<string, unknown>, sanityCheck?: boolean): Promise<Uint8Array>
    calculateWitness(input: Record<string, unknown>, sanityCheck?: boolean): Promise<bigint[]>
    circom_version(): number
  }
  export function WitnessCalculatorBuilder (code: Uint8Array, options?: Record<string, unknown>): Promise<WitnessCalculator>
}

declare module 'ffjavascript' {
  export function buildBn128 (singleThread?: boolean): Promise<any>
  export const utils: { stringifyBigInts(o: unknown): unknown, unstringifyBigInts(o: unknown): unknown }
}

declare module '@iden3/binfileutils' {
  export interface BinFd { pos: number, readULE32(): Promise<number>, read(n: number): Promise<Uint8Array>, close(): Promise<void> }
  export function readBinFile (
    file: unknown, type: string, maxVersion: number, cacheSize?: number, pageSize?: number
  ): Promise<{ fd: BinFd, sections: { p: number, size: number }[][] }>
  export function readBigInt (fd: BinFd, n8: number): Promise<bigint>
  export interface BigBufferLike { byteLength: number, slice(a: number, b?: number): Uint8Array }
  export function readSection (fd: BinFd, sections: { p: number, size: number }[][], id: number): Promise<Uint8Array | BigBufferLike>
}
