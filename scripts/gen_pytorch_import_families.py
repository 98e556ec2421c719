#!/usr/bin/env python3
"""PyTorch checkpoints of the registry families that
scripts/gen_pytorch_import_fixtures.py does not cover, with the module names
of the PyTorch code each family is read from (src/interop/pytorch-names.ts),
random weights and BN statistics (that script's `randomise`), eval mode, one
input (NHWC / NDHWC) and PyTorch's output. Written to
test/fixtures/pytorch-import/ with their cases in ``families.json``:

* ``cnn28_haar.pth`` -- wavecv's cnn28 (Haar LL in the pools' places),
  width 4, 28x28x1, 10 classes: ``block1_1.conv``, ``block1_1.bn``, ``fc``.
* ``mobilefacenet.pth`` -- MobileFaceNet with InsightFace_Pytorch's (TreB1eN
  ``model.py``) module tree: Conv_block (conv, bn, prelu), Linear_block
  (conv, bn), Depth_Wise (conv, conv_dw, project), Residual (model), the
  rows conv_23 / conv_3 / conv_34 / conv_4 / conv_45 / conv_5, conv_6_sep,
  conv_6_dw, linear (nn.Linear) and bn (BatchNorm1d); every channel count
  x 1/16, 8-d embedding, 32x32 input; saved as ``{'state_dict': ...}``.
* ``deeplabv3plus_r50.pth`` / ``deeplabv3plus_r50_haar.pth`` -- DeepLabv3+
  on ResNet-50 (width 2, 3 classes, 32x32), vanilla and WaveSNet's wavelet
  decoder, with the WaveSNet reference code's names (``backbone.layer1.0
  .conv1``, ``aspp.aspp2.atrous_conv``, ``aspp.global_avg_pool.1``,
  ``decoder.last_conv.8``; ``decoder.conv_hl3``, ``decoder.last_conv_0``,
  ``decoder.last_conv_1``, and the vanilla ``decoder.conv1``/``bn1`` that the
  wavelet decoder holds without using). The architecture is wavecv's
  (src/models/wavesnet/deeplab.ts: layer4 dilations (1, 2, 2), bilinear
  up-sampling with align_corners=False), so that the outputs must agree.
* ``waveunet3d_v4.pth`` / ``waveunet3d_unet_v1.pth`` -- the 3-D WaveUNet
  (scripts/waveunet3d_reference.py, its fixed Haar kernels saved as buffers
  ``downsampling_<l>.k`` / ``upsampling_<l>.k``), width 2, 16^3 cube.
* ``vxm_unet_2d.pth`` -- VoxelMorph's VxmDense without integration
  (``unet_model.encoder.<i>.0.main``, ``unet_model.decoder.<i>.0.main``,
  ``unet_model.remaining.<i>.main``, ``flow``), 2-D, 16x16.

``--vit DIR`` writes timm's VisionTransformer (``patch_embed.proj``,
``cls_token``, ``pos_embed``, ``blocks.<i>.attn.qkv``, ``blocks.<i>.mlp.fc1``,
``norm``, ``head``) at ViT-Ti width (192, 12 blocks, 3 heads; 22 MB, too
large to commit), 32x32 input with 16x16 patches, 10 classes, and its case
to DIR/cases.json, for the test that runs this script at test time.

Run: /usr/bin/python3 scripts/gen_pytorch_import_families.py
"""
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_pytorch_import_fixtures import OUT, b64, randomise, run  # noqa: E402
from wavesnet_reference import haar_dwt, haar_idwt  # noqa: E402
from waveunet3d_reference import WaveUNet3D  # noqa: E402

torch.set_default_dtype(torch.float32)


def conv_bn(cin, cout, k=3, stride=1, dilation=1):
    return nn.Conv2d(cin, cout, k, stride, dilation * (k // 2), dilation=dilation, bias=False), nn.BatchNorm2d(cout)


class ConvBn(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv, self.bn = conv_bn(cin, cout)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


class Cnn28(nn.Module):
    """wavecv's cnn28 with the Haar low band as its down-sampling."""

    def __init__(self, width, classes):
        super().__init__()
        w = width
        self.block1_1, self.block1_2 = ConvBn(1, w), ConvBn(w, w)
        self.block2_1, self.block2_2 = ConvBn(w, 2 * w), ConvBn(2 * w, 2 * w)
        self.block3_1 = ConvBn(2 * w, 4 * w)
        self.fc = nn.Linear(4 * w, classes)

    def forward(self, x):
        x = haar_dwt(self.block1_2(self.block1_1(x)))[0]
        x = haar_dwt(self.block2_2(self.block2_1(x)))[0]
        return self.fc(self.block3_1(x).mean((2, 3)))


class ConvBlock(nn.Module):
    """InsightFace_Pytorch's Conv_block (conv, bn, prelu) and, with prelu=False, its Linear_block."""

    def __init__(self, cin, cout, k=1, stride=1, groups=1, prelu=True):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False)
        self.bn = nn.BatchNorm2d(cout)
        if prelu:
            self.prelu = nn.PReLU(cout)

    def forward(self, x):
        x = self.bn(self.conv(x))
        return self.prelu(x) if hasattr(self, 'prelu') else x


class DepthWise(nn.Module):
    """InsightFace_Pytorch's Depth_Wise: 1x1 expand (conv), depthwise 3x3 (conv_dw), 1x1 linear projection (project)."""

    def __init__(self, cin, cout, hidden, stride, residual):
        super().__init__()
        self.conv = ConvBlock(cin, hidden)
        self.conv_dw = ConvBlock(hidden, hidden, 3, stride, groups=hidden)
        self.project = ConvBlock(hidden, cout, prelu=False)
        self.residual = residual

    def forward(self, x):
        y = self.project(self.conv_dw(self.conv(x)))
        return x + y if self.residual else y


class Residual(nn.Module):
    def __init__(self, c, hidden, n):
        super().__init__()
        self.model = nn.Sequential(*[DepthWise(c, c, hidden, 1, True) for _ in range(n)])

    def forward(self, x):
        return self.model(x)


class MobileFaceNet(nn.Module):
    """InsightFace_Pytorch's MobileFaceNet (the paper's Table 1) with every channel count scaled by `width`."""

    def __init__(self, size, emb, width):
        super().__init__()
        ch = lambda c: max(1, int(round(c * width)))  # noqa: E731
        c64, c128, c512 = ch(64), ch(128), ch(512)
        self.conv1 = ConvBlock(3, c64, 3, 2)
        self.conv2_dw = ConvBlock(c64, c64, 3, 1, groups=c64)
        self.conv_23 = DepthWise(c64, c64, 2 * c64, 2, False)
        self.conv_3 = Residual(c64, 2 * c64, 4)
        self.conv_34 = DepthWise(c64, c128, 4 * c64, 2, False)
        self.conv_4 = Residual(c128, 2 * c128, 6)
        self.conv_45 = DepthWise(c128, c128, 4 * c128, 2, False)
        self.conv_5 = Residual(c128, 2 * c128, 2)
        self.conv_6_sep = ConvBlock(c128, c512)
        spatial = size // 16
        self.conv_6_dw = nn.Module()
        self.conv_6_dw.conv = nn.Conv2d(c512, c512, spatial, groups=c512, bias=False)
        self.conv_6_dw.bn = nn.BatchNorm2d(c512)
        self.linear = nn.Linear(c512, emb, bias=False)
        self.bn = nn.BatchNorm1d(emb)

    def forward(self, x):
        for name in ('conv1', 'conv2_dw', 'conv_23', 'conv_3', 'conv_34', 'conv_4', 'conv_45', 'conv_5', 'conv_6_sep'):
            x = getattr(self, name)(x)
        x = self.conv_6_dw.bn(self.conv_6_dw.conv(x))
        return self.bn(self.linear(torch.flatten(x, 1)))


class Bottleneck(nn.Module):
    """torchvision's ResNet v1.5 bottleneck with its names (conv1..3, bn1..3, downsample)."""

    def __init__(self, cin, planes, stride, dilation):
        super().__init__()
        self.conv1, self.bn1 = conv_bn(cin, planes, 1)
        self.conv2, self.bn2 = conv_bn(planes, planes, 3, stride, dilation)
        self.conv3, self.bn3 = conv_bn(planes, 4 * planes, 1)
        if stride != 1 or cin != 4 * planes:
            self.downsample = nn.Sequential(*conv_bn(cin, 4 * planes, 1, stride))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = F.relu(self.bn2(self.conv2(y)))
        y = self.bn3(self.conv3(y))
        return F.relu(y + (self.downsample(x) if hasattr(self, 'downsample') else x))


class Backbone(nn.Module):
    """ResNet-50 at output stride 16 as wavecv builds it: layer4 not strided, its blocks dilated (1, 2, 2)."""

    def __init__(self, width):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(3, width, 7, 2, 3, bias=False), nn.BatchNorm2d(width)
        cin = width
        for i, n in enumerate([3, 4, 6, 3]):
            planes = width * 2 ** i
            blocks = []
            for b in range(n):
                stride = 2 if i in (1, 2) and b == 0 else 1
                dilation = 2 if i == 3 and b > 0 else 1
                blocks.append(Bottleneck(cin, planes, stride, dilation))
                cin = 4 * planes
            setattr(self, f'layer{i + 1}', nn.Sequential(*blocks))

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 3, 2, 1)
        layer1 = self.layer1(x)
        layer2 = self.layer2(layer1)
        return self.layer4(self.layer3(layer2)), layer1, layer2


class AsppBranch(nn.Module):
    def __init__(self, cin, cout, k, rate):
        super().__init__()
        self.atrous_conv, self.bn = conv_bn(cin, cout, k, dilation=rate)

    def forward(self, x):
        return F.relu(self.bn(self.atrous_conv(x)))


class Aspp(nn.Module):
    def __init__(self, cin, head):
        super().__init__()
        self.aspp1 = AsppBranch(cin, head, 1, 1)
        self.aspp2, self.aspp3, self.aspp4 = (AsppBranch(cin, head, 3, r) for r in (6, 12, 18))
        self.global_avg_pool = nn.Sequential(nn.AdaptiveAvgPool2d(1), *conv_bn(cin, head, 1), nn.ReLU())
        self.conv1, self.bn1 = conv_bn(5 * head, head, 1)

    def forward(self, x):
        pooled = self.global_avg_pool(x).expand(-1, -1, x.shape[2], x.shape[3])
        x = torch.cat([self.aspp1(x), self.aspp2(x), self.aspp3(x), self.aspp4(x), pooled], 1)
        return F.relu(self.bn1(self.conv1(x)))


def head_convs(cin, head, classes):
    """The decoder's last convs: [conv3x3, BN, ReLU, Dropout] x 2, conv1x1 (indices 0, 1, 4, 5, 8)."""
    a, b = conv_bn(cin, head), conv_bn(head, head)
    return nn.Sequential(a[0], a[1], nn.ReLU(), nn.Dropout(0.5), b[0], b[1], nn.ReLU(), nn.Dropout(0.1), nn.Conv2d(head, classes, 1))


class Decoder(nn.Module):
    def __init__(self, width, classes, wavelet):
        super().__init__()
        head, low = 4 * width, round(3 * width / 4)
        self.wavelet = wavelet
        # WaveSNet's wavelet decoder builds these too and never uses them.
        self.conv1, self.bn1 = conv_bn(4 * width, low, 1)
        if wavelet:
            self.conv_lh3, self.conv_hl3, self.conv_hh3 = (nn.Conv2d(8 * width, head, 1, bias=False) for _ in range(3))
            self.last_conv_0 = nn.Sequential(*conv_bn(head, head), nn.ReLU())
            self.last_conv_1 = head_convs(head, head, classes)
        else:
            self.last_conv = head_convs(head + low, head, classes)

    def forward(self, x, layer1, layer2):
        if self.wavelet:
            _, ch2, cv2, cd2 = haar_dwt(layer2)
            _, ch1, cv1, cd1 = haar_dwt(layer1)
            # pywt's cH (high along the height) is WaveSNet's HL, cV its LH.
            x = self.last_conv_0(haar_idwt(x, self.conv_hl3(ch2), self.conv_lh3(cv2), self.conv_hh3(cd2)))
            return self.last_conv_1(haar_idwt(x, ch1, cv1, cd1))
        low = F.relu(self.bn1(self.conv1(layer1)))
        x = F.interpolate(x, size=low.shape[2:], mode='bilinear', align_corners=False)
        return self.last_conv(torch.cat([x, low], 1))


class DeepLab(nn.Module):
    def __init__(self, width, classes, wavelet):
        super().__init__()
        self.backbone = Backbone(width)
        self.aspp = Aspp(32 * width, 4 * width)
        self.decoder = Decoder(width, classes, wavelet)

    def forward(self, x):
        top, layer1, layer2 = self.backbone(x)
        y = self.decoder(self.aspp(top), layer1, layer2)
        return F.interpolate(y, size=x.shape[2:], mode='bilinear', align_corners=False)


class VoxelMorphConv(nn.Module):
    """voxelmorph's ConvBlock: `main` (3^n conv, padding 1), LeakyReLU(0.2)."""

    def __init__(self, cin, cout):
        super().__init__()
        self.main = nn.Conv2d(cin, cout, 3, 1, 1)

    def forward(self, x):
        return F.leaky_relu(self.main(x), 0.2)


class VxmUnet(nn.Module):
    """voxelmorph's Unet with its default features (16, 32, 32, 32 | 32, 32, 32, 32 | 32, 16, 16) in 2-D."""

    def __init__(self):
        super().__init__()
        enc, dec, full = [16, 32, 32, 32], [32, 32, 32, 32], [32, 16, 16]
        self.encoder, self.decoder, self.remaining = nn.ModuleList(), nn.ModuleList(), nn.ModuleList()
        prev = 2
        for c in enc:
            self.encoder.append(nn.ModuleList([VoxelMorphConv(prev, c)]))
            prev = c
        for c, skip in zip(dec, reversed(enc)):
            self.decoder.append(nn.ModuleList([VoxelMorphConv(prev, c)]))
            prev = c + skip
        for c in full:
            self.remaining.append(VoxelMorphConv(prev, c))
            prev = c
        self.out_channels = prev

    def forward(self, x):
        history = []
        for level in self.encoder:
            x = level[0](x)
            history.append(x)
            x = F.max_pool2d(x, 2)
        for level in self.decoder:
            x = F.interpolate(level[0](x), scale_factor=2, mode='nearest')
            x = torch.cat([x, history.pop()], 1)
        for conv in self.remaining:
            x = conv(x)
        return x


class VxmDense(nn.Module):
    """voxelmorph's VxmDense with int_steps=0: the flow conv on the U-Net's features is the displacement."""

    def __init__(self):
        super().__init__()
        self.unet_model = VxmUnet()
        self.flow = nn.Conv2d(self.unet_model.out_channels, 2, 3, 1, 1)

    def forward(self, moving, fixed):
        return self.flow(self.unet_model(torch.cat([moving, fixed], 1)))


class TimmAttention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, n, c = x.shape
        q, k, v = self.qkv(x).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4).unbind(0)
        attn = ((q * (c // self.heads) ** -0.5) @ k.transpose(-2, -1)).softmax(-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(b, n, c))


class TimmMlp(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(dim, 4 * dim), nn.Linear(4 * dim, dim)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))


class TimmBlock(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.norm1, self.attn = nn.LayerNorm(dim, eps=1e-6), TimmAttention(dim, heads)
        self.norm2, self.mlp = nn.LayerNorm(dim, eps=1e-6), TimmMlp(dim)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class TimmVit(nn.Module):
    """timm's VisionTransformer module tree (class token, pre-norm blocks, LayerNorm eps 1e-6, head on the class token)."""

    def __init__(self, size, patch, dim, depth, heads, classes):
        super().__init__()
        self.patch_embed = nn.Module()
        self.patch_embed.proj = nn.Conv2d(3, dim, patch, patch)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, (size // patch) ** 2 + 1, dim))
        self.blocks = nn.Sequential(*[TimmBlock(dim, heads) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.head = nn.Linear(dim, classes)

    def forward(self, x):
        x = self.patch_embed.proj(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], 1) + self.pos_embed
        return self.head(self.norm(self.blocks(x))[:, 0])


def vit_case(out_dir, gen):
    model = TimmVit(32, 16, 192, 12, 3, 10)
    model.cls_token.data = torch.randn(model.cls_token.shape, generator=gen) * 0.1
    model.pos_embed.data = torch.randn(model.pos_embed.shape, generator=gen) * 0.1
    case = run(model, 32, 3, gen)
    torch.save(model.state_dict(), os.path.join(out_dir, 'vit_tiny.pth'))
    return {'file': 'vit_tiny.pth', 'model': 'vit-tiny', 'options': {'inputSize': 32, 'patchSize': 16, 'numClasses': 10}, **case}


def waveunet3d_case(variant, file, gen):
    model = WaveUNet3D(variant, 2)
    randomise(model, gen)
    model.eval()
    x = torch.rand(1, 1, 16, 16, 16, generator=gen)
    with torch.no_grad():
        y = model(x)
    torch.save(model.state_dict(), os.path.join(OUT, file))
    return {'file': file, 'model': 'waveunet3d', 'options': {'variant': variant, 'width': 2, 'cube': [16, 16, 16]},
            'input': b64(x.numpy().transpose(0, 2, 3, 4, 1)), 'output': b64(y.numpy().transpose(0, 2, 3, 4, 1))}


def main():
    if len(sys.argv) == 3 and sys.argv[1] == '--vit':
        cases = [vit_case(sys.argv[2], torch.Generator().manual_seed(16))]
        with open(os.path.join(sys.argv[2], 'cases.json'), 'w') as f:
            json.dump({'cases': cases}, f)
        return
    gen = torch.Generator().manual_seed(2027)
    cases = []

    model = Cnn28(4, 10)
    case = run(model, 28, 1, gen)
    torch.save(model.state_dict(), os.path.join(OUT, 'cnn28_haar.pth'))
    cases.append({'file': 'cnn28_haar.pth', 'model': 'cnn28', 'options': {'wavelet': 'haar', 'width': 4}, **case})

    model = MobileFaceNet(32, 8, 1 / 16)
    case = run(model, 32, 3, gen)
    torch.save({'state_dict': model.state_dict()}, os.path.join(OUT, 'mobilefacenet.pth'))
    cases.append({'file': 'mobilefacenet.pth', 'model': 'mobilefacenet', 'options': {'inputSize': 32, 'width': 0.0625, 'embeddingSize': 8}, **case})

    for wavelet, file in ((False, 'deeplabv3plus_r50.pth'), (True, 'deeplabv3plus_r50_haar.pth')):
        model = DeepLab(2, 3, wavelet)
        case = run(model, 32, 3, gen)
        torch.save(model.state_dict(), os.path.join(OUT, file))
        options = {'backbone': 'resnet50', 'width': 2, 'numClasses': 3, 'inputSize': 32}
        if wavelet:
            options['wavelet'] = 'haar'
        cases.append({'file': file, 'model': 'deeplabv3plus', 'options': options, **case})

    cases.append(waveunet3d_case('wavesnet-v4', 'waveunet3d_v4.pth', gen))
    cases.append(waveunet3d_case('unet-v1', 'waveunet3d_unet_v1.pth', gen))

    model = VxmDense()
    randomise(model, gen)
    model.eval()
    moving, fixed = torch.rand(1, 1, 16, 16, generator=gen), torch.rand(1, 1, 16, 16, generator=gen)
    with torch.no_grad():
        field = model(moving, fixed)
    torch.save(model.state_dict(), os.path.join(OUT, 'vxm_unet_2d.pth'))
    cases.append({'file': 'vxm_unet_2d.pth', 'model': 'vxm-unet', 'options': {'dims': 2, 'size': [16, 16]},
                  'inputs': [b64(moving.numpy().transpose(0, 2, 3, 1)), b64(fixed.numpy().transpose(0, 2, 3, 1))],
                  'output': b64(field.numpy().transpose(0, 2, 3, 1))})

    with open(os.path.join(OUT, 'families.json'), 'w') as f:
        json.dump({'generator': 'scripts/gen_pytorch_import_families.py', 'torch': torch.__version__, 'cases': cases}, f)


if __name__ == '__main__':
    main()
