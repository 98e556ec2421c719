"""Reference coarse-to-fine pyramid baseline (LapIRN-style: Mok & Chung,
"Large Deformation Diffeomorphic Image Registration with Laplacian Pyramid
Networks", MICCAI 2020, section 2.2) written in PyTorch from the description
in src/models/winet/pyramid.ts, in 2-D and 3-D, to count its parameters and
record a forward pass with deterministic weights (formula_weights, the same
rule as scripts/gen_winet_fixtures.py): writes test/fixtures/pyramid.json.

Run: /usr/bin/python3 scripts/gen_pyramid_fixtures.py

The network (n spatial axes; fields in voxels, components in axis order,
image(p + u(p)) sampled with grid_sample(align_corners=True)):
- moving and fixed average-pooled x2 twice: levels at 1/4, 1/2, 1;
- level 0: U-Net([moving/4, fixed/4]) -> field;
- level l > 0: up = 2 * interpolate(field, x2, (bi/tri)linear,
  align_corners=False); warped = warp(moving_l, up, zero padding);
  r = U-Net([warped, fixed_l]); field = r + warp(up, r, border padding);
- each U-Net: VoxelMorph's layout with encoder (16, 32) + max-pool, decoder
  (32, 32) conv + nearest x2 up-sampling + skip concatenation, full
  resolution (16, 16), flow conv to n channels; 3^n kernels, padding 1,
  LeakyReLU 0.2.
Parameters are named after the wavecv layers they map to (levelL_encI,
levelL_decI, levelL_fullI, levelL_flow).
"""
import json
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from gen_winet_fixtures import formula_weights  # the deterministic weights both sides generate

torch.set_default_dtype(torch.float64)

ENCODER, DECODER, FULL = [16, 32], [32, 32], [16, 16]
LEVELS = 3


def conv(n, cin, cout):
    return (nn.Conv2d if n == 2 else nn.Conv3d)(cin, cout, 3, 1, 1)


def warp(image, field, padding):
    """image [B, C, *S] sampled at p + field(p); field [B, n, *S] in voxels, components in axis order."""
    n = field.shape[1]
    size = field.shape[2:]
    grids = torch.meshgrid(*[torch.arange(s, dtype=torch.float64) for s in size], indexing='ij')
    position = [grids[k][None] + field[:, k] for k in range(n)]
    in_size = image.shape[2:]
    normalised = [2 * position[k] / (in_size[k] - 1) - 1 for k in range(n)]
    grid = torch.stack(normalised[::-1], dim=-1)
    return F.grid_sample(image, grid, mode='bilinear', padding_mode=padding, align_corners=True)


class Pyramid(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.n = n
        for level in range(LEVELS):
            prev = 2
            for i, c in enumerate(ENCODER):
                setattr(self, 'level%d_enc%d' % (level, i), conv(n, prev, c))
                prev = c
            for i, (c, skip) in enumerate(zip(DECODER, reversed(ENCODER))):
                setattr(self, 'level%d_dec%d' % (level, i), conv(n, prev, c))
                prev = c + skip
            for i, c in enumerate(FULL):
                setattr(self, 'level%d_full%d' % (level, i), conv(n, prev, c))
                prev = c
            setattr(self, 'level%d_flow' % level, conv(n, prev, n))

    def unet(self, level, x):
        layer = lambda name: getattr(self, 'level%d_%s' % (level, name))
        pool = F.max_pool2d if self.n == 2 else F.max_pool3d
        skips = []
        for i in range(len(ENCODER)):
            x = F.leaky_relu(layer('enc%d' % i)(x), 0.2)
            skips.append(x)
            x = pool(x, 2)
        for i in range(len(DECODER)):
            x = F.leaky_relu(layer('dec%d' % i)(x), 0.2)
            x = F.interpolate(x, scale_factor=2, mode='nearest')
            x = torch.cat([x, skips.pop()], 1)
        for i in range(len(FULL)):
            x = F.leaky_relu(layer('full%d' % i)(x), 0.2)
        return layer('flow')(x)

    def forward(self, moving, fixed):
        avg = F.avg_pool2d if self.n == 2 else F.avg_pool3d
        movings, fixeds = [moving], [fixed]
        for _ in range(1, LEVELS):
            movings.insert(0, avg(movings[0], 2))
            fixeds.insert(0, avg(fixeds[0], 2))
        field = self.unet(0, torch.cat([movings[0], fixeds[0]], 1))
        mode = 'bilinear' if self.n == 2 else 'trilinear'
        for level in range(1, LEVELS):
            up = 2 * F.interpolate(field, scale_factor=2, mode=mode, align_corners=False)
            warped = warp(movings[level], up, 'zeros')
            residual = self.unet(level, torch.cat([warped, fixeds[level]], 1))
            field = residual + warp(up, residual, 'border')
        return field


def main():
    fixtures = {}
    for n, sizes in [(3, (16, 16, 16)), (2, (32, 32))]:
        net = Pyramid(n)
        formula_weights(net)
        rng = np.random.default_rng(40 + n)
        moving = rng.random((1, 1) + sizes)
        fixed = rng.random((1, 1) + sizes)
        with torch.no_grad():
            field = net(torch.tensor(moving), torch.tensor(fixed))
        perm = (0, *range(2, n + 2), 1)
        fixtures['%dd' % n] = {
            'paramCount': int(sum(p.numel() for p in net.parameters())),
            'size': list(sizes),
            'moving': [round(float(v), 7) for v in moving.transpose(perm).ravel()],
            'fixed': [round(float(v), 7) for v in fixed.transpose(perm).ravel()],
            'field': [round(float(v), 7) for v in field.numpy().transpose(perm).ravel()],
            'params': [{'name': name, 'shape': list(p.shape)} for name, p in net.named_parameters()],
        }

    out = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'pyramid.json')
    with open(out, 'w') as fh:
        json.dump(fixtures, fh, separators=(',', ':'))
    print('wrote', out, os.path.getsize(out), 'bytes', {k: v['paramCount'] for k, v in fixtures.items()})


if __name__ == '__main__':
    main()
