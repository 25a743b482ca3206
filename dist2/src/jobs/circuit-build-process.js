import { buildCircuit, releaseProvers } from '../proofs/index.js';
const send = (message) => { process.send?.(message); };
const logger = {
    debug: (m) => send({ type: 'log', level: 'debug', message: m }),
    info: (m) => send({ type: 'log', level: 'info', message: m }),
    warn: (m) => send({ type: 'log', level: 'warn', message: m }),
    error: (m) => send({ type: 'log', level: 'error', message: m }),
};
process.once('message', (request) => {
    buildCircuit({ ...request, onnx: Uint8Array.from(request.onnx), logger })
        .then((artifacts) => {
        send({
            type: 'done',
            result: {
                constraints: artifacts.constraints,
                r1cs_sha256: artifacts.r1cs_sha256,
                vk_sha256: artifacts.vk_sha256,
                zkey_sha256: artifacts.zkey_sha256,
                meta: artifacts.meta
            }
        });
    })
        .catch((err) => send({ type: 'error', name: err.name, message: err.message }))
        // The parent may have closed the channel already (it got 'done', or it is stopping): disconnecting twice throws.
        .finally(() => { void releaseProvers().finally(() => { if (process.connected)
        process.disconnect?.(); }); });
});
//# sourceMappingURL=circuit-build-process.js.map