export const ARTIFACT_FILES = {
    source: 'circuit.circom',
    r1cs: 'circuit.r1cs',
    wasm: 'circuit.wasm',
    zkey: 'circuit.zkey',
    vk: 'verification_key.json',
    verifier: 'verifier.sol',
    meta: 'circuit.json'
};
//# sourceMappingURL=artifacts.js.map