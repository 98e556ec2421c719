#!/usr/bin/env python3
"""PyTorch checkpoints for `wavecv import` and the outputs they must give.

Each case is a network written here (or imported from the project's other
PyTorch references) with PyTorch's own module names, random weights and
batch-norm statistics (`randomise`: kernels N(0, 1/fan_in), biases
N(0, 0.01), BN gamma U(0.5, 1.5), beta N(0, 0.01), running mean N(0, 0.01),
running variance U(0.5, 1.5), PReLU slopes U(0.1, 0.4), LayerNorm gamma
U(0.5, 1.5) and beta N(0, 0.01)), in eval mode. The script saves its weights
the way users bring them and records one input (NHWC) and PyTorch's output,
under test/fixtures/pytorch-import/ (scripts/gen_pytorch_import_families.py
adds the other registry families, reusing these helpers):

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
* ``vgg16bn_haar.pth`` -- WaveCNet VGG-16-BN (Haar DWT in the pools'
  places) with torchvision's ``vgg16_bn`` names (``features.<i>``, adaptive
  7x7 average pool, ``classifier.0/3/6``), width 4, hidden 16, 224x224.
* ``winet_2d.pth`` -- WiNet in 2-D from scripts/gen_winet_fixtures.py, C = 2,
  32x32; inputs (moving, fixed), its field scaled to voxels
  ((size - 1)/2 per component, as wavecv outputs it).
* ``dtypes_deflated.pth`` -- float16, bfloat16, a transposed (strided)
  float64 view sharing its storage, int64 and bool tensors, re-zipped with
  deflate; ``dtypes.json`` holds their values as float64 lists.
* ``namespace.pth`` -- a state dict saved next to an ``argparse.Namespace``
  (a global the restricted unpickler must refuse, naming it).
* ``unknown_wrapper.pth`` -- ``{'epoch', 'weights': state_dict}``, a key
  wavecv does not look under.
* ``system.pth`` -- torch.save of an object whose pickle calls
  ``os.system('true')`` when unpickled by Python (never by wavecv).
* ``cases.json`` -- per case: file, wavecv model name and options, input(s)
  and PyTorch output (base64 float32; the 224x224 input as the formula
  ``formula_input`` both sides compute).

``--full DIR`` instead writes, for the test that calls this script at run
time, the full-size WaveCNet ResNet-18 (Haar, 224x224, 1000 classes) and
torchvision's DenseNet-121 (vanilla, 32x32 input, 10 classes; 28 MB, too
large to commit) checkpoints and their cases to DIR (``cases.json``).

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
from gen_winet_fixtures import WiNet  # noqa: E402
from wavesnet_reference import VggEncoderDecoder, haar_dwt  # noqa: E402

torch.set_default_dtype(torch.float32)  # gen_winet_fixtures sets float64 for its own fixtures

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


VGG_D = [1, 1, 'M', 2, 2, 'M', 4, 4, 4, 'M', 8, 8, 8, 'M', 8, 8, 8, 'M']


class Vgg16bn(nn.Module):
    """torchvision's vgg16_bn with width and hidden units as parameters; `wave` puts the DWT in the pools' places."""

    def __init__(self, width, hidden, classes, wave):
        super().__init__()
        layers, cin = [], 3
        for v in VGG_D:
            if v == 'M':
                layers.append(DWT() if wave else nn.MaxPool2d(2, 2))
            else:
                layers += [nn.Conv2d(cin, v * width, 3, padding=1), nn.BatchNorm2d(v * width), nn.ReLU(inplace=True)]
                cin = v * width
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(nn.Linear(cin * 49, hidden), nn.ReLU(True), nn.Dropout(), nn.Linear(hidden, hidden), nn.ReLU(True), nn.Dropout(), nn.Linear(hidden, classes))

    def forward(self, x):
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


class DenseNet121(nn.Module):
    """torchvision's densenet121 (growth 32, blocks 6/12/24/16, bottleneck 4k, compression 0.5) with its module names."""

    def __init__(self, classes):
        super().__init__()
        f = nn.Sequential()
        f.add_module('conv0', nn.Conv2d(3, 64, 7, 2, 3, bias=False))
        f.add_module('norm0', nn.BatchNorm2d(64))
        f.add_module('relu0', nn.ReLU(inplace=True))
        f.add_module('pool0', nn.MaxPool2d(3, 2, 1))
        c = 64
        for b, n in enumerate([6, 12, 24, 16], 1):
            block = nn.Module()
            for i in range(1, n + 1):
                layer = nn.Module()
                layer.add_module('norm1', nn.BatchNorm2d(c + (i - 1) * 32))
                layer.add_module('conv1', nn.Conv2d(c + (i - 1) * 32, 128, 1, bias=False))
                layer.add_module('norm2', nn.BatchNorm2d(128))
                layer.add_module('conv2', nn.Conv2d(128, 32, 3, padding=1, bias=False))
                block.add_module(f'denselayer{i}', layer)
            f.add_module(f'denseblock{b}', block)
            c += n * 32
            if b < 4:
                t = nn.Module()
                t.add_module('norm', nn.BatchNorm2d(c))
                t.add_module('conv', nn.Conv2d(c, c // 2, 1, bias=False))
                f.add_module(f'transition{b}', t)
                c //= 2
        f.add_module('norm5', nn.BatchNorm2d(c))
        self.features = f
        self.classifier = nn.Linear(c, classes)
        self.blocks = [6, 12, 24, 16]

    def forward(self, x):
        f = self.features
        x = f.pool0(F.relu(f.norm0(f.conv0(x))))
        for b, n in enumerate(self.blocks, 1):
            block = getattr(f, f'denseblock{b}')
            feats = [x]
            for i in range(1, n + 1):
                l = getattr(block, f'denselayer{i}')
                y = torch.cat(feats, 1)
                feats.append(l.conv2(F.relu(l.norm2(l.conv1(F.relu(l.norm1(y)))))))
            x = torch.cat(feats, 1)
            if b < 4:
                t = getattr(f, f'transition{b}')
                x = F.avg_pool2d(t.conv(F.relu(t.norm(x))), 2, 2)
        x = F.relu(f.norm5(x))
        return self.classifier(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


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
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Conv3d, nn.ConvTranspose3d, nn.Linear)):
            m.weight.data = torch.randn(m.weight.shape, generator=gen) / m.weight[0].numel() ** 0.5
            if m.bias is not None:
                m.bias.data = torch.randn(m.bias.shape, generator=gen) * 0.1
        elif isinstance(m, (nn.BatchNorm2d, nn.BatchNorm1d, nn.BatchNorm3d)):
            c = m.num_features
            m.weight.data = 0.5 + torch.rand(c, generator=gen)
            m.bias.data = torch.randn(c, generator=gen) * 0.1
            m.running_mean = torch.randn(c, generator=gen) * 0.1
            m.running_var = 0.5 + torch.rand(c, generator=gen)
            m.num_batches_tracked.fill_(1234)
        elif isinstance(m, nn.PReLU):
            m.weight.data = 0.1 + 0.3 * torch.rand(m.weight.shape, generator=gen)
        elif isinstance(m, nn.LayerNorm):
            m.weight.data = 0.5 + torch.rand(m.weight.shape, generator=gen)
            m.bias.data = torch.randn(m.bias.shape, generator=gen) * 0.1


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


def formula_input(shape):
    """A large input both sides compute instead of storing it: NHWC element i is 0.5 + 0.5 sin(0.7 i + 0.3)."""
    i = np.arange(int(np.prod(shape)), dtype=np.float64)
    return (0.5 + 0.5 * np.sin(0.7 * i + 0.3)).astype(np.float32).reshape(shape)


def run(model, size, channels, gen, formula=False):
    randomise(model, gen)
    model.eval()
    x = torch.tensor(formula_input((1, size, size, channels))).permute(0, 3, 1, 2).contiguous() if formula else torch.rand(2, channels, size, size, generator=gen)
    with torch.no_grad():
        y = model(x)
    if y.dim() == 4:
        y = y.permute(0, 2, 3, 1)
    stored = {'formula': 'sin', 'shape': [1, size, size, channels]} if formula else b64(x.numpy().transpose(0, 2, 3, 1))
    return {'input': stored, 'output': b64(y.numpy())}


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
        cases = [resnet_case(sys.argv[2], gen, full=True)]
        model = DenseNet121(10)
        case = run(model, 32, 3, gen)
        torch.save(model.state_dict(), os.path.join(sys.argv[2], 'densenet121.pth'))
        cases.append({'file': 'densenet121.pth', 'model': 'densenet121', 'options': {'inputSize': 32, 'numClasses': 10}, **case})
        with open(os.path.join(sys.argv[2], 'cases.json'), 'w') as f:
            json.dump({'cases': cases}, f)
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

    model = Vgg16bn(4, 16, 10, wave=True)
    case = run(model, 224, 3, gen, formula=True)
    torch.save(model.state_dict(), os.path.join(OUT, 'vgg16bn_haar.pth'))
    cases.append({'file': 'vgg16bn_haar.pth', 'model': 'vgg16bn', 'options': {'wavelet': 'haar', 'width': 4, 'hidden': 16, 'numClasses': 10}, **case})

    model = WiNet(2, 2)
    randomise(model, gen)
    moving, fixed = torch.rand(1, 1, 32, 32, generator=gen), torch.rand(1, 1, 32, 32, generator=gen)
    with torch.no_grad():
        field = model(moving, fixed) * 31 / 2
    torch.save(model.state_dict(), os.path.join(OUT, 'winet_2d.pth'))
    cases.append({'file': 'winet_2d.pth', 'model': 'winet', 'options': {'dims': 2, 'size': [32, 32], 'startChannels': 2},
                  'inputs': [b64(moving.numpy().transpose(0, 2, 3, 1)), b64(fixed.numpy().transpose(0, 2, 3, 1))],
                  'output': b64(field.numpy().transpose(0, 2, 3, 1))})

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
