import * as ort from 'onnxruntime-node';
import { AppError } from '../errors.js';
import { createSession } from '../onnx/session.js';
import { SessionCache } from './session-cache.js';
/**
 * Most rows joined into one session.run. Bounds the latency a large batch adds to the small
 * requests that share its run; a single request bigger than this still runs alone.
 */
export const MAX_COALESCED_ROWS = 1024;
/** Picks the probability output: one named 'probability' if there is one, else the first. */
export function probabilityOutput(meta) {
    return meta.outputs.find((o) => o.name === 'probability')?.name ?? meta.outputs[0].name;
}
export class Predictor {
    registry;
    cache;
    constructor(registry, capacity) {
        this.registry = registry;
        this.cache = new SessionCache(capacity);
        registry.onDelete((name, version) => this.cache.release(`${name}@${version}`));
    }
    async load(meta) {
        return await this.cache.get(`${meta.name}@${meta.version}`, async () => {
            const session = await createSession(await this.registry.readOnnx(meta));
            const input = meta.inputs[0];
            const loaded = {
                session,
                inputName: input.name,
                outputName: probabilityOutput(meta),
                width: input.shape[input.shape.length - 1],
                fixedBatchOfOne: input.shape.length === 2 && input.shape[0] === 1,
                featureIndex: meta.features == null ? null : new Map(meta.features.map((f, i) => [f, i])),
                threshold: meta.threshold,
                coalesce: false,
                pending: [],
            };
            loaded.coalesce = !loaded.fixedBatchOfOne && await this.rowsAreIndependent(loaded);
            return loaded;
        });
    }
    /**
     * Whether running rows together gives, bit for bit, what running each alone gives. True of the
     * MLPs this service trains and of any per-row network, but a graph could mix rows (a reduction
     * over the batch axis), or a kernel could sum in another order for more rows: one probe at load
     * decides, and a model that fails it is simply never coalesced.
     */
    async rowsAreIndependent(model) {
        const rows = 5;
        const values = new Float32Array(rows * model.width);
        for (let i = 0; i < values.length; i++)
            values[i] = ((i * 7919) % 101) / 10 - 3 + (i % model.width) * 1e3;
        try {
            const together = await this.run(model, values, rows);
            for (let r = 0; r < rows; r++) {
                const alone = await this.run(model, values.subarray(r * model.width, (r + 1) * model.width), 1);
                if (!Object.is(alone[0], together[r]))
                    return false;
            }
            return true;
        }
        catch {
            return false;
        }
    }
    /**
     * Probabilities for `rows` row-major values of `width` columns.
     *
     * Requests that arrive in the same event-loop turn share one session.run: for a model of a few
     * hundred weights the fixed cost of a run (~15 µs) dwarfs the arithmetic (32 rows cost about
     * what 2 cost), and profiles of /predict under load showed that cost as the largest share of the
     * main thread after the socket writes. The rows of an MLP are computed independently, so every
     * row's probability is bit-for-bit what a run of its own gives (test/inference-coalesce.test.ts
     * checks it; a probe at load keeps any other model out). A model whose input has a fixed batch of 1
     * is run once per row instead.
     */
    async predict(model, values, rows) {
        if (model.fixedBatchOfOne && rows > 1)
            return await this.perRow(model, values, rows);
        if (!model.coalesce)
            return await this.run(model, values, rows);
        return await new Promise((resolve, reject) => {
            if (model.pending.push({ values, rows, resolve, reject }) === 1)
                setImmediate(() => { void this.flush(model); });
        });
    }
    /** Runs what is pending for a model, in runs of at most MAX_COALESCED_ROWS rows (one run per request beyond). */
    async flush(model) {
        const pending = model.pending.splice(0);
        for (let start = 0; start < pending.length;) {
            let end = start + 1;
            let rows = pending[start].rows;
            while (end < pending.length && rows + pending[end].rows <= MAX_COALESCED_ROWS)
                rows += pending[end++].rows;
            const group = pending.slice(start, end);
            start = end;
            try {
                if (group.length === 1) {
                    group[0].resolve(await this.run(model, group[0].values, group[0].rows));
                    continue;
                }
                const joined = new Float32Array(rows * model.width);
                let offset = 0;
                for (const p of group) {
                    joined.set(p.values.subarray(0, p.rows * model.width), offset);
                    offset += p.rows * model.width;
                }
                const out = await this.run(model, joined, rows);
                let row = 0;
                for (const p of group) {
                    p.resolve(out.slice(row, row + p.rows));
                    row += p.rows;
                }
            }
            catch (err) {
                for (const p of group)
                    p.reject(err);
            }
        }
    }
    async perRow(model, values, rows) {
        const out = new Float32Array(rows);
        for (let r = 0; r < rows; r++) {
            out[r] = (await this.run(model, values.subarray(r * model.width, (r + 1) * model.width), 1))[0];
        }
        return out;
    }
    close() {
        this.cache.releaseAll();
    }
    async run(model, values, rows) {
        const feeds = { [model.inputName]: new ort.Tensor('float32', values, [rows, model.width]) };
        const result = await model.session.run(feeds, [model.outputName]);
        const out = result[model.outputName];
        const data = out.data;
        const perRow = data.length / rows;
        if (perRow === 1)
            return data instanceof Float32Array ? data : Float32Array.from(data);
        if (perRow === 2) {
            // A two-column output is read as [p(negative), p(positive)].
            const positive = new Float32Array(rows);
            for (let r = 0; r < rows; r++)
                positive[r] = Number(data[r * 2 + 1]);
            return positive;
        }
        throw new AppError(422, 'unsupported_model', `model output '${model.outputName}' has ${perRow} values per row; expected 1 (a probability) or 2 (class probabilities)`);
    }
}
//# sourceMappingURL=predictor.js.map