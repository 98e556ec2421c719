"""Reference WiNet (Cheng, Xu, Duan, Jia, "WiNet: Wavelet-based Incremental
Learning for Efficient Medical Image Registration", MICCAI 2024, Fig. 1 and
§2) written in PyTorch from the paper's description, in 2-D and 3-D, to
count its parameters and to record a forward pass with deterministic
weights (formula_weights): writes test/fixtures/winet.json.

Run: /usr/bin/python3 scripts/gen_winet_fixtures.py

WiNet as described (C = start channels, reference 8; n = spatial axes;
B = 2^n bands, H = B - 1 high bands):
- input: one-level Haar DWT of moving and of fixed, all 2B bands stacked;
- encoder: conv-conv 2B -> 4C at 1/2 (instance norm, LeakyReLU), then three
  conv-conv blocks whose first conv has stride 2 (no norm): 4C, 8C, 8C at
  1/4, 1/8, 1/16 (3^n kernels, padding 1, bias, LeakyReLU 0.01);
- decoder: transposed conv (kernel 2, stride 2, bias, LeakyReLU), concat
  skip, conv-conv: 8C @ 1/8, 8C @ 1/4, 4C @ 1/2;
- heads (3^n conv, no bias): B * n coefficients at 1/8 (low band + highs of
  each displacement component), H * n at 1/4 and 1/2;
- IDWT (parameter-free, Haar) of the 1/8 coefficients, then a depthwise
  3^n conv (no bias) per component -> field at 1/4;
- refinement: the coarser scale's highs up-sampled x2 ((bi/tri)linear,
  align_corners=True), interleaved band by band with the current highs,
  grouped conv (H groups) 2Hn -> 2Hn, LeakyReLU, grouped conv 2Hn -> Hn;
  IDWT with the current field as low band, depthwise conv; twice -> full
  resolution field (components in the order of the axes).
Band order is PyWavelets': dwt2's (cA, cH, cV, cD) in 2-D, dwtn's keys
('aaa', 'aad', ..., 'ddd') in 3-D, as wavecv's wavelet layers order them.
"""
import json
import os

import numpy as np
import pywt
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)


def haar_filters(n):
    w = pywt.Wavelet('haar')
    lo = torch.tensor(w.dec_lo[::-1])
    hi = torch.tensor(w.dec_hi[::-1])
    return lo, hi


# 2-D bands in pywt dwt2's order (cA, cH, cV, cD) = dwtn keys (aa, da, ad, dd),
# the order of wavecv's 2-D wavelet layers; 3-D in dwtn key order.
def band_order(n):
    return [0, 2, 1, 3] if n == 2 else list(range(2 ** n))


def dwt(x, n):
    """One-level Haar DWT (periodization) of x [B, C, *S] -> list of 2^n bands [B, C, *S/2] (band_order)."""
    lo, hi = haar_filters(n)
    bands = [x]
    for axis in range(n):
        out = []
        for b in bands:
            d = 2 + axis
            even = b.narrow(d, 0, b.shape[d]).unfold(d, 2, 2)  # [..., S/2, ..., 2]
            a = (even * lo).sum(-1)
            h = (even * hi).sum(-1)
            out += [a, h]
        bands = out
    return [bands[i] for i in band_order(n)]


def idwt(bands, n):
    """Inverse of dwt (Haar is orthonormal: the synthesis is the transpose)."""
    lo, hi = haar_filters(n)
    order = band_order(n)
    bands = [bands[order.index(i)] for i in range(2 ** n)]
    for axis in reversed(range(n)):
        merged = []
        for i in range(0, len(bands), 2):
            a, h = bands[i], bands[i + 1]
            d = 2 + axis
            y = torch.stack([a * lo[0] + h * hi[0], a * lo[1] + h * hi[1]], d + 1)
            shape = list(a.shape)
            shape[d] *= 2
            merged.append(y.reshape(shape))
        bands = merged
    return bands[0]


def Conv(n):
    return nn.Conv3d if n == 3 else nn.Conv2d


def ConvT(n):
    return nn.ConvTranspose3d if n == 3 else nn.ConvTranspose2d


class ConvAct(nn.Module):
    def __init__(self, n, cin, cout, stride=1, instance_norm=False):
        super().__init__()
        self.conv = Conv(n)(cin, cout, 3, stride, 1)
        self.norm = (nn.InstanceNorm3d if n == 3 else nn.InstanceNorm2d)(cout) if instance_norm else None

    def forward(self, x):
        x = self.conv(x)
        if self.norm is not None:
            x = self.norm(x)
        return F.leaky_relu(x, 0.01)


class ConvTwice(nn.Module):
    def __init__(self, n, cin, cout, stride=1, instance_norm=False):
        super().__init__()
        self.conv1 = ConvAct(n, cin, cout, stride, instance_norm)
        self.conv2 = ConvAct(n, cout, cout, 1, instance_norm)

    def forward(self, x):
        return self.conv2(self.conv1(x))


class UpConv(nn.Module):
    def __init__(self, n, cin, cout, skip):
        super().__init__()
        self.up = ConvT(n)(cin, cin, 2, 2)
        self.conv1 = ConvAct(n, cin + skip, cout)
        self.conv2 = ConvAct(n, cout, cout)

    def forward(self, x, skip):
        x = F.leaky_relu(self.up(x), 0.01)
        return self.conv2(self.conv1(torch.cat([x, skip], 1)))


class Refine(nn.Module):
    def __init__(self, n):
        super().__init__()
        highs = 2 ** n - 1
        self.conv1 = Conv(n)(2 * highs * n, 2 * highs * n, 3, 1, 1, groups=highs)
        self.conv2 = Conv(n)(2 * highs * n, highs * n, 3, 1, 1, groups=highs)

    def forward(self, x):
        return self.conv2(F.leaky_relu(self.conv1(x), 0.01))


class WiNet(nn.Module):
    def __init__(self, n, C=8):
        super().__init__()
        self.n = n
        B = 2 ** n
        H = B - 1
        self.layer1 = ConvTwice(n, 2 * B, 4 * C, 1, True)
        self.layer2 = ConvTwice(n, 4 * C, 4 * C, 2)
        self.layer3 = ConvTwice(n, 4 * C, 8 * C, 2)
        self.layer4 = ConvTwice(n, 8 * C, 8 * C, 2)
        self.up1 = UpConv(n, 8 * C, 8 * C, 8 * C)
        self.up2 = UpConv(n, 8 * C, 8 * C, 4 * C)
        self.up3 = UpConv(n, 8 * C, 4 * C, 4 * C)
        self.head8 = Conv(n)(8 * C, B * n, 3, 1, 1, bias=False)
        self.head4 = Conv(n)(8 * C, H * n, 3, 1, 1, bias=False)
        self.head2 = Conv(n)(4 * C, H * n, 3, 1, 1, bias=False)
        self.refine1 = Refine(n)
        self.refine2 = Refine(n)
        self.smooth1 = Conv(n)(n, n, 3, 1, 1, groups=n, bias=False)
        self.smooth2 = Conv(n)(n, n, 3, 1, 1, groups=n, bias=False)
        self.smooth3 = Conv(n)(n, n, 3, 1, 1, groups=n, bias=False)

    def split(self, t):
        return [t[:, self.n * i:self.n * (i + 1)] for i in range(t.shape[1] // self.n)]

    def interleave(self, coarse, current):
        mode = 'trilinear' if self.n == 3 else 'bilinear'
        up = self.split(F.interpolate(torch.cat(coarse, 1), scale_factor=2, mode=mode, align_corners=True))
        return torch.cat([t for pair in zip(up, current) for t in pair], 1)

    def forward(self, moving, fixed):
        e0 = torch.cat(dwt(moving, self.n) + dwt(fixed, self.n), 1)
        e1 = self.layer1(e0)
        e2 = self.layer2(e1)
        e3 = self.layer3(e2)
        e4 = self.layer4(e3)
        d0 = self.up1(e4, e3)
        d1 = self.up2(d0, e2)
        d2 = self.up3(d1, e1)
        c8 = self.split(self.head8(d0))
        h4 = self.split(self.head4(d1))
        h2 = self.split(self.head2(d2))
        f4 = self.smooth1(idwt(c8, self.n))
        r4 = self.split(self.refine1(self.interleave(c8[1:], h4)))
        f2 = self.smooth2(idwt([f4] + r4, self.n))
        r2 = self.split(self.refine2(self.interleave(h4, h2)))
        return self.smooth3(idwt([f2] + r2, self.n))


class VxmUNet(nn.Module):
    """VoxelMorph's U-Net as its paper and reference defaults describe it (the
    baseline): one conv per encoder level (16, 32, 32, 32) + max-pool, one
    conv per decoder level (32) + nearest up-sampling + skip, three
    full-resolution convs (32, 16, 16), a flow conv to n channels. Only its
    parameter count is recorded."""

    def __init__(self, n):
        super().__init__()
        enc, dec, full = [16, 32, 32, 32], [32, 32, 32, 32], [32, 16, 16]
        self.enc = nn.ModuleList()
        prev = 2
        for c in enc:
            self.enc.append(Conv(n)(prev, c, 3, 1, 1))
            prev = c
        self.dec = nn.ModuleList()
        for c, skip in zip(dec, reversed(enc)):
            self.dec.append(Conv(n)(prev, c, 3, 1, 1))
            prev = c + skip
        self.full = nn.ModuleList()
        for c in full:
            self.full.append(Conv(n)(prev, c, 3, 1, 1))
            prev = c
        self.flow = Conv(n)(prev, n, 3, 1, 1)


def formula_weights(net):
    """Deterministic weights both sides can generate: parameter t (in
    named_parameters order), element j of its PyTorch layout gets
    scale * sin(0.7 j + 1.1 t), scale = 0.1 for biases and 1/sqrt(fan_in)
    (elements per output channel) for kernels."""
    with torch.no_grad():
        for t, (_, p) in enumerate(net.named_parameters()):
            j = torch.arange(p.numel(), dtype=torch.float64)
            scale = 0.1 if p.dim() == 1 else 1 / np.sqrt(p[0].numel())
            p.copy_((scale * torch.sin(0.7 * j + 1.1 * t)).reshape(p.shape))


def main():
    fixtures = {}
    for n, sizes in [(3, (16, 16, 16)), (2, (32, 32))]:
        torch.manual_seed(3 + n)
        count8 = sum(p.numel() for p in WiNet(n, 8).parameters())
        net = WiNet(n, 2)
        formula_weights(net)
        rng = np.random.default_rng(20 + n)
        moving = rng.random((1, 1) + sizes)
        fixed = rng.random((1, 1) + sizes)
        with torch.no_grad():
            field = net(torch.tensor(moving), torch.tensor(fixed))
        perm = (0, *range(2, n + 2), 1)
        params = [{'name': name, 'shape': list(p.shape)} for name, p in net.named_parameters()]
        fixtures['%dd' % n] = {
            'paramCount8': int(count8),
            'voxelmorphParamCount': int(sum(p.numel() for p in VxmUNet(n).parameters())),
            'startChannels': 2,
            'size': list(sizes),
            'moving': [float(v) for v in moving.transpose(perm).ravel()],
            'fixed': [float(v) for v in fixed.transpose(perm).ravel()],
            'field': [float(v) for v in field.numpy().transpose(perm).ravel()],
            'params': params,
        }

    out = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'winet.json')
    with open(out, 'w') as fh:
        json.dump(fixtures, fh, separators=(',', ':'))
    print('wrote', out, os.path.getsize(out), 'bytes', {k: v['paramCount8'] for k, v in fixtures.items()})


if __name__ == '__main__':
    main()
