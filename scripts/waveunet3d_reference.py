"""PyTorch rendering of the 3D WaveUNet variants (Li et al., "3D WaveUNet",
Bioinformatics 38(3):809, 2022, Sec. 2.3), written from the paper's
description: four encoder levels of two [3^3 conv (bias) + BN + ReLU] with
widths w, 2w, 4w, 8w, a bottleneck of two 8w convs, a decoder that up-samples,
concatenates the encoder output (SegNet: max-unpools at the pooling indices,
no concatenation) and applies two convs, and a 1x1x1 head.
Down/up-samplers per variant as in the table of src/models/waveunet3d/
network.ts; the Haar DWT/IDWT are fixed stride-2 (transposed) convolutions
with pywt's orthonormal Haar taps (periodization and even sizes make them
exact). Used by scripts/gen_waveunet3d_fixtures.py and bench/segment3d_torch.py.
"""
import itertools

import numpy as np
import pywt
import torch
from torch import nn
import torch.nn.functional as F

VARIANTS = ['segnet', 'unet-v1', 'unet-v2', 'wavesnet-v1', 'wavesnet-v2', 'wavesnet-v3', 'wavesnet-v4']


def haar_kernels():
    w = pywt.Wavelet('haar')
    lo, hi = np.array(w.dec_lo[::-1]), np.array(w.dec_hi[::-1])  # correlation taps on (x[2i], x[2i+1])
    bands = []
    for key in itertools.product([lo, hi], repeat=3):  # pywt dwtn order aaa, aad, ada, add, daa, dad, dda, ddd (axes D, H, W)
        bands.append(np.einsum('i,j,k->ijk', *key))
    return torch.tensor(np.stack(bands), dtype=torch.float32)  # [8, 2, 2, 2]


class DWT3D(nn.Module):
    def __init__(self, keep_details):
        super().__init__()
        self.register_buffer('k', haar_kernels())
        self.keep_details = keep_details

    def forward(self, x):
        n, c, d, h, w = x.shape
        y = F.conv3d(x.reshape(n * c, 1, d, h, w), self.k.unsqueeze(1), stride=2).reshape(n, c, 8, d // 2, h // 2, w // 2)
        bands = [y[:, :, b] for b in range(8)]
        return bands if self.keep_details else bands[0]


class IDWT3D(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer('k', haar_kernels())

    def forward(self, bands):
        y = torch.stack(bands, 2)
        n, c, _, d, h, w = y.shape
        return F.conv_transpose3d(y.reshape(n * c, 8, d, h, w), self.k.unsqueeze(1), stride=2).reshape(n, c, 2 * d, 2 * h, 2 * w)


class Block(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv3d(cin, cout, 3, padding=1, bias=True)
        self.bn = nn.BatchNorm3d(cout)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


class WaveUNet3D(nn.Module):
    def __init__(self, variant, w, classes=2):
        super().__init__()
        self.variant = variant
        widths = [w, 2 * w, 4 * w, 8 * w]
        cin = 1
        for level in range(1, 5):
            c = widths[level - 1]
            setattr(self, f'cov3d_{level}1_en', Block(cin, c))
            setattr(self, f'cov3d_{level}2_en', Block(c, c))
            if variant == 'unet-v2':
                setattr(self, f'downsampling_{level}', nn.Conv3d(c, c, 1, stride=2))
            elif variant.startswith('wavesnet'):
                setattr(self, f'downsampling_{level}', DWT3D(variant in ('wavesnet-v3', 'wavesnet-v4')))
            cin = c
        self.cov3d_51 = Block(8 * w, 8 * w)
        self.cov3d_52 = Block(8 * w, 8 * w)
        for level in range(4, 0, -1):
            c = widths[level - 1]
            if variant in ('unet-v1', 'wavesnet-v2'):
                setattr(self, f'upsampling_{level}', nn.ConvTranspose3d(c, c, 1, stride=2, output_padding=1))
            elif variant in ('wavesnet-v3', 'wavesnet-v4'):
                setattr(self, f'upsampling_{level}', IDWT3D())
            setattr(self, f'cov3d_{level}1_de', Block(c if variant == 'segnet' else 2 * c, c))
            setattr(self, f'cov3d_{level}2_de', Block(c, widths[level - 2] if level > 1 else c))
        self.cov_final = nn.Conv3d(w, classes, 1)

    def forward(self, x):
        skips, highs, switches = [], [], []
        for level in range(1, 5):
            x = getattr(self, f'cov3d_{level}2_en')(getattr(self, f'cov3d_{level}1_en')(x))
            skips.append(x)
            if self.variant == 'segnet':
                x, indices = F.max_pool3d(x, 2, return_indices=True)
                switches.append(indices)
            elif self.variant == 'unet-v1':
                x = F.max_pool3d(x, 2)
            elif self.variant in ('wavesnet-v3', 'wavesnet-v4'):
                bands = getattr(self, f'downsampling_{level}')(x)
                x = bands[0]
                hs = bands[1:]
                if self.variant == 'wavesnet-v4':
                    hs = [F.hardshrink(h, 0.25) for h in hs]
                highs.append(hs)
            else:
                x = getattr(self, f'downsampling_{level}')(x)
        x = self.cov3d_52(self.cov3d_51(x))
        for level in range(4, 0, -1):
            if self.variant == 'segnet':
                x = F.max_unpool3d(x, switches[level - 1], 2)
            elif self.variant in ('unet-v2', 'wavesnet-v1'):
                _, _, d, h, w = x.shape
                x = F.interpolate(x, size=(2 * d, 2 * h, 2 * w), mode='trilinear', align_corners=True)
            elif self.variant in ('wavesnet-v3', 'wavesnet-v4'):
                x = getattr(self, f'upsampling_{level}')([x] + highs[level - 1])
            else:
                x = getattr(self, f'upsampling_{level}')(x)
            if self.variant != 'segnet':
                x = torch.cat((x, skips[level - 1]), 1)
            x = getattr(self, f'cov3d_{level}2_de')(getattr(self, f'cov3d_{level}1_de')(x))
        return self.cov_final(x)
