#!/usr/bin/env python3
"""Reference fixtures for the face backbones and face data readers.

Writes, under test/fixtures/faces/:

* ``umeyama.json`` -- noisy 5-point sets and the least-squares similarity
  transform onto the ArcFace template by Umeyama's SVD method (NumPy).
* ``backbones.json`` -- small IResNet (insightface style), LResNet-E-IR (SZU
  style, 2x2 stride-2 down-sampling, conv head) and MobileFaceNet networks
  written here in PyTorch 1.13 from the papers / reference descriptions
  (see src/models/face/*.ts), with random weights and BN statistics, in eval
  mode: their weights in TF.js layouts (keyed by the TF.js layer names) plus
  one input and the PyTorch output.  The TypeScript test loads the weights into
  the TF.js models and compares the outputs.
* ``tiny.bin`` (Python-3 protocol-4 pickle), ``tiny_py2.bin`` (the Python-2
  ``cPickle`` protocol-2 form with BINSTRING opcodes, assembled by hand and
  checked with ``pickle.loads(..., encoding='bytes')``) and ``tiny_p2.bin``
  (Python-3 protocol 2, where bytes go through ``_codecs.encode``): insightface
  verification files ``(list of JPEG bytes, issame list)`` of four 12x10
  synthetic JPEGs made with Pillow, and ``tiny_bin.json`` with the decoded
  pixels (Pillow's decoder) and the issame list.

Run: /usr/bin/python3 scripts/gen_face_fixtures.py
"""
import base64
import io
import json
import os
import pickle
import struct

import numpy as np
import torch
import torch.nn as nn
from PIL import Image

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'faces')
EPS = 1e-5


def b64(array):
    a = np.ascontiguousarray(np.asarray(array, dtype=np.float32))
    return {'shape': list(a.shape), 'b64': base64.b64encode(a.tobytes()).decode('ascii')}


def bn(c):
    return nn.BatchNorm2d(c, eps=EPS)


class IRBlock(nn.Module):
    """BN -> conv3x3 -> BN -> PReLU -> conv(stride) -> BN, plus the shortcut."""

    def __init__(self, cin, c, stride, style):
        super().__init__()
        self.bn_in = bn(cin)
        self.conv1 = nn.Conv2d(cin, c, 3, 1, 1, bias=False)
        self.bn_mid = bn(c)
        self.prelu = nn.PReLU(c)
        if stride == 2 and style == 'lresnet-eir':
            self.conv2 = nn.Conv2d(c, c, 2, 2, 0, bias=False)
        else:
            self.conv2 = nn.Conv2d(c, c, 3, stride, 1, bias=False)
        self.bn_out = bn(c)
        self.down = None
        if stride != 1 or cin != c:
            k, p = (2, 0) if style == 'lresnet-eir' else (1, 0)
            self.down = nn.Sequential(nn.Conv2d(cin, c, k, stride, p, bias=False), bn(c))

    def forward(self, x):
        y = self.bn_out(self.conv2(self.prelu(self.bn_mid(self.conv1(self.bn_in(x))))))
        return y + (x if self.down is None else self.down(x))


class IResNetRef(nn.Module):
    def __init__(self, blocks, widths, size, cin, emb, style):
        super().__init__()
        self.style = style
        self.conv1 = nn.Conv2d(cin, widths[0], 3, 1, 1, bias=False)
        self.bn1 = bn(widths[0])
        self.prelu = nn.PReLU(widths[0])
        layers = []
        inp = widths[0]
        for s, (n, w) in enumerate(zip(blocks, widths)):
            stage = []
            for b in range(n):
                stage.append(IRBlock(inp, w, 2 if b == 0 else 1, style))
                inp = w
            layers.append(nn.Sequential(*stage))
        self.layers = nn.ModuleList(layers)
        for _ in blocks:
            size = (size - 2) // 2 + 1 if style == 'lresnet-eir' else (size + 2 - 3) // 2 + 1
        self.size = size
        self.bn_head = bn(inp)
        if style == 'lresnet-eir':
            self.fc = nn.Conv2d(inp, emb, size, bias=False)
        else:
            self.fc = nn.Linear(inp * size * size, emb)
        self.features = nn.BatchNorm1d(emb, eps=EPS)

    def forward(self, x):
        x = self.prelu(self.bn1(self.conv1(x)))
        for layer in self.layers:
            x = layer(x)
        x = self.bn_head(x)
        x = self.fc(x) if self.style == 'lresnet-eir' else self.fc(torch.flatten(x, 1))
        return self.features(torch.flatten(x, 1))


BOTTLENECKS = [(2, 64, 5, 2), (4, 128, 1, 2), (2, 128, 6, 1), (4, 128, 1, 2), (2, 128, 2, 1)]


class Bottleneck(nn.Module):
    def __init__(self, cin, cout, t, stride):
        super().__init__()
        h = cin * t
        self.expand = nn.Conv2d(cin, h, 1, bias=False)
        self.expand_bn = bn(h)
        self.expand_prelu = nn.PReLU(h)
        self.dw = nn.Conv2d(h, h, 3, stride, 1, groups=h, bias=False)
        self.dw_bn = bn(h)
        self.dw_prelu = nn.PReLU(h)
        self.project = nn.Conv2d(h, cout, 1, bias=False)
        self.project_bn = bn(cout)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        y = self.expand_prelu(self.expand_bn(self.expand(x)))
        y = self.dw_prelu(self.dw_bn(self.dw(y)))
        y = self.project_bn(self.project(y))
        return y + x if self.residual else y


class MobileFaceNetRef(nn.Module):
    def __init__(self, size, cin, emb, width):
        super().__init__()
        ch = lambda c: max(1, int(round(c * width)))  # noqa: E731
        self.conv1 = nn.Conv2d(cin, ch(64), 3, 2, 1, bias=False)
        self.conv1_bn = bn(ch(64))
        self.conv1_prelu = nn.PReLU(ch(64))
        self.conv2_dw = nn.Conv2d(ch(64), ch(64), 3, 1, 1, groups=ch(64), bias=False)
        self.conv2_dw_bn = bn(ch(64))
        self.stage1 = nn.PReLU(ch(64))
        blocks = []
        c = ch(64)
        for t, cout, n, s in BOTTLENECKS:
            for i in range(n):
                blocks.append(Bottleneck(c, ch(cout), t, s if i == 0 else 1))
                c = ch(cout)
        self.blocks = nn.ModuleList(blocks)
        self.conv3 = nn.Conv2d(c, ch(512), 1, bias=False)
        self.conv3_bn = bn(ch(512))
        self.stage4 = nn.PReLU(ch(512))
        spatial = size
        for _ in range(4):
            spatial = (spatial + 2 - 3) // 2 + 1
        self.gdconv = nn.Conv2d(ch(512), ch(512), spatial, groups=ch(512), bias=False)
        self.gdconv_bn = bn(ch(512))
        self.linear = nn.Conv2d(ch(512), emb, 1, bias=False)
        self.linear_bn = bn(emb)

    def forward(self, x):
        x = self.conv1_prelu(self.conv1_bn(self.conv1(x)))
        x = self.stage1(self.conv2_dw_bn(self.conv2_dw(x)))
        for b in self.blocks:
            x = b(x)
        x = self.stage4(self.conv3_bn(self.conv3(x)))
        x = self.linear_bn(self.linear(self.gdconv_bn(self.gdconv(x))))
        return torch.flatten(x, 1)


def randomise(model, gen, frozen=()):
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            fan_in = m.weight[0].numel()
            m.weight.data = torch.randn(m.weight.shape, generator=gen) / fan_in ** 0.5
            if m.bias is not None:
                m.bias.data = torch.randn(m.bias.shape, generator=gen) * 0.1
        elif isinstance(m, (nn.BatchNorm2d, nn.BatchNorm1d)):
            c = m.num_features
            if m not in frozen:
                m.weight.data = 0.5 + torch.rand(c, generator=gen)
            m.bias.data = torch.randn(c, generator=gen) * 0.1
            m.running_mean = torch.randn(c, generator=gen) * 0.1
            m.running_var = 0.5 + torch.rand(c, generator=gen)
        elif isinstance(m, nn.PReLU):
            m.weight.data = 0.1 + 0.3 * torch.rand(m.weight.shape, generator=gen)


def conv_w(m):
    w = m.weight.detach().numpy()
    if m.groups > 1:  # depthwise [C, 1, kh, kw] -> [kh, kw, C, 1]
        return [b64(w.transpose(2, 3, 0, 1))]
    return [b64(w.transpose(2, 3, 1, 0))]


def bn_w(m):
    return [b64(m.weight.detach().numpy()), b64(m.bias.detach().numpy()), b64(m.running_mean.numpy()), b64(m.running_var.numpy())]


def prelu_w(m):
    return [b64(m.weight.detach().numpy().reshape(1, 1, -1))]


def export_iresnet(model, style):
    names = {'bn_in': 'bn0' if style == 'lresnet-eir' else 'bn1',
             'bn_mid': 'bn1' if style == 'lresnet-eir' else 'bn2',
             'bn_out': 'bn2' if style == 'lresnet-eir' else 'bn3'}
    w = {'conv1': conv_w(model.conv1), 'bn1': bn_w(model.bn1), 'prelu': prelu_w(model.prelu)}
    for s, layer in enumerate(model.layers):
        for b, blk in enumerate(layer):
            p = f'layer{s + 1}_{b}'
            w[f'{p}_{names["bn_in"]}'] = bn_w(blk.bn_in)
            w[f'{p}_conv1'] = conv_w(blk.conv1)
            w[f'{p}_{names["bn_mid"]}'] = bn_w(blk.bn_mid)
            w[f'{p}_prelu'] = prelu_w(blk.prelu)
            w[f'{p}_conv2'] = conv_w(blk.conv2)
            w[f'{p}_{names["bn_out"]}'] = bn_w(blk.bn_out)
            if blk.down is not None:
                w[f'{p}_downsample_0'] = conv_w(blk.down[0])
                w[f'{p}_downsample_1'] = bn_w(blk.down[1])
    if style == 'lresnet-eir':
        w['bn4'] = bn_w(model.bn_head)
        w['fc5'] = conv_w(model.fc)
        w['bn5'] = bn_w(model.features)
    else:
        w['bn2'] = bn_w(model.bn_head)
        c = model.bn_head.num_features
        s = model.size
        k = model.fc.weight.detach().numpy().reshape(-1, c, s, s).transpose(2, 3, 1, 0).reshape(s * s * c, -1)
        w['fc'] = [b64(k), b64(model.fc.bias.detach().numpy())]
        w['features'] = bn_w(model.features)
    return w


def export_mobilefacenet(model):
    w = {'conv1': conv_w(model.conv1), 'conv1_bn': bn_w(model.conv1_bn), 'conv1_prelu': prelu_w(model.conv1_prelu),
         'conv2_dw': conv_w(model.conv2_dw), 'conv2_dw_bn': bn_w(model.conv2_dw_bn), 'stage1': prelu_w(model.stage1)}
    i = 0
    for row, (_, _, n, _) in enumerate(BOTTLENECKS):
        for j in range(n):
            blk = model.blocks[i]
            i += 1
            p = f'bottleneck{row}_{j}'
            for part in ('expand', 'dw', 'project'):
                w[f'{p}_{part}'] = conv_w(getattr(blk, part))
                w[f'{p}_{part}_bn'] = bn_w(getattr(blk, f'{part}_bn'))
            w[f'{p}_expand_prelu'] = prelu_w(blk.expand_prelu)
            w[f'{p}_dw_prelu'] = prelu_w(blk.dw_prelu)
    w.update({'conv3': conv_w(model.conv3), 'conv3_bn': bn_w(model.conv3_bn), 'stage4': prelu_w(model.stage4),
              'gdconv': conv_w(model.gdconv), 'gdconv_bn': bn_w(model.gdconv_bn),
              'linear': conv_w(model.linear), 'linear_bn': bn_w(model.linear_bn)})
    return w


def backbones():
    gen = torch.Generator().manual_seed(2024)
    cases = []
    for style in ('insightface', 'lresnet-eir'):
        cfg = {'blocks': [2, 1, 1], 'widths': [8, 12, 16], 'inputSize': 24, 'inChannels': 3, 'embeddingSize': 10, 'style': style}
        model = IResNetRef(cfg['blocks'], cfg['widths'], cfg['inputSize'], 3, cfg['embeddingSize'], style)
        randomise(model, gen, frozen=(model.features,))
        model.eval()
        x = torch.randn(2, 3, cfg['inputSize'], cfg['inputSize'], generator=gen)
        with torch.no_grad():
            y = model(x)
        cases.append({'family': 'iresnet', 'config': cfg, 'input': b64(x.numpy().transpose(0, 2, 3, 1)),
                      'output': b64(y.numpy()), 'weights': export_iresnet(model, style)})
    cfg = {'inputSize': 32, 'inChannels': 3, 'embeddingSize': 8, 'width': 0.125}
    model = MobileFaceNetRef(32, 3, 8, 0.125)
    randomise(model, gen)
    model.eval()
    x = torch.randn(2, 3, 32, 32, generator=gen)
    with torch.no_grad():
        y = model(x)
    cases.append({'family': 'mobilefacenet', 'config': cfg, 'input': b64(x.numpy().transpose(0, 2, 3, 1)),
                  'output': b64(y.numpy()), 'weights': export_mobilefacenet(model)})
    with open(os.path.join(OUT, 'backbones.json'), 'w') as f:
        json.dump({'generator': 'scripts/gen_face_fixtures.py', 'torch': torch.__version__, 'cases': cases}, f)


def py2_pickle(bins, issame):
    """The bytes Python 2's cPickle.dump((bins, issame), f, protocol=2) writes:
    PROTO 2, EMPTY_LIST/BINPUT/MARK/BINSTRING.../APPENDS, the bool list, TUPLE2."""
    out = bytearray(b'\x80\x02')
    memo = 0

    def put():
        nonlocal memo
        out.extend(b'q' + bytes([memo]))
        memo += 1

    out.extend(b']')
    put()
    out.extend(b'(')
    for data in bins:
        if len(data) < 256:
            out.extend(b'U' + bytes([len(data)]) + data)
        else:
            out.extend(b'T' + struct.pack('<I', len(data)) + data)
        put()
    out.extend(b'e')
    out.extend(b']')
    put()
    out.extend(b'(')
    for same in issame:
        out.extend(b'\x88' if same else b'\x89')
    out.extend(b'e')
    out.extend(b'\x86')
    put()
    out.extend(b'.')
    return bytes(out)


def verification_bins():
    rng = np.random.default_rng(7)
    bins, pixels = [], []
    for i in range(4):
        yy, xx = np.mgrid[0:12, 0:10]
        img = np.stack([xx * 20 + i * 10, yy * 18, (xx + yy) * 9 + 40 * i], axis=-1)
        img = np.clip(img + rng.integers(0, 8, img.shape), 0, 255).astype(np.uint8)
        buf = io.BytesIO()
        Image.fromarray(img).save(buf, format='JPEG', quality=90)
        data = buf.getvalue()
        bins.append(data)
        pixels.append(np.asarray(Image.open(io.BytesIO(data)).convert('RGB')).reshape(-1).tolist())
    issame = [True, False]
    with open(os.path.join(OUT, 'tiny.bin'), 'wb') as f:
        pickle.dump((bins, issame), f, protocol=4)
    with open(os.path.join(OUT, 'tiny_p2.bin'), 'wb') as f:
        pickle.dump((bins, issame), f, protocol=2)
    legacy = py2_pickle(bins, issame)
    assert pickle.loads(legacy, encoding='bytes') == (bins, issame)
    with open(os.path.join(OUT, 'tiny_py2.bin'), 'wb') as f:
        f.write(legacy)
    with open(os.path.join(OUT, 'tiny_bin.json'), 'w') as f:
        json.dump({'width': 10, 'height': 12, 'issame': issame, 'pixels': pixels,
                   'jpegLengths': [len(b) for b in bins]}, f)


def umeyama(src, dst):
    """Umeyama (TPAMI 1991) Eqs. 40-42 with an SVD, without reflection: 2x3 matrix src -> dst."""
    n = src.shape[0]
    mu_s, mu_d = src.mean(0), dst.mean(0)
    sc, dc = src - mu_s, dst - mu_d
    cov = dc.T @ sc / n
    u, d, vt = np.linalg.svd(cov)
    s = np.eye(2)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        s[1, 1] = -1
    r = u @ s @ vt
    c = np.trace(np.diag(d) @ s) / (sc ** 2).sum(1).mean()
    t = mu_d - c * r @ mu_s
    return np.hstack([c * r, t[:, None]])


def alignment():
    rng = np.random.default_rng(11)
    template = np.array([[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366],
                         [41.5493, 92.3655], [70.7299, 92.2041]])
    cases = []
    for _ in range(4):
        angle, scale = rng.uniform(-0.6, 0.6), rng.uniform(0.5, 3.0)
        rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
        src = (template - 56) @ (scale * rot).T + rng.uniform(50, 400, 2) + rng.normal(0, 3, (5, 2))
        cases.append({'source': src.tolist(), 'target': template.tolist(), 'matrix': umeyama(src, template).tolist()})
    with open(os.path.join(OUT, 'umeyama.json'), 'w') as f:
        json.dump({'generator': 'scripts/gen_face_fixtures.py (numpy SVD Umeyama)', 'cases': cases}, f)


if __name__ == '__main__':
    os.makedirs(OUT, exist_ok=True)
    backbones()
    verification_bins()
    alignment()
    print('wrote', sorted(os.listdir(OUT)))
