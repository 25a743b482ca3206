/**
 * Compiles a Solidity verifier with solc and deploys it in a fresh in-process EVM (@ethereumjs/evm);
 * returns a caller that runs `signature` with ABI-encoded arguments (hex, no 0x).
 */
import { createRequire } from 'node:module'
import { createEVM } from '@ethereumjs/evm'
import { hexToBytes } from '@ethereumjs/util'

const require = createRequire(import.meta.url)

export interface EvmCallResult { ok: boolean, returned: boolean, gas: bigint, error?: string, /** return data, hex */ ret?: string }

/** `ctorArgsHex`: ABI-encoded constructor arguments (hex, no 0x), appended to the creation code. */
export async function deployVerifier (source: string, contract: string, signature: string, ctorArgsHex = ''): Promise<(argsHex: string) => Promise<EvmCallResult>> {
  const solc = require('solc') as { compile(input: string): string }
  const out = JSON.parse(solc.compile(JSON.stringify({
    language: 'Solidity',
    sources: { 'verifier.sol': { content: source } },
    settings: { optimizer: { enabled: true, runs: 200 }, outputSelection: { '*': { '*': ['evm.bytecode.object', 'evm.methodIdentifiers'] } } }
  }))) as { errors?: { severity: string, formattedMessage: string }[], contracts: Record<string, Record<string, { evm: { bytecode: { object: string }, methodIdentifiers: Record<string, string> } }>> }
  const errors = (out.errors ?? []).filter((e) => e.severity === 'error')
  if (errors.length) throw new Error(errors.map((e) => e.formattedMessage).join('\n'))
  const c = out.contracts['verifier.sol'][contract]
  const selector = c.evm.methodIdentifiers[signature]
  if (!selector) throw new Error(`no ${signature} in ${Object.keys(c.evm.methodIdentifiers).join(', ')}`)
  const evm = await createEVM()
  const deployed = await evm.runCall({ data: hexToBytes(`0x${c.evm.bytecode.object}${ctorArgsHex}`), gasLimit: 30_000_000n })
  const address = deployed.createdAddress
  if (deployed.execResult.exceptionError || !address) throw new Error(`deploy failed: ${deployed.execResult.exceptionError?.error}`)
  return async (argsHex: string) => {
    const call = await evm.runCall({ to: address, data: hexToBytes(`0x${selector}${argsHex}`), gasLimit: 30_000_000n })
    if (call.execResult.exceptionError) return { ok: false, returned: false, gas: call.execResult.executionGasUsed, error: call.execResult.exceptionError.error }
    const ret = call.execResult.returnValue
    return { ok: true, returned: ret.length === 32 && ret[31] === 1, gas: call.execResult.executionGasUsed, ret: Buffer.from(ret).toString('hex') }
  }
}
