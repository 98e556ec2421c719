"""The WaveSNet networks in PyTorch, written from the paper (Li & Shen,
"Wavelet-based segmentation network", 2020) and the description of the
authors' code, as the reference that wavecv's models are checked against
(scripts/gen_wavesnet_fixtures.py) and timed against (bench/segment_torch.py).
See gen_wavesnet_fixtures.py for the architectures in words. Haar only: the
DWT of 2x2 blocks with pywt's dwt2 band naming (cH high along H, cV high
along W).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

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
