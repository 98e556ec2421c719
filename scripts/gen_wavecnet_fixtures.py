"""Reference values of PyTorch's BatchNorm2d for the WaveCNet blocks
(test/models/wavecnet-blocks.test.ts): one training-mode forward/backward
and the running-statistics update (momentum 0.1, eps 1e-5), and inference
with the updated statistics. Arrays are NHWC, flattened row-major.

Run: /usr/bin/python3 scripts/gen_wavecnet_fixtures.py
"""
import json
import pathlib

import torch

torch.manual_seed(0)
N, H, W, C = 2, 3, 5, 4
x = torch.randn(N, C, H, W, dtype=torch.float64) * 2 + 0.5
dy = torch.randn(N, C, H, W, dtype=torch.float64)
bn = torch.nn.BatchNorm2d(C, eps=1e-5, momentum=0.1).double()
with torch.no_grad():
    bn.weight.copy_(torch.rand(C, dtype=torch.float64) + 0.5)
    bn.bias.copy_(torch.randn(C, dtype=torch.float64))
    bn.running_mean.copy_(torch.randn(C, dtype=torch.float64))
    bn.running_var.copy_(torch.rand(C, dtype=torch.float64) + 0.5)
gamma = bn.weight.detach().clone()
beta = bn.bias.detach().clone()
running_mean0 = bn.running_mean.clone()
running_var0 = bn.running_var.clone()

xr = x.clone().requires_grad_(True)
bn.train()
y = bn(xr)
y.backward(dy)
bn.eval()
with torch.no_grad():
    y_eval = bn(x)


def nhwc(t):
    return t.detach().permute(0, 2, 3, 1).reshape(-1).tolist()


fixture = {
    "torch": torch.__version__,
    "shape": [N, H, W, C],
    "x": nhwc(x),
    "dy": nhwc(dy),
    "gamma": gamma.tolist(),
    "beta": beta.tolist(),
    "runningMean0": running_mean0.tolist(),
    "runningVar0": running_var0.tolist(),
    "y": nhwc(y),
    "dx": nhwc(xr.grad),
    "dgamma": bn.weight.grad.tolist(),
    "dbeta": bn.bias.grad.tolist(),
    "runningMean1": bn.running_mean.tolist(),
    "runningVar1": bn.running_var.tolist(),
    "yEval": nhwc(y_eval),
}
out = pathlib.Path(__file__).resolve().parent.parent / "test" / "fixtures" / "wavecnet-batchnorm.json"
out.write_text(json.dumps(fixture) + "\n")
print(out)
