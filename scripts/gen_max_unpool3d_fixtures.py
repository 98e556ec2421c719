"""Fixture for test/nn/max-unpool.test.ts: PyTorch's MaxPool3d(2, 2,
return_indices=True) followed by MaxUnpool3d(2, 2), and the gradient of the
unpooled values, on a small input with tied windows.

Writes test/fixtures/max-unpool3d.json (NDHWC lists): `pooled` (the tensor
that was max-pooled; integers 0..2, so most windows hold ties), `values` (what
is unpooled, the decoder's features), `unpooled`, `weights` u and
`gradValues` = d(sum(unpooled * u))/d(values).
Run: /usr/bin/python3 scripts/gen_max_unpool3d_fixtures.py
"""
import json

import torch
import torch.nn.functional as F

torch.manual_seed(5)
pooled = torch.randint(0, 3, (2, 3, 4, 6, 8)).float()  # N C D H W
_, indices = F.max_pool3d(pooled, 2, return_indices=True)
values = torch.randn(indices.shape, requires_grad=True)
unpooled = F.max_unpool3d(values, indices, 2, output_size=pooled.shape[2:])
u = torch.randn(unpooled.shape)
(grad,) = torch.autograd.grad((unpooled * u).sum(), values)


def ndhwc(t):
    return t.detach().permute(0, 2, 3, 4, 1).reshape(-1).tolist()


fixture = {
    'pooledShape': list(pooled.permute(0, 2, 3, 4, 1).shape),
    'valuesShape': list(values.permute(0, 2, 3, 4, 1).shape),
    'pooled': ndhwc(pooled),
    'values': ndhwc(values),
    'unpooled': ndhwc(unpooled),
    'weights': ndhwc(u),
    'gradValues': ndhwc(grad),
}
with open('test/fixtures/max-unpool3d.json', 'w') as f:
    json.dump(fixture, f)
print('max-unpool3d.json:', fixture['pooledShape'], '->', fixture['valuesShape'])
