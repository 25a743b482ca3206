import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { runTrainingPipeline } from './pipeline.js';
if (!isMainThread && parentPort !== null) {
    const port = parentPort;
    const spec = workerData;
    try {
        const { model, onnx } = await runTrainingPipeline(spec, {
            onProgress: (progress) => port.postMessage({ type: 'progress', progress }),
        });
        port.postMessage({ type: 'done', model, onnx }, [onnx.buffer]);
    }
    catch (err) {
        const e = err;
        const error = {
            name: typeof e?.name === 'string' ? e.name : 'Error',
            message: typeof e?.message === 'string' ? e.message : String(err),
            where: e?.where,
            statusCode: e?.statusCode,
            code: e?.code,
            stack: e?.stack,
        };
        port.postMessage({ type: 'error', error });
    }
}
//# sourceMappingURL=worker.js.map