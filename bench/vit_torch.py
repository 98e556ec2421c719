"""PyTorch peer of bench/vit.ts: one SGD step of ViT-S/16 (Dosovitskiy et
al., ICLR 2021, timm's layout: conv patch embedding, class token, learned
position embeddings, 12 pre-norm blocks with LayerNorm eps 1e-6, one qkv
Linear, exact GELU MLP, final LayerNorm, linear head on the class token).

Reads --dir (meta.json with the wavecv weights' names and shapes,
weights.bin, x.bin NHWC float32, y.bin int32 labels), converts the weights to
PyTorch layout (conv kernel HWIO -> OIHW, dense kernels transposed), runs the
network functionally on them and prints one JSON line: the loss before and
after one step (must equal wavecv's) and the median CPU and wall time of a
step (forward, backward, SGD momentum/weight decay update) with one thread.
Run only through bench/vit.ts.
"""
import argparse
import json
import os
import statistics
import time

import numpy as np
import torch
import torch.nn.functional as F

parser = argparse.ArgumentParser()
parser.add_argument('--dir', required=True)
args = parser.parse_args()
torch.set_num_threads(1)
meta = json.load(open(os.path.join(args.dir, 'meta.json')))
blob = np.fromfile(os.path.join(args.dir, 'weights.bin'), dtype=np.float32)
weights = {}
offset = 0
for entry in meta['manifest']:
    n = int(np.prod(entry['shape']))
    w = torch.from_numpy(blob[offset:offset + n].reshape(entry['shape']).copy())
    offset += n
    name = entry['name']
    if name == 'patch_embed/kernel':
        w = w.permute(3, 2, 0, 1).contiguous()
    elif name.endswith('/kernel') or name.endswith('_kernel'):
        w = w.t().contiguous()
    weights[name] = w.requires_grad_()
b = meta['batch']
s = meta['inputSize']
x = torch.from_numpy(np.fromfile(os.path.join(args.dir, 'x.bin'), dtype=np.float32).reshape(b, s, s, 3)).permute(0, 3, 1, 2).contiguous()
y = torch.from_numpy(np.fromfile(os.path.join(args.dir, 'y.bin'), dtype=np.int32).astype(np.int64))
heads = meta['heads']


def forward(w, x):
    t = F.conv2d(x, w['patch_embed/kernel'], w['patch_embed/bias'], stride=16).flatten(2).transpose(1, 2)
    t = torch.cat([w['tokens/class_token'].expand(t.shape[0], -1, -1), t], 1) + w['tokens/position_embedding']
    bsz, n, d = t.shape
    for i in range(meta['depth']):
        p = f'block{i}_'
        h = F.layer_norm(t, (d,), w[p + 'norm1/gamma'], w[p + 'norm1/beta'], 1e-6)
        qkv = F.linear(h, w[p + 'attn/qkv_kernel'], w[p + 'attn/qkv_bias']).reshape(bsz, n, 3, heads, d // heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        a = ((q * (d // heads) ** -0.5) @ k.transpose(-2, -1)).softmax(-1)
        t = t + F.linear((a @ v).transpose(1, 2).reshape(bsz, n, d), w[p + 'attn/proj_kernel'], w[p + 'attn/proj_bias'])
        h = F.layer_norm(t, (d,), w[p + 'norm2/gamma'], w[p + 'norm2/beta'], 1e-6)
        t = t + F.linear(F.gelu(F.linear(h, w[p + 'fc1/kernel'], w[p + 'fc1/bias'])), w[p + 'fc2/kernel'], w[p + 'fc2/bias'])
    t = F.layer_norm(t, (d,), w['norm/gamma'], w['norm/beta'], 1e-6)
    return F.linear(t[:, 0], w['head/kernel'], w['head/bias'])


params = list(weights.values())
opt = torch.optim.SGD(params, lr=meta['lr'], momentum=meta['momentum'], weight_decay=meta['weightDecay'])


def step():
    opt.zero_grad()
    loss = F.cross_entropy(forward(weights, x), y)
    loss.backward()
    opt.step()
    return loss.item()


losses = []
cpu = []
wall = []
for i in range(meta['warmup'] + meta['steps']):
    c0 = time.process_time()
    w0 = time.perf_counter()
    losses.append(step())
    if i >= meta['warmup']:
        cpu.append(1000 * (time.process_time() - c0))
        wall.append(1000 * (time.perf_counter() - w0))
print(json.dumps({'torch': torch.__version__, 'check': {'loss0': losses[0], 'loss1': losses[1]}, 'timing': {'cpuMs': statistics.median(cpu), 'wallMs': statistics.median(wall)}}))
