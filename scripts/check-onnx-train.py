"""Checks an exported model with the onnx package: full checker, shape inference, op set and layout.
Usage: /usr/bin/python3 scripts/check-onnx-train.py model.onnx
"""
import json
import sys

import onnx

m = onnx.load(sys.argv[1])
onnx.checker.check_model(m, full_check=True)
inferred = onnx.shape_inference.infer_shapes(m, strict_mode=True)
ops = [n.op_type for n in m.graph.node]
allowed = {'Sub', 'Mul', 'Gemm', 'Relu', 'Sigmoid'}
assert set(ops) <= allowed, f'unexpected ops {set(ops) - allowed}'


def shape(v):
    return [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]


print(json.dumps({
    'checker': 'ok',
    'ir_version': m.ir_version,
    'opset': [(o.domain, o.version) for o in m.opset_import],
    'producer': m.producer_name,
    'inputs': [(i.name, shape(i)) for i in m.graph.input],
    'outputs': [(o.name, shape(o)) for o in m.graph.output],
    'ops': ops,
    'metadata': sorted(p.key for p in m.metadata_props),
    'inferred_value_info': len(inferred.graph.value_info),
}))
