#!/usr/bin/env python3
"""Reference values for zoomAboutCentre (src/data/spatial.ts), the kernel of
the randomScale augmentation: PyTorch's grid_sample over an affine grid that
scales by 1/s about the centre, align_corners=False, padding_mode='zeros',
in float64 so that the comparison is not limited by float32 grid rounding.
Bilinear on images (NCHW), trilinear on volumes (NCDHW; grid_sample calls it
'bilinear'), nearest on both. Odd and even sizes, zoom in and out, a 2-channel
image and a 1-channel volume. Output: test/data/fixtures/zoom.json (arrays
written channels last, as wavecv stores them).

Run: /usr/bin/python3 scripts/gen_zoom_fixtures.py
"""
import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(20261204)
cases = []


def zoom(x, scales, mode):
    n = x.shape[0]
    spatial = x.dim() - 2
    theta = torch.zeros(n, spatial, spatial + 1, dtype=torch.float64)
    for i, s in enumerate(scales):
        for a in range(spatial):
            theta[i, a, a] = 1.0 / s
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode=mode, padding_mode='zeros', align_corners=False)


for shape, scales in (([2, 2, 7, 6], [1.37, 0.71]), ([1, 1, 4, 5, 6], [1.23]), ([2, 1, 3, 6, 5], [0.83, 1.61])):
    x = torch.rand(*shape, dtype=torch.float64)
    channels_last = (0, *range(2, len(shape)), 1)
    for mode in ('bilinear', 'nearest'):
        y = zoom(x, scales, mode)
        cases.append({
            'shape': [shape[0], *shape[2:], shape[1]],
            'scales': scales,
            'interpolation': 'linear' if mode == 'bilinear' else 'nearest',
            'input': x.permute(*channels_last).reshape(-1).tolist(),
            'output': y.permute(*channels_last).reshape(-1).tolist(),
        })

path = os.path.join(os.path.dirname(__file__), '..', 'test', 'data', 'fixtures', 'zoom.json')
with open(path, 'w') as f:
    json.dump({'generator': 'scripts/gen_zoom_fixtures.py', 'torch': torch.__version__, 'cases': cases}, f)
print('wrote', path, len(cases), 'cases')
