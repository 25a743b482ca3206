/**
 * Compiles a Solidity verifier with solc (compileSolidity, cached by content) and deploys it in a fresh in-process EVM (@ethereumjs/evm);
 * returns a caller that runs `signature` with ABI-encoded arguments (hex, no 0x).
 */
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { createEVM } from '@ethereumjs/evm'
import { hexToBytes } from '@ethereumjs/util'
import { TEST_CIRCUIT_CACHE } from './circuit-cache.js'

const require = createRequire(import.meta.url)

export interface CompiledContract { bytecode: string, methodIdentifiers: Record<string, string> }

const SOLC_SETTINGS = { optimizer: { enabled: true, runs: 200 }, outputSelection: { '*': { '*': ['evm.bytecode.object', 'evm.methodIdentifiers'] } } }
const compiled = new Map<string, CompiledContract>()

/**
 * One contract of `source` compiled by solc (optimizer on, 200 runs). solc output is a function of the
 * compiler version, the source and the settings, so it is kept by that key, in this process and in the
 * shared test build cache (solc/): loading solc and compiling a verifier costs ~2 s CPU, and the same
 * verifiers (of the cached circuit builds) were compiled again in every file and every run.
 */
export function compileSolidity (source: string, contract: string): CompiledContract {
  const version = (JSON.parse(readFileSync(require.resolve('solc/package.json'), 'utf8')) as { version: string }).version
  const key = createHash('sha256').update(JSON.stringify({ version, source, contract, settings: SOLC_SETTINGS })).digest('hex')
  const file = path.join(TEST_CIRCUIT_CACHE, 'solc', `${key}.json`)
  let c = compiled.get(key)
  if (c == null) {
    try {
      c = JSON.parse(readFileSync(file, 'utf8')) as CompiledContract
    } catch {
      const solc = require('solc') as { compile(input: string): string }
      const out = JSON.parse(solc.compile(JSON.stringify({ language: 'Solidity', sources: { 'verifier.sol': { content: source } }, settings: SOLC_SETTINGS }))) as
        { errors?: { severity: string, formattedMessage: string }[], contracts: Record<string, Record<string, { evm: { bytecode: { object: string }, methodIdentifiers: Record<string, string> } }>> }
      const errors = (out.errors ?? []).filter((e) => e.severity === 'error')
      if (errors.length) throw new Error(errors.map((e) => e.formattedMessage).join('\n'))
      const evm = out.contracts['verifier.sol'][contract]?.evm
      if (evm == null) throw new Error(`no contract ${contract} in the source`)
      c = { bytecode: evm.bytecode.object, methodIdentifiers: evm.methodIdentifiers }
      mkdirSync(path.dirname(file), { recursive: true })
      const tmp = `${file}.${process.pid}.tmp`
      writeFileSync(tmp, JSON.stringify(c))
      renameSync(tmp, file)
    }
    compiled.set(key, c)
  }
  return c
}

export interface EvmCallResult { ok: boolean, returned: boolean, gas: bigint, error?: string, /** return data, hex */ ret?: string }

/** `ctorArgsHex`: ABI-encoded constructor arguments (hex, no 0x), appended to the creation code. */
export async function deployVerifier (source: string, contract: string, signature: string, ctorArgsHex = ''): Promise<(argsHex: string) => Promise<EvmCallResult>> {
  const c = compileSolidity(source, contract)
  const selector = c.methodIdentifiers[signature]
  if (!selector) throw new Error(`no ${signature} in ${Object.keys(c.methodIdentifiers).join(', ')}`)
  const evm = await createEVM()
  const deployed = await evm.runCall({ data: hexToBytes(`0x${c.bytecode}${ctorArgsHex}`), gasLimit: 30_000_000n })
  const address = deployed.createdAddress
  if (deployed.execResult.exceptionError || !address) throw new Error(`deploy failed: ${deployed.execResult.exceptionError?.error}`)
  return async (argsHex: string) => {
    const call = await evm.runCall({ to: address, data: hexToBytes(`0x${selector}${argsHex}`), gasLimit: 30_000_000n })
    if (call.execResult.exceptionError) return { ok: false, returned: false, gas: call.execResult.executionGasUsed, error: call.execResult.exceptionError.error }
    const ret = call.execResult.returnValue
    return { ok: true, returned: ret.length === 32 && ret[31] === 1, gas: call.execResult.executionGasUsed, ret: Buffer.from(ret).toString('hex') }
  }
}
