import { AppError } from '../errors.js';
/** Proofs of predictions: read them, bundle them for offline checks, verify them against the registry's keys. */
export class Proofs {
    deps;
    constructor(deps) {
        this.deps = deps;
    }
    async get(id) {
        return await this.deps.proofs.get(id);
    }
    /** A self-contained bundle that stock snarkjs verifies. */
    async bundle(id) {
        const job = requireSucceeded(await this.deps.proofs.get(id));
        const meta = this.deps.registry.resolve(job.model, job.version);
        return {
            proof_system: job.proof_system,
            proof: job.proof,
            public_signals: job.public_signals,
            verification_key: await this.deps.proofs.verificationKey(meta),
            model: { name: meta.name, version: meta.version, onnx_sha256: meta.onnx_sha256 },
        };
    }
    async verifyStored(id) {
        const job = requireSucceeded(await this.deps.proofs.get(id));
        return await this.deps.proofs.verify(this.deps.registry.resolve(job.model, job.version), job.public_signals, job.proof);
    }
    /** Against the registry's key for the bundle's model version, never the key inside the bundle. */
    async verifyBundle(bundle) {
        const meta = this.deps.registry.resolve(bundle.model.name, bundle.model.version);
        if (bundle.proof_system !== meta.proof_system) {
            const reason = `the bundle says ${bundle.proof_system}, but model '${meta.name}' version ${meta.version} proves with ` +
                `${meta.proof_system}`;
            return { verified: false, verification_ms: 0, reason };
        }
        if (bundle.model.onnx_sha256 !== meta.onnx_sha256) {
            return {
                verified: false,
                verification_ms: 0,
                reason: `the bundle's onnx_sha256 does not match model '${meta.name}' version ${meta.version}`
            };
        }
        const result = await this.deps.proofs.verify(meta, bundle.public_signals, bundle.proof);
        return result.verified ? result : { ...result, reason: 'the proof does not verify against this version\'s verification key' };
    }
}
function requireSucceeded(job) {
    if (job.status !== 'succeeded' || job.proof == null || job.public_signals == null) {
        const why = job.error != null ? `: ${job.error}` : '';
        throw new AppError(409, 'proof_not_ready', `proof '${job.id}' is ${job.status}${why}; poll GET /proofs/${job.id} until it has succeeded`);
    }
    return { ...job, proof: job.proof, public_signals: job.public_signals };
}
//# sourceMappingURL=proofs.js.map