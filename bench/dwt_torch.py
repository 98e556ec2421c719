"""PyTorch peers of bench/dwt.ts: single-level 2-D periodization DWT then
IDWT, forward and backward, on one thread, written two ways:

grouped (one 2-D grouped convolution per direction, as ptwt writes it):
  DWT:  circular pad by L/2 - 1 on each side, then one conv2d with stride 2
        and groups=C whose 4 outputs per channel are the outer products of
        the reversed decomposition filters (bands LL, H, V, D per channel);
  IDWT: conv_transpose2d with stride 2 and groups=C with the outer products
        of the reconstruction filters, then the L - 2 overhanging samples
        folded back circularly (pywt: x[(2k + 1 - L/2 + j) mod 2n]).
  Gradients by autograd.

separable (the construction of pytorch_wavelets' DWTForward/DWTInverse:
  separable 1-D filter banks along each axis):
  DWT:  along W, then along H: circular pad by L/2 - 1, conv2d with a (1, L)
        (then (L, 1)) kernel, stride 2 along that axis, groups = channels,
        two outputs (low, high) per channel; the four bands are then split
        into the low band and a stack of the three details (contiguous
        copies, as pytorch_wavelets returns them);
  IDWT: along H (pairing each low-along-W band with its high-along-H
        partner), then along W: conv_transpose2d of the low and of the high
        band with stride 2 along that axis, groups = channels, summed, the
        L - 2 overhanging samples folded back circularly.
  Each direction is a torch.autograd.Function whose backward is the other
  direction with the time-reversed filters (its exact adjoint), as
  pytorch_wavelets' AFB2D/SFB2D do.

Reads x and w (float32, NHWC, as written by bench/dwt.ts), converts them to
NCHW outside the timings, runs with torch.set_num_threads(1), and prints one
JSON object: per peer and wavelet the median wall and CPU milliseconds of the
forward pass y = IDWT(DWT(x)) and of forward + backward (the gradient of
sum(y * w) with respect to x), plus the bands it computed for a cross-check.

    /usr/bin/python3 bench/dwt_torch.py --x x.bin --w w.bin --shape 4,128,128,32 \
        --waves haar,db4 --warmup 1 --reps 3 --bands-out DIR
"""
import argparse
import json
import os
import statistics
import time

import numpy as np
import pywt
import torch
import torch.nn.functional as F


def bank(name):
    """(analysis correlation taps lo, hi; synthesis filters lo, hi) as float64 tensors."""
    w = pywt.Wavelet(name)
    t = lambda v: torch.tensor(v, dtype=torch.float64)
    return t(w.dec_lo[::-1]), t(w.dec_hi[::-1]), t(w.rec_lo), t(w.rec_hi)


def fold(y, n2, s0, dim):
    """Circular fold along dim of a full transposed-conv output (2n + 2·s0 samples, s0 = L/2 - 1) onto 2n samples."""
    main = y.narrow(dim, s0, n2)
    if s0 == 0:
        return main
    head = y.narrow(dim, 0, s0)
    tail = y.narrow(dim, s0 + n2, s0)
    shape = list(y.shape)
    shape[dim] = n2 - 2 * s0
    return main + torch.cat([tail, y.new_zeros(shape), head], dim)


# ----------------------------------------------------------------------------
# grouped peer: one 2-D grouped convolution each way


def grouped_filters(name, channels):
    dlo, dhi, rlo, rhi = bank(name)
    dec, rec = [dlo, dhi], [rlo, rhi]
    # band order per channel: (H filter, W filter) = (lo,lo) LL, (hi,lo) cH, (lo,hi) cV, (hi,hi) cD
    pairs = [(0, 0), (1, 0), (0, 1), (1, 1)]
    analysis = torch.stack([torch.outer(dec[a], dec[b]) for a, b in pairs]).float()
    synthesis = torch.stack([torch.outer(rec[a], rec[b]) for a, b in pairs]).float()
    return analysis.unsqueeze(1).repeat(channels, 1, 1, 1), synthesis.unsqueeze(1).repeat(channels, 1, 1, 1), len(dlo)


def grouped_dwt(x, kernel, L, channels):
    p = L // 2 - 1
    xp = F.pad(x, (p, p, p, p), mode='circular') if p > 0 else x
    return F.conv2d(xp, kernel, stride=2, groups=channels)


def grouped_idwt(bands, kernel, L, channels):
    y = F.conv_transpose2d(bands, kernel, stride=2, groups=channels)
    if L == 2:
        return y
    s0 = L // 2 - 1
    return fold(fold(y, 2 * bands.shape[2], s0, 2), 2 * bands.shape[3], s0, 3)


class GroupedPeer:
    def __init__(self, name, channels):
        self.ka, self.ks, self.L = grouped_filters(name, channels)
        self.c = channels

    def forward(self, x):
        return grouped_idwt(grouped_dwt(x, self.ka, self.L, self.c), self.ks, self.L, self.c)

    def bands(self, x):
        n, c, h, w = x.shape
        return list(grouped_dwt(x, self.ka, self.L, self.c).reshape(n, c, 4, h // 2, w // 2).unbind(2))


# ----------------------------------------------------------------------------
# separable peer: 1-D filter banks along W then H (pytorch_wavelets' afb1d/sfb1d style)


def kernel_1d(taps, dim, copies):
    """A depthwise kernel (copies, 1, L, 1) for dim 2 or (copies, 1, 1, L) for dim 3, float32."""
    k = taps.float().reshape((-1, 1) if dim == 2 else (1, -1))
    return k.reshape(1, 1, *k.shape).repeat(copies, 1, 1, 1)


def analysis_1d(x, lo, hi, dim):
    """Periodized two-band analysis along dim (2 = H, 3 = W) of NCHW x: (N, 2C, …) with [low, high] per channel."""
    c = x.shape[1]
    L = lo.shape[-1] if dim == 3 else lo.shape[-2]
    p = L // 2 - 1
    if p > 0:
        x = F.pad(x, (p, p, 0, 0) if dim == 3 else (0, 0, p, p), mode='circular')
    kernel = torch.stack([lo, hi], 1).reshape(2 * c, 1, *lo.shape[-2:])
    return F.conv2d(x, kernel, stride=(1, 2) if dim == 3 else (2, 1), groups=c)


def synthesis_1d(low, high, glo, ghi, dim):
    """Periodized two-band synthesis along dim of NCHW bands: conv_transpose2d of each, summed, folded circularly."""
    c = low.shape[1]
    L = glo.shape[-1] if dim == 3 else glo.shape[-2]
    stride = (1, 2) if dim == 3 else (2, 1)
    y = F.conv_transpose2d(low, glo, stride=stride, groups=c) + F.conv_transpose2d(high, ghi, stride=stride, groups=c)
    return fold(y, 2 * low.shape[dim], L // 2 - 1, dim)


def analysis_2d(x, f):
    """(low, highs): low (N, C, h, w), highs (N, C, 3, h, w) in pywt order cH, cV, cD."""
    n, c = x.shape[:2]
    lohi = analysis_1d(x, f['a_lo_w'], f['a_hi_w'], 3)  # (N, 2C): [c][w band]
    y = analysis_1d(lohi, f['a_lo_h2'], f['a_hi_h2'], 2)  # (N, 4C): [c][w band][h band]
    y = y.reshape(n, c, 4, *y.shape[-2:])
    # index w_band·2 + h_band: 0 LL, 1 (lo W, hi H) = cH, 2 (hi W, lo H) = cV, 3 cD
    return y[:, :, 0].contiguous(), y[:, :, 1:].contiguous()


def synthesis_2d(low, highs, f):
    ch, cv, cd = torch.unbind(highs, 2)
    lo_w = synthesis_1d(low, ch, f['s_lo_h'], f['s_hi_h'], 2)
    hi_w = synthesis_1d(cv, cd, f['s_lo_h'], f['s_hi_h'], 2)
    return synthesis_1d(lo_w, hi_w, f['s_lo_w'], f['s_hi_w'], 3)


class Analysis2D(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, f, adjoint):
        ctx.adjoint = adjoint
        return analysis_2d(x, f)

    @staticmethod
    def backward(ctx, dlow, dhighs):
        return synthesis_2d(dlow, dhighs, ctx.adjoint), None, None


class Synthesis2D(torch.autograd.Function):
    @staticmethod
    def forward(ctx, low, highs, f, adjoint):
        ctx.adjoint = adjoint
        return synthesis_2d(low, highs, f)

    @staticmethod
    def backward(ctx, dy):
        dlow, dhighs = analysis_2d(dy, ctx.adjoint)
        return dlow, dhighs, None, None


def separable_filters(dlo, dhi, rlo, rhi, channels):
    """Kernels of analysis with correlation taps (dlo, dhi) and synthesis with filters (rlo, rhi)."""
    return {
        'a_lo_w': kernel_1d(dlo, 3, channels), 'a_hi_w': kernel_1d(dhi, 3, channels),
        'a_lo_h2': kernel_1d(dlo, 2, 2 * channels), 'a_hi_h2': kernel_1d(dhi, 2, 2 * channels),
        's_lo_h': kernel_1d(rlo, 2, channels), 's_hi_h': kernel_1d(rhi, 2, channels),
        's_lo_w': kernel_1d(rlo, 3, channels), 's_hi_w': kernel_1d(rhi, 3, channels),
    }


class SeparablePeer:
    def __init__(self, name, channels):
        dlo, dhi, rlo, rhi = bank(name)
        # The adjoint of analysis with correlation taps a is synthesis with filter a reversed, and vice versa.
        self.dwt = separable_filters(dlo, dhi, dlo.flip(0), dhi.flip(0), channels)
        self.idwt = separable_filters(rlo.flip(0), rhi.flip(0), rlo, rhi, channels)

    def forward(self, x):
        low, highs = Analysis2D.apply(x, self.dwt, self.dwt)
        return Synthesis2D.apply(low, highs, self.idwt, self.idwt)

    def bands(self, x):
        low, highs = analysis_2d(x, self.dwt)
        return [low, *highs.unbind(2)]


PEERS = {'grouped': GroupedPeer, 'separable': SeparablePeer}


def timed(fn, warmup, reps):
    walls, cpus, out = [], [], None
    for i in range(warmup + reps):
        w0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        w1, c1 = time.perf_counter(), time.process_time()
        if i >= warmup:
            walls.append((w1 - w0) * 1e3)
            cpus.append((c1 - c0) * 1e3)
    return statistics.median(walls), statistics.median(cpus), out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--x', required=True)
    ap.add_argument('--w', required=True)
    ap.add_argument('--shape', required=True)
    ap.add_argument('--waves', default='haar,db4')
    ap.add_argument('--peers', default='grouped,separable')
    ap.add_argument('--warmup', type=int, default=1)
    ap.add_argument('--reps', type=int, default=3)
    ap.add_argument('--bands-out')
    args = ap.parse_args()
    torch.set_num_threads(1)
    n, h, w_, c = (int(v) for v in args.shape.split(','))
    x_nhwc = np.fromfile(args.x, dtype=np.float32).reshape(n, h, w_, c)
    w_nhwc = np.fromfile(args.w, dtype=np.float32).reshape(n, h, w_, c)
    x = torch.from_numpy(np.ascontiguousarray(x_nhwc.transpose(0, 3, 1, 2)))
    weight = torch.from_numpy(np.ascontiguousarray(w_nhwc.transpose(0, 3, 1, 2)))
    results = {'torch': torch.__version__, 'threads': torch.get_num_threads(), 'peers': {}}
    for peer_name in args.peers.split(','):
        results['peers'][peer_name] = {}
        for name in args.waves.split(','):
            peer = PEERS[peer_name](name, c)
            with torch.no_grad():
                fwd_wall, fwd_cpu, y = timed(lambda: peer.forward(x), args.warmup, args.reps)

            def forward_backward():
                xg = x.detach().requires_grad_(True)
                (g,) = torch.autograd.grad((peer.forward(xg) * weight).sum(), xg)
                return g

            fb_wall, fb_cpu, g = timed(forward_backward, args.warmup, args.reps)
            entry = {
                'forward': {'wall': fwd_wall, 'cpu': fwd_cpu},
                'forwardBackward': {'wall': fb_wall, 'cpu': fb_cpu},
                'reconstructionError': float((y - x).abs().max()),
                'gradientError': float((g - weight).abs().max()),
            }
            if args.bands_out:
                with torch.no_grad():
                    bands = peer.bands(x)
                # NHWC per band, pywt order LL, cH, cV, cD
                for band, key in zip(bands, ['LL', 'cH', 'cV', 'cD']):
                    path = os.path.join(args.bands_out, f'{peer_name}-{name}-{key}.bin')
                    band.permute(0, 2, 3, 1).contiguous().numpy().tofile(path)
            results['peers'][peer_name][name] = entry
    print(json.dumps(results))


if __name__ == '__main__':
    main()
