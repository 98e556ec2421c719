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
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wavesnet_reference import ConvBnRelu, DeepLabV3Plus, VggEncoderDecoder  # noqa: E402

torch.manual_seed(0)


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
