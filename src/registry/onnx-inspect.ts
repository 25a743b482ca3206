// Moved to src/onnx/inspect.ts (one ONNX reader). This re-export keeps the registry and job imports of
// the house-app branch compiling until they point at src/onnx; delete it then.
export { inspectOnnx, type OnnxSummary, type TensorInfo } from '../onnx/inspect.js'
