"""PyTorch peer of bench/segment3d.ts: one SGD step (forward, weighted
cross-entropy with class weights (1, 5), backward, momentum/weight-decay
update) of a 3D WaveUNet variant from scripts/waveunet3d_reference.py on the
batch of cubes and initial weights wavecv wrote into --dir (meta.json, x.bin
NDHWC float32, y.bin int32 [B, D, H, W], weights.bin under wavecv's layer
names). Prints one JSON line: the loss before and after one step (must equal
wavecv's) and the median CPU and wall time of a step with
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
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'scripts'))
from waveunet3d_reference import Block, WaveUNet3D  # noqa: E402

DHWIO_TO_OIDHW = (4, 3, 0, 1, 2)
DHWIO_TO_IODHW = (3, 4, 0, 1, 2)


def load_weights(model, manifest, blob):
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
        for name, m in model.named_children():
            if isinstance(m, Block):
                m.conv.weight.copy_(take(f'{name}_conv/kernel').permute(*DHWIO_TO_OIDHW))
                m.conv.bias.copy_(take(f'{name}_conv/bias'))
                m.bn.weight.copy_(take(f'{name}_bn/gamma'))
                m.bn.bias.copy_(take(f'{name}_bn/beta'))
                m.bn.running_mean.copy_(take(f'{name}_bn/moving_mean'))
                m.bn.running_var.copy_(take(f'{name}_bn/moving_variance'))
            elif isinstance(m, (nn.Conv3d, nn.ConvTranspose3d)):
                # a transposed conv's weight is [in, out, ...]: wavecv holds it as a 1x1x1 conv kernel [1, 1, 1, in, out]
                m.weight.copy_(take(f'{name}/kernel').permute(*(DHWIO_TO_IODHW if isinstance(m, nn.ConvTranspose3d) else DHWIO_TO_OIDHW)))
                m.bias.copy_(take(f'{name}/bias'))
    missing = set(tensors) - used
    if missing:
        raise SystemExit(f'segment3d_torch.py: wavecv weights without a torch peer: {sorted(missing)[:5]}')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--dir', required=True)
    args = ap.parse_args()
    meta = json.load(open(os.path.join(args.dir, 'meta.json')))
    torch.set_num_threads(meta['threads'])
    b, (d, h, w) = meta['batch'], meta['cube']
    x = torch.from_numpy(np.fromfile(os.path.join(args.dir, 'x.bin'), dtype=np.float32).reshape(b, d, h, w, 1).transpose(0, 4, 1, 2, 3).copy())
    y = torch.from_numpy(np.fromfile(os.path.join(args.dir, 'y.bin'), dtype=np.int32).reshape(b, d, h, w).astype(np.int64))
    blob = np.fromfile(os.path.join(args.dir, 'weights.bin'), dtype=np.float32)
    weights = torch.tensor(meta['classWeights'], dtype=torch.float32)

    def fresh():
        model = WaveUNet3D(meta['variant'], meta['width'])
        load_weights(model, meta['manifest'], blob)
        model.train()
        return model, torch.optim.SGD(model.parameters(), lr=meta['lr'], momentum=meta['momentum'], weight_decay=meta['weightDecay'])

    def step(model, opt):
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y, weight=weights)
        loss.backward()
        opt.step()
        return loss.item()

    model, opt = fresh()
    loss0 = step(model, opt)
    with torch.no_grad():
        loss1 = F.cross_entropy(model(x), y, weight=weights).item()
    model, opt = fresh()
    cpu, wall = [], []
    for i in range(meta['warmup'] + meta['steps']):
        c0, w0 = time.process_time(), time.perf_counter()
        step(model, opt)
        if i >= meta['warmup']:
            cpu.append((time.process_time() - c0) * 1000)
            wall.append((time.perf_counter() - w0) * 1000)
    print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'check': {'loss0': loss0, 'loss1': loss1}, 'timing': {'cpuMs': statistics.median(cpu), 'wallMs': statistics.median(wall)}}))


if __name__ == '__main__':
    main()
