"""Reference PyTorch versions of the WaveSNet segmentation networks (Li &
Shen, "Wavelet-based segmentation network", 2020): SegNet and U-Net on a
VGG16-BN encoder (configuration D), vanilla and with the Haar DWT/IDWT, and
DeepLabv3+ on ResNet-101 at output stride 16, vanilla and with the wavelet
decoder. Written from the paper and the descriptions of the authors' code:

- encoder: VGG16-BN conv3x3(+bias)-BN-ReLU blocks, stages of w, 2w, 4w, 8w, 8w
  channels, each followed by a 2x2 max-pool (SegNet keeps its indices) or the
  DWT (the low band goes on, the three detail bands are stored);
- SegNet decoder: the mirrored stages, first max-unpool (or the IDWT of the
  decoder features with the stored details), then convs that end a stage on
  the channels of the next-shallower encoder stage (8w,8w,8w | 8w,8w,4w |
  4w,4w,2w | 2w,w | w,w), then a 1x1 conv to the classes;
- U-Net decoder: the same stages, but the up-sampling is a 2x2 stride-2
  transposed conv (vanilla) or the IDWT with the stored details (wavelet),
  and its output is concatenated with the encoder's pre-pool feature map,
  so each stage's first conv takes twice the channels;
- DeepLabv3+: ResNet-101 (torchvision layout, layer4 dilated for output stride
  16), ASPP (1x1, three 3x3 at rates 6/12/18, image pooling; 256 channels each,
  1x1 projection of 1280 to 256, dropout 0.5); vanilla decoder: 1x1 conv of
  layer1 to 48 channels, concatenation with the ASPP output up-sampled x4,
  conv3x3 304->256, conv3x3 256->256, 1x1 to classes; wavelet decoder: the
  detail bands of the DWT of layer2 (512 channels, each reduced to 256 by its
  own 1x1 conv) and of layer1 (256 channels) are put back by two IDWTs around
  a conv3x3 256->256, then conv3x3, conv3x3 and the 1x1 classifier.
  The authors' wavelet decoder also constructs the vanilla 1x1 conv + BN of
  the low-level branch without using it (12,384 parameters); counts below are
  of the parameters that take part in the forward pass, and that figure is
  written beside them.

Writes test/fixtures/wavesnet.json: trainable parameter counts at full width
and 21 classes, and two forward fixtures at width 2 (SegNet vanilla, U-Net
Haar; input 1x32x32x3, 5 classes, eval mode with random BN statistics): the
weights by layer name, the input and the output (NHWC).

Run: /usr/bin/python3 scripts/gen_wavesnet_fixtures.py
"""
import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
VGG_D = [1, 1, 'M', 2, 2, 'M', 4, 4, 4, 'M', 8, 8, 8, 'M', 8, 8, 8, 'M']


def haar_dwt(x):
    a, b = x[..., 0::2, 0::2], x[..., 0::2, 1::2]
    c, d = x[..., 1::2, 0::2], x[..., 1::2, 1::2]
    # pywt dwt2 naming: cH high along H, cV high along W
    return (a + b + c + d) / 2, ((c + d) - (a + b)) / 2, ((b + d) - (a + c)) / 2, (a - b - c + d) / 2


def haar_idwt(ll, ch, cv, cd):
    a = (ll - ch - cv + cd) / 2
    b = (ll - ch + cv - cd) / 2
    c = (ll + ch - cv - cd) / 2
    d = (ll + ch + cv + cd) / 2
    n, k, h, w = ll.shape
    out = ll.new_zeros(n, k, 2 * h, 2 * w)
    out[..., 0::2, 0::2], out[..., 0::2, 1::2], out[..., 1::2, 0::2], out[..., 1::2, 1::2] = a, b, c, d
    return out


class ConvBnRelu(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


def stages(width):
    """Encoder stages: lists of conv output channels."""
    out, cur = [], []
    for v in VGG_D:
        if v == 'M':
            out.append(cur)
            cur = []
        else:
            cur.append(v * width)
    return out


class VggEncoderDecoder(nn.Module):
    def __init__(self, kind, width, classes, wavelet, in_channels=3):
        super().__init__()
        self.kind, self.wavelet = kind, wavelet
        enc = stages(width)
        self.enc = nn.ModuleDict()
        cin = in_channels
        for s, chans in enumerate(enc, 1):
            for i, c in enumerate(chans, 1):
                self.enc[f'enc{s}_{i}'] = ConvBnRelu(cin, c)
                cin = c
        self.dec = nn.ModuleDict()
        self.up = nn.ModuleDict()
        for s in range(5, 0, -1):
            chans = enc[s - 1]
            nxt = enc[s - 2][-1] if s > 1 else width
            outs = chans[1:] + [nxt]  # mirrored: all but the last conv keep the stage width
            c = chans[-1]
            if kind == 'unet' and wavelet is None:
                self.up[f'up{s}'] = nn.ConvTranspose2d(c, c, 2, stride=2)
            cin = 2 * c if kind == 'unet' else c
            for i, o in enumerate(outs, 1):
                self.dec[f'dec{s}_{i}'] = ConvBnRelu(cin, o)
                cin = o
        self.classifier = nn.Conv2d(width, classes, 1)

    def forward(self, x):
        enc = stages(1)
        stored = []
        for s, chans in enumerate(enc, 1):
            for i in range(1, len(chans) + 1):
                x = self.enc[f'enc{s}_{i}'](x)
            if self.wavelet:
                ll, ch, cv, cd = haar_dwt(x)
                stored.append((x, (ch, cv, cd)))
                x = ll
            else:
                pre = x
                x, idx = F.max_pool2d(x, 2, 2, return_indices=True)
                stored.append((pre, idx))
        for s in range(5, 0, -1):
            pre, keep = stored[s - 1]
            if self.kind == 'segnet':
                x = haar_idwt(x, *keep) if self.wavelet else F.max_unpool2d(x, keep, 2, 2, output_size=pre.shape[-2:])
            else:
                x = haar_idwt(x, *keep) if self.wavelet else self.up[f'up{s}'](x)
                x = torch.cat([x, pre], 1)
            for i in range(1, len(enc[s - 1]) + 1):
                x = self.dec[f'dec{s}_{i}'](x)
        return self.classifier(x)


def conv_bn(cin, cout, k, dilation=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, padding=dilation * (k // 2), dilation=dilation, bias=False), nn.BatchNorm2d(cout), nn.ReLU())


class Bottleneck(nn.Module):
    """torchvision's ResNet v1.5 bottleneck (stride on the 3x3 conv)."""

    def __init__(self, cin, planes, stride, dilation):
        super().__init__()
        self.c1, self.c2 = conv_bn(cin, planes, 1), conv_bn(planes, planes, 3, dilation)
        self.c2[0].stride = (stride, stride)
        self.c3 = nn.Sequential(nn.Conv2d(planes, 4 * planes, 1, bias=False), nn.BatchNorm2d(4 * planes))
        self.down = None if stride == 1 and cin == 4 * planes else nn.Sequential(nn.Conv2d(cin, 4 * planes, 1, stride=stride, bias=False), nn.BatchNorm2d(4 * planes))


def resnet_layers(depth):
    blocks = {50: [3, 4, 6, 3], 101: [3, 4, 23, 3]}[depth]
    layers, cin = [], 64
    for i, (n, planes) in enumerate(zip(blocks, [64, 128, 256, 512])):
        stride, dilation = (1, 1) if i == 0 else ((1, 2) if i == 3 else (2, 1))  # output stride 16: layer4 dilated
        layer = []
        for b in range(n):
            layer.append(Bottleneck(cin, planes, stride if b == 0 else 1, dilation))
            cin = 4 * planes
        layers.append(nn.Sequential(*layer))
    return layers


class DeepLabV3Plus(nn.Module):
    def __init__(self, classes, wavelet, depth=101):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1))
        self.layer1, self.layer2, self.layer3, self.layer4 = resnet_layers(depth)
        self.aspp = nn.ModuleList([conv_bn(2048, 256, 1)] + [conv_bn(2048, 256, 3, r) for r in (6, 12, 18)])
        self.pool = conv_bn(2048, 256, 1)
        self.project = conv_bn(1280, 256, 1)
        self.wavelet = wavelet
        if wavelet:
            self.reduce = nn.ModuleList([nn.Conv2d(512, 256, 1, bias=False) for _ in range(3)])
            self.mid = conv_bn(256, 256, 3)
            self.head = nn.Sequential(conv_bn(256, 256, 3), nn.Dropout(0.5), conv_bn(256, 256, 3), nn.Dropout(0.1), nn.Conv2d(256, classes, 1))
        else:
            self.low = conv_bn(256, 48, 1)
            self.head = nn.Sequential(conv_bn(304, 256, 3), nn.Dropout(0.5), conv_bn(256, 256, 3), nn.Dropout(0.1), nn.Conv2d(256, classes, 1))


def count(net):
    return sum(p.numel() for p in net.parameters() if p.requires_grad)


counts = {
    'segnet': count(VggEncoderDecoder('segnet', 64, 21, None)),
    'segnet-haar': count(VggEncoderDecoder('segnet', 64, 21, 'haar')),
    'unet': count(VggEncoderDecoder('unet', 64, 21, None)),
    'unet-haar': count(VggEncoderDecoder('unet', 64, 21, 'haar')),
    'unet-width16': count(VggEncoderDecoder('unet', 16, 21, None)),
    'deeplabv3plus-resnet101': count(DeepLabV3Plus(21, False)),
    'deeplabv3plus-resnet101-haar': count(DeepLabV3Plus(21, True)),
    'deeplabv3plus-resnet50': count(DeepLabV3Plus(21, False, 50)),
}
UNUSED_REFERENCE_LOW_LEVEL = 256 * 48 + 2 * 48


def layers_of(net):
    """Weights by wavecv layer name (NCHW/OIHW layouts; the test transposes)."""
    out = {}
    for name, m in net.named_modules():
        key = name.split('.')[-1]
        if isinstance(m, ConvBnRelu):
            out[f'{key}_conv'] = {'kernel': m.conv.weight.detach().tolist(), 'bias': m.conv.bias.detach().tolist()}
            out[f'{key}_bn'] = {'gamma': m.bn.weight.detach().tolist(), 'beta': m.bn.bias.detach().tolist(),
                                'mean': m.bn.running_mean.tolist(), 'variance': m.bn.running_var.tolist()}
        elif isinstance(m, nn.ConvTranspose2d):
            out[key] = {'kernel': m.weight.detach().tolist(), 'bias': m.bias.detach().tolist()}
    out['classifier'] = {'kernel': net.classifier.weight.detach().tolist(), 'bias': net.classifier.bias.detach().tolist()}
    return out


def rounded(v):
    if isinstance(v, dict):
        return {k: rounded(x) for k, x in v.items()}
    if isinstance(v, list):
        return [rounded(x) for x in v]
    return float(f'{v:.6g}')


forward = {}
for kind, wavelet in [('segnet', None), ('unet', 'haar')]:
    net = VggEncoderDecoder(kind, 2, 5, wavelet)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 1.5)
    net.eval()
    x = torch.rand(1, 3, 32, 32)
    x[:, :, 8:12, 8:12] = 0.5  # flat patches: tied maxima inside pooling windows
    with torch.no_grad():
        y = net(x)
    forward[f'{kind}-{wavelet or "vanilla"}'] = {
        'kind': kind, 'wavelet': wavelet, 'width': 2, 'classes': 5,
        'input': rounded(x.permute(0, 2, 3, 1).flatten().tolist()),
        'output': rounded(y.permute(0, 2, 3, 1).flatten().tolist()),
        'layers': rounded(layers_of(net)),
    }

path = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'wavesnet.json')
with open(path, 'w') as f:
    json.dump({'torch': torch.__version__, 'trainableParameters': counts, 'unusedReferenceLowLevelParameters': UNUSED_REFERENCE_LOW_LEVEL, 'forward': forward}, f)
print(path, os.path.getsize(path), counts)
