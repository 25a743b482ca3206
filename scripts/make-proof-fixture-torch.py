#!/usr/bin/env python3
"""Makes test/fixtures/proof-torch-opset11.onnx: the reference net (Linear(10,32), ReLU,
Linear(32,16), ReLU, Linear(16,1), Sigmoid) exported by PyTorch at opset 11 with a fixed [1, 10]
input, as a user would upload it (inputs already scaled to ~0..1). Random weights, fixed seed.

Run with Debian's python3-torch: /usr/bin/python3 scripts/make-proof-fixture-torch.py
"""
import os
import sys

import torch

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'proof-torch-opset11.onnx')
torch.manual_seed(11)
net = torch.nn.Sequential(
    torch.nn.Linear(10, 32), torch.nn.ReLU(),
    torch.nn.Linear(32, 16), torch.nn.ReLU(),
    torch.nn.Linear(16, 1), torch.nn.Sigmoid(),
)
net.eval()
torch.onnx.export(net, torch.rand(1, 10), out, opset_version=11, input_names=['input'], output_names=['output'])
print(out, os.path.getsize(out), 'bytes')
