/**
 * transpile: the composition of the circuit-making steps, ONNX bytes -> float model (extract.ts) ->
 * fixed-point plan (quantize.ts) -> circom source (circom-source.ts). Like snarkjs's fullprove it is a
 * verb of its own: the steps it composes never import it.
 */
import { circomSource } from './circom-source.js';
import { extractModel } from './extract.js';
import { DEFAULT_QUANT, quantizeModel } from './quantize.js';
/** ONNX bytes -> float model -> fixed-point plan -> circom source. Throws NotProvableError. */
export function transpile(onnx, opts = {}) {
    const model = extractModel(onnx, opts);
    const plan = quantizeModel(model, opts.quant ?? DEFAULT_QUANT);
    const header = `model: ${model.layers.length} dense layers, ${model.nInputs} inputs, producer ${model.producer || 'unknown'}, opset ${model.opset}`;
    return { model, plan, source: circomSource(plan, header) };
}
//# sourceMappingURL=transpile.js.map