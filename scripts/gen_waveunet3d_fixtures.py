"""Fixtures for test/models/waveunet3d.test.ts from the PyTorch rendering in
scripts/waveunet3d_reference.py.

Writes test/fixtures/waveunet3d.json: parameter counts for widths 4 and 8, and
for width 2 on a 16x16x16 cube the weights (PyTorch layout, base64 float32),
a seeded input and the logits of wavesnet-v4, unet-v2 and unet-v1 in eval mode;
and test/fixtures/waveunet3d-segnet.json, the same for segnet (a second file
keeps each under 1 MB).
Run: /usr/bin/python3 scripts/gen_waveunet3d_fixtures.py
"""
import base64
import json
import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from waveunet3d_reference import VARIANTS, WaveUNet3D  # noqa: E402


def count(m):
    return sum(p.numel() for p in m.parameters())


def b64(t):
    return base64.b64encode(t.detach().numpy().astype('<f4').tobytes()).decode()


torch.manual_seed(3)
fixture = {'paramCounts': {v: {str(w): count(WaveUNet3D(v, w)) for w in (4, 8)} for v in VARIANTS}, 'forward': {}}
x = torch.rand(1, 1, 16, 16, 16)
fixture['input'] = {'shape': [1, 16, 16, 16, 1], 'data': b64(x.permute(0, 2, 3, 4, 1))}


def forward(variant):
    m = WaveUNet3D(variant, 2)
    for mod in m.modules():
        if isinstance(mod, nn.BatchNorm3d):
            mod.weight.data.uniform_(0.5, 1.5)
            mod.bias.data.uniform_(-0.2, 0.2)
            mod.running_mean.uniform_(-0.1, 0.1)
            mod.running_var.uniform_(0.5, 1.5)
    m.eval()
    with torch.no_grad():
        y = m(x)
    state = {k: {'shape': list(v.shape), 'data': b64(v)} for k, v in m.state_dict().items() if not k.endswith('num_batches_tracked') and not k.endswith('.k')}
    return {'state': state, 'output': b64(y.permute(0, 2, 3, 4, 1)), 'outputShape': [1, 16, 16, 16, 2]}


for variant in ('wavesnet-v4', 'unet-v2', 'unet-v1'):
    fixture['forward'][variant] = forward(variant)
segnet = {'input': fixture['input'], 'forward': {'segnet': forward('segnet')}}

with open('test/fixtures/waveunet3d.json', 'w') as f:
    json.dump(fixture, f)
with open('test/fixtures/waveunet3d-segnet.json', 'w') as f:
    json.dump(segnet, f)
print(json.dumps(fixture['paramCounts']))
