/**
 * Writes the ONNX fixtures of the proof tests (node dist/scripts/make-proof-fixtures.js [dir]):
 * - proof-aave-scaled.onnx: the service's export layout (raw input -> Sub(min) -> Mul(1/range) ->
 *   Gemm/Relu/Gemm/Relu/Gemm -> logit -> Sigmoid), 10-32-16-1, random weights, a realistic scaler
 *   with 1e11 ranges and a zero-range column, `threshold` and `feature_names` metadata;
 * - proof-small.onnx: the same layout at 10-4-1, small enough for a PLONK setup on a 2^12 ptau.
 * The PyTorch opset-11 fixture comes from scripts/make-proof-fixture-torch.py.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AAVE_LIKE_SCALER, buildMlpOnnx, randomLayers } from '../test/helpers/mlp-onnx.js';
const dir = process.argv[2] ?? 'test/fixtures';
mkdirSync(dir, { recursive: true });
const featureNames = ['deposits_volume', 'borrows_volume', 'price', 'market_cap', 'volumes_last_24h', 'deposits_volume_avg_7d', 'borrows_volume_avg_7d', 'market_cap_avg_7d', 'volumes_last_24h_avg_7d', 'volatility_7day'];
const metadata = { threshold: '0.5', feature_names: JSON.stringify(featureNames) };
const files = [
    ['proof-aave-scaled.onnx', buildMlpOnnx({ layers: randomLayers([10, 32, 16, 1], 1), scaler: AAVE_LIKE_SCALER, metadata })],
    ['proof-small.onnx', buildMlpOnnx({ layers: randomLayers([10, 4, 1], 2), scaler: AAVE_LIKE_SCALER, metadata: { ...metadata, threshold: '0.3' } })]
];
for (const [name, bytes] of files) {
    writeFileSync(path.join(dir, name), bytes);
    console.log(path.join(dir, name), bytes.length, 'bytes');
}
//# sourceMappingURL=make-proof-fixtures.js.map