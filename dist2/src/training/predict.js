import { tf } from './backend.js';
import { scaleRows } from './network.js';
/**
 * Probabilities of a TrainedModel for RAW feature rows with tfjs (the scaler applied first, as the
 * exported graph does). The reference that the ONNX export is checked against.
 */
export function predictProbabilities(model, rawRows) {
    const x = scaleRows(rawRows, model.scaler);
    const out = tf.tidy(() => {
        let h = tf.tensor2d(x, [rawRows.length, model.featureNames.length]);
        for (const layer of model.layers) {
            const z = tf.add(tf.matMul(h, tf.tensor2d(layer.weights)), tf.tensor1d(layer.bias));
            h = layer.activation === 'relu' ? tf.relu(z) : layer.activation === 'sigmoid' ? tf.sigmoid(z) : z;
        }
        return h;
    });
    const values = out.dataSync();
    out.dispose();
    return values;
}
//# sourceMappingURL=predict.js.map