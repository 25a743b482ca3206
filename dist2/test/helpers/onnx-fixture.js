import { buildMlpOnnx as buildOnnx, randomLayers } from './mlp-onnx.js';
export function buildMlpOnnx(options = {}) {
    const layers = randomLayers([10, 32, 16, 1], options.seed ?? 1);
    const bytes = buildOnnx({ layers, batch: options.fixedBatch === true ? 1 : 'N', opset: options.opset ?? 11, activation: options.firstActivation, transB: true });
    return { bytes, layers };
}
/** The same network in plain float64 JavaScript, for checking served numbers. */
export function mlpForward(fixture, x) {
    let h = x;
    fixture.layers.forEach((layer, l) => {
        const out = layer.bias.map((b, j) => h.reduce((s, v, i) => s + v * layer.weights[i][j], b));
        h = l === fixture.layers.length - 1 ? out.map((v) => 1 / (1 + Math.exp(-v))) : out.map((v) => Math.max(0, v));
    });
    return h[0];
}
//# sourceMappingURL=onnx-fixture.js.map