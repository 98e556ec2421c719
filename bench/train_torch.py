"""PyTorch peer of bench/train.ts: one SGD step of the CIFAR ResNet-18.

Reads what bench/train.ts wrote into --dir (meta.json, x.bin NHWC float32,
y.bin int32 labels, weights.bin + the manifest in meta.json: the wavecv model's
initial weights in its own layer names), builds the same network
(He et al., CVPR 2016, CIFAR layout: 3x3/1 stem, no pool, stages 64-512 of two
BasicBlocks, BN, global average pool, FC) and prints one JSON line:

  check:   loss before and after one step, with TensorFlow's 'same' padding
           (stride-2 convs pad bottom/right only) so that the numbers must
           equal wavecv's, proving the two models are the same;
  timings: median CPU and wall time of a step (forward, backward, SGD
           momentum/weight decay update) for each requested memory layout,
           with PyTorch's usual symmetric padding=1 (TF padding costs an
           extra copy per strided conv, which we do not charge to PyTorch).

With --wavelet haar (meta.json "wavelet"), the WaveCNet variant (Li et al.,
CVPR 2020): the first block of stages 2-4 keeps stride 1 in its convolutions,
a Haar DWT keeping the LL band halves the resolution after the first conv
(after BN+ReLU) and before the 1x1 stride-1 shortcut conv, as in
src/models/wavecnet/resnet.ts. Haar LL with periodization on even sizes is
(a+b+c+d)/2 over each 2x2 block, i.e. 2 * avg_pool2d(x, 2).

Run only through bench/train.ts. torch.set_num_threads(meta["threads"]): the
same thread count as wavecv's native convolutions (the wasm backend itself
has no threads in Node).
"""
import argparse
import json
import os
import statistics
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

class Conv(nn.Module):
    """3x3/1x1 conv without bias; `tf_same` pads like TF.js 'same' when strided."""

    def __init__(self, cin, cout, k, stride, tf_same):
        super().__init__()
        self.stride = stride
        self.k = k
        self.tf_same = tf_same and stride > 1
        pad = 0 if self.tf_same else k // 2
        self.conv = nn.Conv2d(cin, cout, k, stride=stride, padding=pad, bias=False)

    def forward(self, x):
        if self.tf_same:
            h = x.shape[2]
            total = max((-(-h // self.stride) - 1) * self.stride + self.k - h, 0)
            x = F.pad(x, (total // 2, total - total // 2, total // 2, total - total // 2))
        return self.conv(x)


def bn(c):
    return nn.BatchNorm2d(c, eps=1e-5, momentum=0.1)


class HaarLL(nn.Module):
    """LL band of the one-level 2-D Haar DWT (periodization, even sizes)."""

    def forward(self, x):
        return F.avg_pool2d(x, 2) * 2


class Block(nn.Module):
    def __init__(self, cin, planes, stride, tf_same, wavelet):
        super().__init__()
        wave = wavelet and stride != 1
        self.dwt = HaarLL() if wave else None
        self.c1 = Conv(cin, planes, 3, 1 if wave else stride, tf_same)
        self.b1 = bn(planes)
        self.c2 = Conv(planes, planes, 3, 1, tf_same)
        self.b2 = bn(planes)
        self.short = None
        if stride != 1 or cin != planes:
            layers = [HaarLL()] if wave else []
            layers += [Conv(cin, planes, 1, 1 if wave else stride, tf_same), bn(planes)]
            self.short = nn.Sequential(*layers)

    def forward(self, x):
        y = F.relu(self.b1(self.c1(x)))
        if self.dwt is not None:
            y = self.dwt(y)
        y = self.b2(self.c2(y))
        s = x if self.short is None else self.short(x)
        return F.relu(y + s)


class ResNet18Cifar(nn.Module):
    def __init__(self, num_classes, tf_same, wavelet=False):
        super().__init__()
        self.stem = Conv(3, 64, 3, 1, tf_same)
        self.stem_bn = bn(64)
        blocks = []
        cin = 64
        for stage in range(4):
            planes = 64 * 2 ** stage
            for i in range(2):
                blocks.append(Block(cin, planes, 2 if stage > 0 and i == 0 else 1, tf_same, wavelet))
                cin = planes
        self.blocks = nn.ModuleList(blocks)
        self.fc = nn.Linear(512, num_classes)

    def forward(self, x):
        x = F.relu(self.stem_bn(self.stem(x)))
        for b in self.blocks:
            x = b(x)
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))

    def tf_names(self):
        """Pairs (wavecv layer name, module) in wavecv's naming (src/models/wavecnet/resnet.ts)."""
        out = [("stem_conv", self.stem.conv), ("stem_bn", self.stem_bn)]
        for j, b in enumerate(self.blocks):
            name = f"layer{j // 2 + 1}_{j % 2}"
            out += [(f"{name}_1_conv", b.c1.conv), (f"{name}_1_bn", b.b1), (f"{name}_2_conv", b.c2.conv), (f"{name}_2_bn", b.b2)]
            if b.short is not None:
                out += [(f"{name}_shortcut_conv", b.short[-2].conv), (f"{name}_shortcut_bn", b.short[-1])]
        out.append(("fc", self.fc))
        return out


def load_weights(model, manifest, blob):
    """Copies wavecv's weights (NHWC kernels [kh,kw,ci,co], dense [in,out]) into torch layouts."""
    tensors = {}
    offset = 0
    for spec in manifest:
        n = int(np.prod(spec["shape"])) if spec["shape"] else 1
        tensors[spec["name"]] = blob[offset:offset + n].reshape(spec["shape"])
        offset += n
    used = set()

    def take(key):
        used.add(key)
        return torch.from_numpy(np.ascontiguousarray(tensors[key]))

    with torch.no_grad():
        for name, m in model.tf_names():
            if isinstance(m, nn.Conv2d):
                m.weight.copy_(take(f"{name}/kernel").permute(3, 2, 0, 1))
            elif isinstance(m, nn.BatchNorm2d):
                m.weight.copy_(take(f"{name}/gamma"))
                m.bias.copy_(take(f"{name}/beta"))
                m.running_mean.copy_(take(f"{name}/moving_mean"))
                m.running_var.copy_(take(f"{name}/moving_variance"))
            else:
                m.weight.copy_(take(f"{name}/kernel").t())
                m.bias.copy_(take(f"{name}/bias"))
    missing = set(tensors) - used
    if missing:
        raise SystemExit(f"train_torch.py: wavecv weights without a torch peer: {sorted(missing)[:5]}")


def sgd(model, meta):
    return torch.optim.SGD(model.parameters(), lr=meta["lr"], momentum=meta["momentum"], weight_decay=meta["weightDecay"])


def step(model, opt, x, y):
    opt.zero_grad(set_to_none=True)
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    return loss.item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    args = ap.parse_args()
    meta = json.load(open(os.path.join(args.dir, "meta.json")))
    torch.set_num_threads(meta["threads"])
    b, s = meta["batch"], meta["inputSize"]
    x_nhwc = np.fromfile(os.path.join(args.dir, "x.bin"), dtype=np.float32).reshape(b, s, s, 3)
    x = torch.from_numpy(np.ascontiguousarray(x_nhwc.transpose(0, 3, 1, 2)))
    y = torch.from_numpy(np.fromfile(os.path.join(args.dir, "y.bin"), dtype=np.int32).astype(np.int64))
    blob = np.fromfile(os.path.join(args.dir, "weights.bin"), dtype=np.float32)

    result = {"torch": torch.__version__, "threads": torch.get_num_threads(), "timings": {}}

    wavelet = meta.get("wavelet") is not None
    if wavelet and meta["wavelet"] != "haar":
        raise SystemExit(f"train_torch.py: the PyTorch peer implements the Haar wavelet only, got {meta['wavelet']}")
    model = ResNet18Cifar(meta["numClasses"], tf_same=True, wavelet=wavelet)
    load_weights(model, meta["manifest"], blob)
    model.train()
    opt = sgd(model, meta)
    loss0 = step(model, opt, x, y)
    with torch.no_grad():
        loss1 = F.cross_entropy(model(x), y).item()
    result["check"] = {"loss0": loss0, "loss1": loss1}

    for layout in meta["torchLayouts"]:
        model = ResNet18Cifar(meta["numClasses"], tf_same=False, wavelet=wavelet)
        load_weights(model, meta["manifest"], blob)
        xin = x
        if layout == "channels_last":
            model = model.to(memory_format=torch.channels_last)
            xin = x.contiguous(memory_format=torch.channels_last)
        model.train()
        opt = sgd(model, meta)
        cpu, wall = [], []
        for i in range(meta["warmup"] + meta["steps"]):
            c0, w0 = time.process_time(), time.perf_counter()
            step(model, opt, xin, y)
            if i >= meta["warmup"]:
                cpu.append((time.process_time() - c0) * 1000)
                wall.append((time.perf_counter() - w0) * 1000)
        result["timings"][layout] = {"cpuMs": statistics.median(cpu), "wallMs": statistics.median(wall)}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
