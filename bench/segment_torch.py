"""PyTorch peer of bench/segment.ts: one SGD step of the U-Net on a VGG16-BN
encoder (vanilla: max-pool + 2x2 transposed conv; wavelet: Haar DWT + IDWT
with the stored details), both followed by the skip concatenation, as in
scripts/wavesnet_reference.py (the reference the wavecv models are checked
against in test/models/wavesnet.test.ts).

Reads what bench/segment.ts wrote into --dir (meta.json, x.bin NHWC float32,
y.bin int32 label maps [B, H, W], weights.bin with the manifest in meta.json:
the wavecv model's initial weights under its layer names) and prints one JSON
line: the loss before and after one step (must equal wavecv's: same weights,
same data, same update) and the median CPU and wall time of a step
(forward, pixel-wise cross-entropy, backward, SGD momentum/weight decay) in
the default (NCHW) and channels-last layouts, with
torch.set_num_threads(meta["threads"]).
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'scripts'))
from wavesnet_reference import ConvBnRelu, VggEncoderDecoder  # noqa: E402


def load_weights(model, manifest, blob):
    """wavecv weights (HWIO kernels; transposed-conv kernels [kh, kw, out, in]) into torch layouts."""
    tensors, offset = {}, 0
    for spec in manifest:
        n = int(np.prod(spec['shape']))
        tensors[spec['name']] = torch.from_numpy(np.ascontiguousarray(blob[offset:offset + n].reshape(spec['shape'])))
        offset += n
    used = set()

    def take(key):
        used.add(key)
        return tensors[key]

    with torch.no_grad():
        for name, m in model.named_modules():
            key = name.split('.')[-1]
            if isinstance(m, ConvBnRelu):
                m.conv.weight.copy_(take(f'{key}_conv/kernel').permute(3, 2, 0, 1))
                m.conv.bias.copy_(take(f'{key}_conv/bias'))
                m.bn.weight.copy_(take(f'{key}_bn/gamma'))
                m.bn.bias.copy_(take(f'{key}_bn/beta'))
                m.bn.running_mean.copy_(take(f'{key}_bn/moving_mean'))
                m.bn.running_var.copy_(take(f'{key}_bn/moving_variance'))
            elif isinstance(m, nn.ConvTranspose2d):
                m.weight.copy_(take(f'{key}/kernel').permute(3, 2, 0, 1))
                m.bias.copy_(take(f'{key}/bias'))
        model.classifier.weight.copy_(take('classifier/kernel').permute(3, 2, 0, 1))
        model.classifier.bias.copy_(take('classifier/bias'))
    missing = set(tensors) - used
    if missing:
        raise SystemExit(f'segment_torch.py: wavecv weights without a torch peer: {sorted(missing)[:5]}')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--dir', required=True)
    args = ap.parse_args()
    meta = json.load(open(os.path.join(args.dir, 'meta.json')))
    torch.set_num_threads(meta['threads'])
    b, s, k = meta['batch'], meta['inputSize'], meta['numClasses']
    x = torch.from_numpy(np.fromfile(os.path.join(args.dir, 'x.bin'), dtype=np.float32).reshape(b, s, s, 3).transpose(0, 3, 1, 2).copy())
    y = torch.from_numpy(np.fromfile(os.path.join(args.dir, 'y.bin'), dtype=np.int32).reshape(b, s, s).astype(np.int64))
    blob = np.fromfile(os.path.join(args.dir, 'weights.bin'), dtype=np.float32)
    wavelet = meta['wavelet']
    if wavelet not in (None, 'haar'):
        raise SystemExit(f'segment_torch.py: the PyTorch peer implements the Haar wavelet only, got {wavelet}')

    def fresh(layout):
        model = VggEncoderDecoder('unet', meta['width'], k, wavelet)
        load_weights(model, meta['manifest'], blob)
        model.train()
        xin = x
        if layout == 'channels_last':
            model = model.to(memory_format=torch.channels_last)
            xin = x.contiguous(memory_format=torch.channels_last)
        opt = torch.optim.SGD(model.parameters(), lr=meta['lr'], momentum=meta['momentum'], weight_decay=meta['weightDecay'])
        return model, opt, xin

    def step(model, opt, xin):
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(xin), y, ignore_index=255)
        loss.backward()
        opt.step()
        return loss.item()

    result = {'torch': torch.__version__, 'threads': torch.get_num_threads(), 'timings': {}}
    model, opt, xin = fresh('default')
    loss0 = step(model, opt, xin)
    with torch.no_grad():
        loss1 = F.cross_entropy(model(xin), y, ignore_index=255).item()
    result['check'] = {'loss0': loss0, 'loss1': loss1}
    for layout in meta['torchLayouts']:
        model, opt, xin = fresh(layout)
        cpu, wall = [], []
        for i in range(meta['warmup'] + meta['steps']):
            c0, w0 = time.process_time(), time.perf_counter()
            step(model, opt, xin)
            if i >= meta['warmup']:
                cpu.append((time.process_time() - c0) * 1000)
                wall.append((time.perf_counter() - w0) * 1000)
        result['timings'][layout] = {'cpuMs': statistics.median(cpu), 'wallMs': statistics.median(wall)}
    print(json.dumps(result))


if __name__ == '__main__':
    main()
