#!/usr/bin/env python3
"""PyTorch checkpoints for `wavecv import` and the outputs they must give.

Each case is a network written here (or imported from the project's other
PyTorch references) with PyTorch's own module names, random weights and
batch-norm statistics (`randomise`: kernels N(0, 1/fan_in), biases
N(0, 0.01), BN gamma U(0.5, 1.5), beta N(0, 0.01), running mean N(0, 0.01),
running variance U(0.5, 1.5), PReLU slopes U(0.1, 0.4)), in eval mode. The script saves its weights the way users bring them and records one
input (NHWC) and PyTorch's output, under test/fixtures/pytorch-import/:

* ``resnet18_haar.pth`` -- WaveCNet ResNet-18 with Haar DWT, the reference
  code's structure and names (github.com/LiQiufu/WaveCNet
  models_dwt/resnet.py: a strided block's conv after the DWT is ``conv2.1``,
  the shortcut ``downsample.1/.2``), width 4, 32x32 input, 10 classes, saved
  as ``{'epoch', 'state_dict', 'optimizer'}`` with DataParallel's ``module.``
  prefix by torch.save (zip format).
* ``resnet18.safetensors`` -- the vanilla ResNet-18 with torchvision's names
  (strided 3x3 convs, 3x3 stride-2 max-pool, both padding 1), width 4,
  written in the safetensors format (by hand: header JSON + raw data).
* ``iresnet_tiny.pth`` -- insightface's IResNet (``iresnet.py`` names:
  IBasicBlock bn1/conv1/bn2/prelu/conv2/bn3/downsample, head bn2 -> flatten
  -> fc -> features), blocks [1, 1], widths [16, 32], 64-d, 32x32 input,
  saved as ``{'model': state_dict}``.
* ``segnet_haar.pth`` -- WaveSNet SegNet (Haar DWT/IDWT) from
  scripts/wavesnet_reference.py, width 2, 3 classes, 32x32, a bare state_dict.
* ``dtypes_deflated.pth`` -- float16, bfloat16, a transposed (strided)
  float64 view sharing its storage, int64 and bool tensors, re-zipped with
  deflate; ``dtypes.json`` holds their values as float64 lists.
* ``namespace.pth`` -- a state dict saved next to an ``argparse.Namespace``
  (a global the restricted unpickler must refuse, naming it).
* ``unknown_wrapper.pth`` -- ``{'epoch', 'weights': state_dict}``, a key
  wavecv does not look under.
* ``system.pth`` -- torch.save of an object whose pickle calls
  ``os.system('true')`` when unpickled by Python (never by wavecv).
* ``cases.json`` -- per case: file, wavecv model name and options, input
  and PyTorch output (base64 float32).

``--full DIR`` instead writes the full-size WaveCNet ResNet-18 (Haar, 224x224,
1000 classes) checkpoint and case to DIR, for the test that calls this script
at run time.

Run: /usr/bin/python3 scripts/gen_pytorch_import_fixtures.py
"""
import base64
import json
import os
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wavesnet_reference import VggEncoderDecoder, haar_dwt  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'pytorch-import')


def b64(array):
    a = np.ascontiguousarray(np.asarray(array, dtype=np.float32))
    return {'shape': list(a.shape), 'b64': base64.b64encode(a.tobytes()).decode('ascii')}


class DWT(nn.Module):
    """WaveCNet's Downsample: the Haar low band (no parameters)."""

    def forward(self, x):
        return haar_dwt(x)[0]


def conv3x3(cin, cout, stride=1):
    return nn.Conv2d(cin, cout, 3, stride, 1, bias=False)


def conv1x1(cin, cout, stride=1):
    return nn.Conv2d(cin, cout, 1, stride, bias=False)


class BasicBlock(nn.Module):
    """torchvision's BasicBlock; with `wave` and stride 2, the reference's: conv2 = (DWT, conv3x3)."""
    expansion = 1

    def __init__(self, cin, planes, stride, downsample, wave):
        super().__init__()
        self.conv1 = conv3x3(cin, planes, 1 if wave else stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Sequential(DWT(), conv3x3(planes, planes)) if wave and stride == 2 else conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x):
        out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(out + (x if self.downsample is None else self.downsample(x)))


class ResNet(nn.Module):
    def __init__(self, layers, width, classes, wave, imagenet=True):
        super().__init__()
        self.conv1 = nn.Conv2d(3, width, 7, 2, 3, bias=False) if imagenet else conv3x3(3, width)
        self.bn1 = nn.BatchNorm2d(width)
        self.maxpool = (DWT() if wave else nn.MaxPool2d(3, 2, 1)) if imagenet else nn.Identity()
        cin = width
        for s, n in enumerate(layers):
            planes, stride = width * 2 ** s, (2 if s > 0 else 1)
            blocks = []
            for b in range(n):
                st = stride if b == 0 else 1
                down = None
                if st != 1 or cin != planes:
                    parts = ([DWT(), conv1x1(cin, planes)] if wave else [conv1x1(cin, planes, st)]) + [nn.BatchNorm2d(planes)]
                    down = nn.Sequential(*parts)
                blocks.append(BasicBlock(cin, planes, st, down, wave))
                cin = planes
            setattr(self, f'layer{s + 1}', nn.Sequential(*blocks))
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        x = self.maxpool(F.relu(self.bn1(self.conv1(x))))
        for s in range(1, 5):
            x = getattr(self, f'layer{s}')(x)
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class IBasicBlock(nn.Module):
    """insightface arcface_torch/backbones/iresnet.py IBasicBlock."""

    def __init__(self, cin, planes, stride, downsample):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(cin, eps=1e-5)
        self.conv1 = conv3x3(cin, planes)
        self.bn2 = nn.BatchNorm2d(planes, eps=1e-5)
        self.prelu = nn.PReLU(planes)
        self.conv2 = conv3x3(planes, planes, stride)
        self.bn3 = nn.BatchNorm2d(planes, eps=1e-5)
        self.downsample = downsample

    def forward(self, x):
        out = self.bn3(self.conv2(self.prelu(self.bn2(self.conv1(self.bn1(x))))))
        return out + (x if self.downsample is None else self.downsample(x))


class IResNet(nn.Module):
    """insightface IResNet with its module names; every stage starts with a stride-2 block."""

    def __init__(self, blocks, widths, size, emb):
        super().__init__()
        self.conv1 = conv3x3(3, widths[0])
        self.bn1 = nn.BatchNorm2d(widths[0], eps=1e-5)
        self.prelu = nn.PReLU(widths[0])
        cin = widths[0]
        for s, (n, w) in enumerate(zip(blocks, widths)):
            stage = []
            for b in range(n):
                st = 2 if b == 0 else 1
                down = nn.Sequential(conv1x1(cin, w, st), nn.BatchNorm2d(w, eps=1e-5)) if st != 1 or cin != w else None
                stage.append(IBasicBlock(cin, w, st, down))
                cin = w
            setattr(self, f'layer{s + 1}', nn.Sequential(*stage))
            size = (size - 1) // 2 + 1
        self.stages = len(blocks)
        self.bn2 = nn.BatchNorm2d(cin, eps=1e-5)
        self.dropout = nn.Dropout(0.0)
        self.fc = nn.Linear(cin * size * size, emb)
        self.features = nn.BatchNorm1d(emb, eps=1e-5)

    def forward(self, x):
        x = self.prelu(self.bn1(self.conv1(x)))
        for s in range(1, self.stages + 1):
            x = getattr(self, f'layer{s}')(x)
        x = self.dropout(torch.flatten(self.bn2(x), 1))
        return self.features(self.fc(x))


def randomise(model, gen):
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            m.weight.data = torch.randn(m.weight.shape, generator=gen) / m.weight[0].numel() ** 0.5
            if m.bias is not None:
                m.bias.data = torch.randn(m.bias.shape, generator=gen) * 0.1
        elif isinstance(m, (nn.BatchNorm2d, nn.BatchNorm1d)):
            c = m.num_features
            m.weight.data = 0.5 + torch.rand(c, generator=gen)
            m.bias.data = torch.randn(c, generator=gen) * 0.1
            m.running_mean = torch.randn(c, generator=gen) * 0.1
            m.running_var = 0.5 + torch.rand(c, generator=gen)
            m.num_batches_tracked.fill_(1234)
        elif isinstance(m, nn.PReLU):
            m.weight.data = 0.1 + 0.3 * torch.rand(m.weight.shape, generator=gen)


def save_safetensors(state, path):
    """The safetensors layout: u64 header length, JSON header, row-major little-endian data."""
    header, chunks, offset = {}, [], 0
    for name, t in state.items():
        data = t.detach().contiguous().numpy().astype('<f4').tobytes() if t.is_floating_point() else t.numpy().astype('<i8').tobytes()
        header[name] = {'dtype': 'F32' if t.is_floating_point() else 'I64', 'shape': list(t.shape), 'data_offsets': [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    raw = json.dumps(header).encode()
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(raw)) + raw + b''.join(chunks))


def run(model, size, channels, gen):
    randomise(model, gen)
    model.eval()
    x = torch.rand(2, channels, size, size, generator=gen)
    with torch.no_grad():
        y = model(x)
    if y.dim() == 4:
        y = y.permute(0, 2, 3, 1)
    return {'input': b64(x.numpy().transpose(0, 2, 3, 1)), 'output': b64(y.numpy())}


def resnet_case(out_dir, gen, full):
    width, size, classes = (64, 224, 1000) if full else (4, 32, 10)
    model = ResNet([2, 2, 2, 2], width, classes, wave=True)
    case = run(model, size, 3, gen)
    sd = {f'module.{k}': v for k, v in model.state_dict().items()}
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    torch.save({'epoch': 7, 'arch': 'resnet18', 'state_dict': sd, 'optimizer': opt.state_dict()}, os.path.join(out_dir, 'resnet18_haar.pth'))
    options = {'wavelet': 'haar', 'inputSize': size, 'numClasses': classes}
    if not full:
        options['width'] = width
    return {'file': 'resnet18_haar.pth', 'model': 'resnet18', 'options': options, **case}


def main():
    if len(sys.argv) == 3 and sys.argv[1] == '--full':
        gen = torch.Generator().manual_seed(15)
        case = resnet_case(sys.argv[2], gen, full=True)
        with open(os.path.join(sys.argv[2], 'case.json'), 'w') as f:
            json.dump(case, f)
        return
    os.makedirs(OUT, exist_ok=True)
    gen = torch.Generator().manual_seed(2026)
    cases = [resnet_case(OUT, gen, full=False)]

    model = ResNet([2, 2, 2, 2], 4, 10, wave=False)
    case = run(model, 32, 3, gen)
    save_safetensors(model.state_dict(), os.path.join(OUT, 'resnet18.safetensors'))
    cases.append({'file': 'resnet18.safetensors', 'model': 'resnet18', 'options': {'width': 4, 'inputSize': 32, 'numClasses': 10}, **case})

    model = IResNet([1, 1], [16, 32], 32, 64)
    case = run(model, 32, 3, gen)
    torch.save({'model': model.state_dict()}, os.path.join(OUT, 'iresnet_tiny.pth'))
    cases.append({'file': 'iresnet_tiny.pth', 'model': 'iresnet-tiny', 'options': {}, **case})

    model = VggEncoderDecoder('segnet', 2, 3, 'haar')
    case = run(model, 32, 3, gen)
    torch.save(model.state_dict(), os.path.join(OUT, 'segnet_haar.pth'))
    cases.append({'file': 'segnet_haar.pth', 'model': 'segnet', 'options': {'wavelet': 'haar', 'width': 2, 'numClasses': 3, 'inputSize': 32}, **case})

    base = torch.arange(12, dtype=torch.float64).reshape(3, 4) / 7 - 0.5
    dtypes = {'half': torch.tensor([0.1, -2.5, 65504.0, 6e-8], dtype=torch.float16), 'bf16': torch.tensor([1.5, -3.0e-3, 1e30], dtype=torch.bfloat16),
              'base': base, 'strided': base.t()[1:], 'long': torch.tensor([[-3, 2 ** 40]]), 'flag': torch.tensor([True, False])}
    plain = os.path.join(OUT, 'dtypes.tmp')
    torch.save(dtypes, plain)
    import zipfile
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(os.path.join(OUT, 'dtypes_deflated.pth'), 'w', zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item.filename, src.read(item.filename))
    os.remove(plain)
    assert torch.equal(torch.load(os.path.join(OUT, 'dtypes_deflated.pth'))['strided'], dtypes['strided'])
    with open(os.path.join(OUT, 'dtypes.json'), 'w') as f:
        json.dump({k: {'shape': list(v.shape), 'values': v.double().flatten().tolist()} for k, v in dtypes.items()}, f)
    import argparse
    torch.save({'state_dict': nn.Linear(2, 1).state_dict(), 'args': argparse.Namespace(lr=0.1)}, os.path.join(OUT, 'namespace.pth'))

    torch.save({'epoch': 1, 'weights': nn.Linear(2, 1).state_dict()}, os.path.join(OUT, 'unknown_wrapper.pth'))

    class RunsCode:
        def __reduce__(self):
            return (os.system, ('true',))
    torch.save({'state_dict': {'w': torch.zeros(1)}, 'x': RunsCode()}, os.path.join(OUT, 'system.pth'))

    with open(os.path.join(OUT, 'cases.json'), 'w') as f:
        json.dump({'generator': 'scripts/gen_pytorch_import_fixtures.py', 'torch': torch.__version__, 'cases': cases}, f)


if __name__ == '__main__':
    main()
