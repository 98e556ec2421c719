"""Reference values of PyTorch 1.13 for the layer library src/nn/
(test/nn/*.test.ts), in float64, arrays channels-last (NHWC / NDHWC) and
flattened row-major; kernels in TF.js layouts (HWIO / DHWIO; transposed
convolutions HWOI / DHWOI):

- batchNorm3d: BatchNorm3d followed by ReLU in training mode (forward,
  backward of sum(y * dy), running statistics after the step with momentum
  0.1 and the unbiased variance) and in inference mode after that step.
- interpolate: F.interpolate(scale_factor=s, align_corners=False) nearest and
  bilinear (2-D, s = 2, 3) and trilinear (3-D, s = 2), forward and the input
  gradient of sum(y * w).
- conv3d: Conv3d(k=3, stride=2, padding=1) and MaxPool3d(3, stride=2,
  padding=1) of a non-negative volume (zero and -inf padding agree there).
- convTranspose: ConvTranspose2d / ConvTranspose3d (kernel 2, stride 2, bias).
- groupedConv: Conv2d / Conv3d with groups, padding and stride (bias),
  forward and the gradients of sum(y * w) for input, kernel and bias.
- instanceNorm: InstanceNorm2d / InstanceNorm3d (affine=False), forward and
  the input gradient of sum(y * w).
- interpolateAligned: F.interpolate(align_corners=True) bilinear (s = 2, 3)
  and trilinear (s = 2), forward and the input gradient of sum(y * w).
- scatterEven: ConvTranspose2d / 3d(kernel 1, stride s, output_padding s-1)
  with the identity as weight and no bias (zero insertion), forward.

Run: /usr/bin/python3 scripts/gen_nn_fixtures.py
"""
import json
import pathlib

import torch
import torch.nn.functional as F

torch.manual_seed(0)
D = torch.float64


def last(t):
    """NC... → N...C, flattened."""
    dims = list(range(t.dim()))
    return t.detach().permute(0, *dims[2:], 1).reshape(-1).tolist()


def shape_last(t):
    s = list(t.shape)
    return [s[0], *s[2:], s[1]]


out = {}

# --- BatchNorm3d + ReLU
N, C, Dd, H, W = 2, 3, 3, 4, 2
x = torch.randn(N, C, Dd, H, W, dtype=D) * 2 + 0.3
dy = torch.randn(N, C, Dd, H, W, dtype=D)
bn = torch.nn.BatchNorm3d(C, eps=1e-5, momentum=0.1).double()
with torch.no_grad():
    bn.weight.copy_(torch.rand(C, dtype=D) + 0.5)
    bn.bias.copy_(torch.randn(C, dtype=D))
    bn.running_mean.copy_(torch.randn(C, dtype=D))
    bn.running_var.copy_(torch.rand(C, dtype=D) + 0.5)
params = dict(gamma=bn.weight.tolist(), beta=bn.bias.tolist(), runningMean0=bn.running_mean.tolist(), runningVar0=bn.running_var.tolist())
xr = x.clone().requires_grad_(True)
bn.train()
y = torch.relu(bn(xr))
y.backward(dy)
bn.eval()
with torch.no_grad():
    y_eval = torch.relu(bn(x))
out['batchNorm3d'] = dict(
    shape=shape_last(x), x=last(x), dy=last(dy), y=last(y), dx=last(xr.grad),
    dgamma=bn.weight.grad.tolist(), dbeta=bn.bias.grad.tolist(),
    runningMean1=bn.running_mean.tolist(), runningVar1=bn.running_var.tolist(), yEval=last(y_eval), **params)

# --- interpolation
cases = []
for shape, mode, scale in [((1, 2, 5, 4), 'nearest', 2), ((1, 2, 5, 4), 'bilinear', 2), ((2, 2, 3, 4), 'bilinear', 3),
                           ((1, 2, 3, 4, 2), 'trilinear', 2), ((1, 2, 3, 2, 2), 'nearest', 3)]:
    x = torch.randn(*shape, dtype=D).requires_grad_(True)
    y = F.interpolate(x, scale_factor=scale, mode=mode, align_corners=None if mode == 'nearest' else False)
    w = torch.randn(*y.shape, dtype=D)
    (y * w).sum().backward()
    cases.append(dict(mode='nearest' if mode == 'nearest' else 'linear', scale=scale, shape=shape_last(x), x=last(x),
                      yShape=shape_last(y), y=last(y), w=last(w), dx=last(x.grad)))
out['interpolate'] = cases

# --- 3-D convolution and max-pool with symmetric padding
x = torch.rand(2, 3, 5, 6, 4, dtype=D)
conv = torch.nn.Conv3d(3, 4, 3, stride=2, padding=1, bias=False).double()
with torch.no_grad():
    y = conv(x)
    pooled = F.max_pool3d(x, 3, stride=2, padding=1)
out['conv3d'] = dict(shape=shape_last(x), x=last(x), kernel=conv.weight.permute(2, 3, 4, 1, 0).reshape(-1).tolist(),
                     kernelShape=list(conv.weight.permute(2, 3, 4, 1, 0).shape), yShape=shape_last(y), y=last(y),
                     poolShape=shape_last(pooled), pool=last(pooled))

# --- transposed convolutions, kernel 2, stride 2
cases = []
for shape in [(2, 3, 3, 4), (1, 3, 2, 3, 2)]:
    x = torch.randn(*shape, dtype=D)
    layer = (torch.nn.ConvTranspose2d if len(shape) == 4 else torch.nn.ConvTranspose3d)(3, 5, 2, stride=2).double()
    with torch.no_grad():
        y = layer(x)
    # torch weight [in, out, k...] → TF.js [k..., out, in]
    k = layer.weight.permute(*range(2, len(shape)), 1, 0)
    cases.append(dict(shape=shape_last(x), x=last(x), kernel=k.reshape(-1).tolist(), kernelShape=list(k.shape),
                      bias=layer.bias.tolist(), yShape=shape_last(y), y=last(y)))
out['convTranspose'] = cases

# --- grouped convolutions with PyTorch padding
cases = []
for shape, cout, k, stride, pad, groups in [((2, 6, 7, 5), 4, 3, 2, 1, 2), ((1, 4, 4, 5, 3), 4, 3, 1, 1, 4), ((1, 6, 5, 4, 6), 9, 3, 2, 1, 3)]:
    x = torch.randn(*shape, dtype=D).requires_grad_(True)
    layer = (torch.nn.Conv2d if len(shape) == 4 else torch.nn.Conv3d)(shape[1], cout, k, stride=stride, padding=pad, groups=groups).double()
    y = layer(x)
    w = torch.randn(*y.shape, dtype=D)
    (y * w).sum().backward()
    # torch weight [out, in/g, k...] → TF.js [k..., in/g, out]
    perm = (*range(2, len(shape)), 1, 0)
    cases.append(dict(shape=shape_last(x), x=last(x), filters=cout, kernelSize=k, strides=stride, padding=pad, groups=groups,
                      kernel=layer.weight.detach().permute(*perm).reshape(-1).tolist(), kernelShape=list(layer.weight.permute(*perm).shape),
                      bias=layer.bias.tolist(), yShape=shape_last(y), y=last(y), w=last(w), dx=last(x.grad),
                      dkernel=layer.weight.grad.permute(*perm).reshape(-1).tolist(), dbias=layer.bias.grad.tolist()))
out['groupedConv'] = cases

# --- instance normalisation
cases = []
for shape in [(2, 3, 5, 4), (2, 2, 3, 4, 3)]:
    x = (torch.randn(*shape, dtype=D) * 1.5 + 0.4).requires_grad_(True)
    y = (torch.nn.InstanceNorm2d if len(shape) == 4 else torch.nn.InstanceNorm3d)(shape[1])(x)
    w = torch.randn(*y.shape, dtype=D)
    (y * w).sum().backward()
    cases.append(dict(shape=shape_last(x), x=last(x), y=last(y), w=last(w), dx=last(x.grad)))
out['instanceNorm'] = cases

# --- interpolation with align_corners=True
cases = []
for shape, mode, scale in [((1, 2, 5, 4), 'bilinear', 2), ((2, 2, 3, 4), 'bilinear', 3), ((1, 2, 3, 4, 2), 'trilinear', 2)]:
    x = torch.randn(*shape, dtype=D).requires_grad_(True)
    y = F.interpolate(x, scale_factor=scale, mode=mode, align_corners=True)
    w = torch.randn(*y.shape, dtype=D)
    (y * w).sum().backward()
    cases.append(dict(scale=scale, shape=shape_last(x), x=last(x), yShape=shape_last(y), y=last(y), w=last(w), dx=last(x.grad)))
out['interpolateAligned'] = cases

# --- zero insertion = ConvTranspose(k 1, stride s, output_padding s-1) with the identity
cases = []
for shape, scale in [((1, 2, 3, 4), 2), ((1, 2, 2, 3, 2), 2), ((1, 1, 2, 3), 3)]:
    x = torch.randn(*shape, dtype=D)
    layer = (torch.nn.ConvTranspose2d if len(shape) == 4 else torch.nn.ConvTranspose3d)(shape[1], shape[1], 1, stride=scale, output_padding=scale - 1, bias=False).double()
    with torch.no_grad():
        layer.weight.copy_(torch.eye(shape[1], dtype=D).reshape(shape[1], shape[1], *([1] * (len(shape) - 2))))
        y = layer(x)
    cases.append(dict(scale=scale, shape=shape_last(x), x=last(x), yShape=shape_last(y), y=last(y)))
out['scatterEven'] = cases

path = pathlib.Path(__file__).resolve().parent.parent / 'test' / 'fixtures' / 'nn-layers.json'
path.write_text(json.dumps(out))
print(f'wrote {path} ({path.stat().st_size} bytes)')
