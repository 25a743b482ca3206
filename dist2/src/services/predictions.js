import { AppError } from '../errors.js';
import { arrowToTensor, instancesToTensor } from '../inference/instances.js';
import { notProvableMessage } from '../jobs/circuit-builds.js';
/** Predictions: resolve the version, load it, check the input, run it, queue a proof per row. */
export class Predictions {
    deps;
    constructor(deps) {
        this.deps = deps;
    }
    /** JSON rows (positional or named). */
    async predictRows(body) {
        checkBatch(body.instances.length, this.deps.maxBatch);
        return await this.run(body.model, body.version, (loaded) => instancesToTensor(body.instances, loaded), body.proof);
    }
    /** An Arrow IPC stream with one column per feature. */
    async predictArrow(query, body) {
        if (query.model == null) {
            throw new AppError(400, 'validation_error', 'querystring must have required property \'model\' for an Arrow body', { field: 'querystring/model' });
        }
        return await this.run(query.model, query.version, async (loaded) => await arrowToTensor(body, loaded, this.deps.maxBatch), query.proof);
    }
    /** Open Inference Protocol v2: one FP32/FP64 tensor of shape [rows, width] (or [width]); no proof. */
    async infer(name, version, input) {
        const meta = this.deps.registry.resolve(name, version ?? 'latest');
        const loaded = await this.deps.predictor.load(meta);
        if (input.name !== loaded.inputName) {
            throw new AppError(400, 'invalid_input', `inputs[0].name is '${input.name.slice(0, 80)}'; the model's input is '${loaded.inputName}'`, { field: 'inputs[0].name' });
        }
        if (input.datatype !== 'FP32' && input.datatype !== 'FP64') {
            throw new AppError(400, 'invalid_input', `inputs[0].datatype ${input.datatype.slice(0, 16)} is not supported: send FP32`, { field: 'inputs[0].datatype' });
        }
        const flat = input.data.flat();
        const width = loaded.width;
        const rows = input.shape.length === 1 ? 1 : input.shape[0];
        const shapeWidth = input.shape[input.shape.length - 1];
        if (shapeWidth !== width || input.shape.length > 2) {
            throw new AppError(400, 'invalid_input', `inputs[0].shape [${input.shape.join(', ')}] does not fit the model's input [-1, ${width}]`, { field: 'inputs[0].shape' });
        }
        if (flat.length !== rows * width) {
            throw new AppError(400, 'invalid_input', `inputs[0].data has ${flat.length} values; shape [${input.shape.join(', ')}] needs ${rows * width}`, { field: 'inputs[0].data' });
        }
        checkBatch(rows, this.deps.maxBatch);
        const instances = Array.from({ length: rows }, (_, r) => flat.slice(r * width, (r + 1) * width));
        const tensor = instancesToTensor(instances, loaded);
        const probabilities = await this.deps.predictor.predict(loaded, tensor.values, tensor.rows);
        return { meta, output: { name: loaded.outputName, shape: [rows, 1], datatype: 'FP32', data: Array.from(probabilities) } };
    }
    async run(name, version, toInput, proof) {
        const meta = this.deps.registry.resolve(name, version ?? 'latest');
        const loaded = await this.deps.predictor.load(meta);
        return await this.withProofs(meta, loaded, await toInput(loaded), proof);
    }
    /**
     * Runs the model on already-checked input, then (when asked, or by default for provable
     * versions) queues one proof per row. The prediction never waits for a proof.
     */
    async withProofs(meta, loaded, input, proof) {
        const { predictor, registry, proofs, maxProofs: limit } = this.deps;
        const probabilities = await predictor.predict(loaded, input.values, input.rows);
        const outcome = {
            model: meta.name,
            version: meta.version,
            threshold: loaded.threshold,
            predictions: Array.from(probabilities, (p) => ({ probability: p, label: p >= loaded.threshold ? 1 : 0 })),
        };
        const circuit = registry.circuit(meta);
        const provable = circuit.status !== 'failed' && circuit.status !== 'unsupported';
        if (proof === false || (proof == null && !provable))
            return outcome;
        if (!provable) {
            throw new AppError(422, 'not_provable', `${notProvableMessage(meta, circuit.error)}; ask without proof`, { field: 'proof' });
        }
        if (input.rows > limit) {
            if (proof === true) {
                throw new AppError(400, 'too_many_proofs', `${input.rows} rows ask for proofs; at most ${limit} proofs per request (MAX_PROOFS_PER_REQUEST): split the batch or set ` +
                    'proof to false', { field: 'instances' });
            }
            outcome.proof_error = `no proofs: ${input.rows} rows exceed the ${limit} proofs allowed per request; send fewer rows with proof true`;
            return outcome;
        }
        await proofs.ensureRoom(input.rows);
        const width = loaded.width;
        for (let r = 0; r < input.rows; r++) {
            const prediction = outcome.predictions[r];
            const served = { probability: prediction.probability, label: prediction.label };
            const job = await proofs.create(meta, Array.from(input.exact.subarray(r * width, (r + 1) * width)), served);
            prediction.proof = { id: job.id, status: 'queued', href: `/proofs/${job.id}` };
        }
        return outcome;
    }
}
export function checkBatch(rows, max) {
    if (rows > max) {
        throw new AppError(400, 'batch_too_large', `${rows} instances; at most ${max} per request (MAX_BATCH)`, { field: 'instances' });
    }
}
//# sourceMappingURL=predictions.js.map