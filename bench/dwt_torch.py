"""PyTorch peer of bench/dwt.ts: single-level 2-D periodization DWT then IDWT,
forward and backward, written as strided convolutions (the construction of
pytorch_wavelets / ptwt, with pywt's periodization phase):

  DWT:  circular pad by L/2 - 1 on each side, then one conv2d with stride 2
        and groups=C whose 4 outputs per channel are the outer products of
        the reversed decomposition filters (bands LL, H, V, D per channel);
  IDWT: conv_transpose2d with stride 2 and groups=C with the outer products
        of the reconstruction filters, then the L - 2 overhanging samples
        folded back circularly (pywt: x[(2k + 1 - L/2 + j) mod 2n]).

Reads x and w (float32, NHWC, as written by bench/dwt.ts), converts them to
NCHW outside the timings, runs with torch.set_num_threads(1), and prints one
JSON object: per wavelet the median wall and CPU milliseconds of the forward
pass y = IDWT(DWT(x)) and of forward + backward (the gradient of
sum(y * w) with respect to x), plus the bands it computed for a cross-check.

    /usr/bin/python3 bench/dwt_torch.py --x x.bin --w w.bin --shape 8,128,128,64 \
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


def filters(name, channels):
    w = pywt.Wavelet(name)
    dec = [torch.tensor(w.dec_lo[::-1], dtype=torch.float64), torch.tensor(w.dec_hi[::-1], dtype=torch.float64)]
    rec = [torch.tensor(w.rec_lo, dtype=torch.float64), torch.tensor(w.rec_hi, dtype=torch.float64)]
    # band order per channel: (H filter, W filter) = (lo,lo) LL, (hi,lo) cH, (lo,hi) cV, (hi,hi) cD
    pairs = [(0, 0), (1, 0), (0, 1), (1, 1)]
    analysis = torch.stack([torch.outer(dec[a], dec[b]) for a, b in pairs]).float()
    synthesis = torch.stack([torch.outer(rec[a], rec[b]) for a, b in pairs]).float()
    L = analysis.shape[-1]
    return analysis.unsqueeze(1).repeat(channels, 1, 1, 1), synthesis.unsqueeze(1).repeat(channels, 1, 1, 1), L


def dwt(x, kernel, L, channels):
    p = L // 2 - 1
    xp = F.pad(x, (p, p, p, p), mode='circular') if p > 0 else x
    return F.conv2d(xp, kernel, stride=2, groups=channels)


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


def idwt(bands, kernel, L, channels):
    y = F.conv_transpose2d(bands, kernel, stride=2, groups=channels)
    if L == 2:
        return y
    s0 = L // 2 - 1
    n2h, n2w = 2 * bands.shape[2], 2 * bands.shape[3]
    return fold(fold(y, n2h, s0, 2), n2w, s0, 3)


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
    results = {'torch': torch.__version__, 'threads': torch.get_num_threads(), 'waves': {}}
    for name in args.waves.split(','):
        ka, ks, L = filters(name, c)
        with torch.no_grad():
            fwd_wall, fwd_cpu, y = timed(lambda: idwt(dwt(x, ka, L, c), ks, L, c), args.warmup, args.reps)

        def forward_backward():
            xg = x.detach().requires_grad_(True)
            out = idwt(dwt(xg, ka, L, c), ks, L, c)
            (g,) = torch.autograd.grad((out * weight).sum(), xg)
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
                bands = dwt(x, ka, L, c).reshape(n, c, 4, h // 2, w_ // 2)
            # NHWC per band, pywt order LL, cH, cV, cD
            for b, key in enumerate(['LL', 'cH', 'cV', 'cD']):
                path = os.path.join(args.bands_out, f'{name}-{key}.bin')
                bands[:, :, b].permute(0, 2, 3, 1).contiguous().numpy().tofile(path)
            entry['bands'] = args.bands_out
        results['waves'][name] = entry
    print(json.dumps(results))


if __name__ == '__main__':
    main()
