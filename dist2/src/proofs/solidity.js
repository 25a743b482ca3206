/**
 * On-chain verification: the verifier.sol that setup writes (snarkjs' own Solidity templates) exposes
 *   Groth16: verifyProof(uint256[2] a, uint256[2][2] b, uint256[2] c, uint256[nPublic] pubSignals)
 *   PLONK:   verifyProof(uint256[24] proof, uint256[nPublic] pubSignals)
 * returning bool. These helpers turn a proof + public signals into those arguments (note that b's
 * Fp2 coordinates are swapped relative to snarkjs JSON, which snarkjs' calldata export handles).
 */
import * as snarkjs from 'snarkjs';
/** The Solidity function signature of the exported verifier. */
export function verifierSignature(system, nPublic) {
    return system === 'groth16'
        ? `verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[${nPublic}])`
        : `verifyProof(uint256[24],uint256[${nPublic}])`;
}
/** snarkjs' calldata text (what `snarkjs zkey export soliditycalldata` prints). */
export async function solidityCallData(system, proof, publicSignals) {
    return system === 'groth16'
        ? snarkjs.groth16.exportSolidityCallData(proof, publicSignals)
        : snarkjs.plonk.exportSolidityCallData(proof, publicSignals);
}
/** The calldata text as nested arrays of 0x-hex words, the way an ethers/viem call takes them. */
export function parseCallData(callData) {
    // snarkjs' PLONK export omits the comma between its two arrays
    return JSON.parse(`[${callData.replace(/\]\s*\[/g, '],[')}]`);
}
/** ABI encoding of the verifier's arguments (all static arrays: the words in order), hex without 0x. */
export function encodeVerifierArgs(callData) {
    const words = parseCallData(callData).flat(3);
    return words.map((w) => BigInt(w).toString(16).padStart(64, '0')).join('');
}
//# sourceMappingURL=solidity.js.map