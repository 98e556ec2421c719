"""Reference values for DTN's mixture of experts (src/nn/moe.ts) and deepfake
self-distillation (src/losses/distillation.ts), test/nn/moe.test.ts and
test/losses/distillation.test.ts, computed with PyTorch.

MoE (Switch Transformer routing, Fedus et al. 2022, eq. 1-2 and 4-6) over a
feature map x [B, H, W, C] (NHWC, as wavecv): router probabilities
p = softmax(x W_r) per position, the top-k experts kept with gate p_i (not
renormalised), experts E_i = Conv3x3(C -> D) + b_i ('same' zero padding),
y = sum_i gate_i E_i(x); balancing loss N * sum_i f_i P_i with f_i the
fraction of the B*H*W*k assignments that went to expert i and P_i the mean
router probability. Weights in TF.js layout: router [C, N], expert kernel
[3, 3, C, N*D] (output channel e*D + j = expert e, channel j), bias [N*D].
Also the gradients of sum(y * r) + alpha * L_bal with respect to the router
and expert kernels.

DSD (Hinton et al. 2015 with the T^2 scaling): (1 - a) * CE(y, z_s) +
a * T^2 * KL(softmax(z_t / T) || softmax(z_s / T)), KL with batchmean
reduction; the value and its gradient with respect to the student logits.

Run: /usr/bin/python3 scripts/gen_dtn_fixtures.py (torch 1.13.1 was used).
"""
import json
import pathlib

import torch
import torch.nn.functional as F

torch.manual_seed(14)
torch.set_default_dtype(torch.float64)


def moe_case(b, h, w, c, n, d, k, alpha):
    x = torch.randn(b, h, w, c)
    router = (torch.randn(c, n) * 1.5).requires_grad_()
    kernel = (torch.randn(3, 3, c, n * d) * 0.3).requires_grad_()
    bias = (torch.randn(n * d) * 0.1).requires_grad_()
    r = torch.randn(b, h, w, d)
    tokens = x.reshape(-1, c)
    p = torch.softmax(tokens @ router, dim=1)
    top = torch.topk(p, k, dim=1).indices
    mask = torch.zeros_like(p).scatter_(1, top, 1.0)
    gates = (p * mask).reshape(b, h, w, n, 1)
    weight = kernel.permute(3, 2, 0, 1)
    experts = F.conv2d(x.permute(0, 3, 1, 2), weight, bias, padding=1).permute(0, 2, 3, 1)
    y = (experts.reshape(b, h, w, n, d) * gates).sum(3)
    f = mask.mean(0) / k
    P = p.mean(0)
    balance = n * (f * P).sum()
    loss = (y * r).sum() + alpha * balance
    g_router, g_kernel = torch.autograd.grad(loss, [router, kernel])
    flat = lambda t: t.detach().reshape(-1).tolist()
    return {
        'shape': [b, h, w, c], 'numExperts': n, 'embedDim': d, 'topK': k, 'balanceWeight': alpha,
        'input': flat(x), 'router': flat(router), 'kernel': flat(kernel), 'bias': flat(bias), 'r': flat(r),
        'probabilities': flat(p), 'selected': flat(mask), 'output': flat(y), 'load': flat(f), 'balance': balance.item(),
        'gradRouter': flat(g_router), 'gradKernel': flat(g_kernel),
    }


def dsd_case(b, classes, temperature, weight):
    student = (torch.randn(b, classes) * 2).requires_grad_()
    teacher = torch.randn(b, classes) * 2
    labels = torch.randint(0, classes, (b,))
    ce = F.cross_entropy(student, labels)
    kl = F.kl_div(F.log_softmax(student / temperature, 1), F.softmax(teacher / temperature, 1), reduction='batchmean')
    loss = (1 - weight) * ce + weight * temperature ** 2 * kl
    (grad,) = torch.autograd.grad(loss, [student])
    return {
        'temperature': temperature, 'weight': weight, 'numClasses': classes,
        'student': student.detach().reshape(-1).tolist(), 'teacher': teacher.reshape(-1).tolist(), 'labels': labels.tolist(),
        'ce': ce.item(), 'kd': (temperature ** 2 * kl).item(), 'loss': loss.item(), 'grad': grad.reshape(-1).tolist(),
    }


fixture = {
    'moe': [moe_case(2, 4, 4, 3, 3, 4, 1, 0.5), moe_case(2, 3, 3, 4, 4, 2, 2, 0.25)],
    'dsd': [dsd_case(6, 2, 3.0, 0.4), dsd_case(5, 4, 1.0, 1.0)],
}
out = pathlib.Path(__file__).resolve().parent.parent / 'test' / 'fixtures' / 'dtn.json'
out.write_text(json.dumps(fixture))
print(f'wrote {out} ({out.stat().st_size} bytes)')
