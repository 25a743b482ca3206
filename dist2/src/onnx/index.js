/** ONNX in one place: reading (read.ts, inspect.ts), writing (write.ts) and onnxruntime sessions (session.ts). */
export { decodeOnnx, parseOnnx, describeNode } from './read.js';
export { inspectOnnx } from './inspect.js';
export { exportOnnx, ONNX_OPSET, ONNX_IR_VERSION, INPUT_NAME, OUTPUT_NAMES } from './write.js';
export { createSession, SMALL_MODEL_SESSION_OPTIONS } from './session.js';
//# sourceMappingURL=index.js.map