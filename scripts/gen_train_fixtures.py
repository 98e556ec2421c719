"""Reference values for the trainer's optimisers, schedules and clipping,
computed with PyTorch (Debian python3-torch 1.13): writes
test/train/fixtures/train_reference.json. Run: /usr/bin/python3 scripts/gen_train_fixtures.py
"""
import json
import math
import os

import torch

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)

out = {}

# --- optimisers: two parameters (a matrix and a bias), five steps of given
# gradients, learning rate changed between steps.
w0 = torch.randn(3, 4)
b0 = torch.randn(4)
grads = [(torch.randn(3, 4), torch.randn(4)) for _ in range(5)]
lrs = [0.1, 0.05, 0.05, 0.02, 0.01]

cases = {
    'sgd': (torch.optim.SGD, dict(lr=0.1)),
    'sgd_momentum_wd': (torch.optim.SGD, dict(lr=0.1, momentum=0.9, weight_decay=0.01)),
    'sgd_nesterov': (torch.optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4)),
    'adam': (torch.optim.Adam, dict(lr=0.1)),
    'adam_l2': (torch.optim.Adam, dict(lr=0.1, weight_decay=0.1)),
    'adamw': (torch.optim.AdamW, dict(lr=0.1, weight_decay=0.1)),
}
optim = {'initial': {'w': w0.flatten().tolist(), 'b': b0.tolist()},
         'grads': [{'w': gw.flatten().tolist(), 'b': gb.tolist()} for gw, gb in grads],
         'lrs': lrs, 'cases': {}}
for name, (cls, kwargs) in cases.items():
    w = w0.clone().requires_grad_(True)
    b = b0.clone().requires_grad_(True)
    opt = cls([w, b], **kwargs)
    trace = []
    for (gw, gb), lr in zip(grads, lrs):
        for group in opt.param_groups:
            group['lr'] = lr
        w.grad = gw.clone()
        b.grad = gb.clone()
        opt.step()
        trace.append({'w': w.detach().flatten().tolist(), 'b': b.detach().tolist()})
    optim['cases'][name] = {'kwargs': kwargs, 'trace': trace}
out['optimizers'] = optim

# --- schedules: learning rate before each of 30 steps.
def lrs_of(make, steps=30, lr=0.1):
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr)
    sched = make(opt)
    values = []
    for _ in range(steps):
        values.append(opt.param_groups[0]['lr'])
        opt.step()
        sched.step()
    return values

S = torch.optim.lr_scheduler
out['schedules'] = {
    'step': {'spec': {'type': 'step', 'stepSize': 7, 'gamma': 0.5}, 'lrs': lrs_of(lambda o: S.StepLR(o, 7, 0.5))},
    'multistep': {'spec': {'type': 'multistep', 'milestones': [5, 12, 20], 'gamma': 0.1}, 'lrs': lrs_of(lambda o: S.MultiStepLR(o, [5, 12, 20], 0.1))},
    # Closed form of CosineAnnealingLR (its recursive form drifts by rounding).
    'cosine': {'spec': {'type': 'cosine', 'totalSteps': 30, 'minLr': 0.001},
               'lrs': [0.001 + (0.1 - 0.001) * (1 + math.cos(math.pi * t / 30)) / 2 for t in range(30)]},
    'poly': {'spec': {'type': 'poly', 'totalSteps': 30, 'power': 2.0}, 'lrs': lrs_of(lambda o: S.PolynomialLR(o, total_iters=30, power=2.0))},
    'warmup_multistep': {'spec': {'type': 'multistep', 'milestones': [10, 20], 'gamma': 0.1, 'warmupSteps': 5, 'warmupStartFactor': 0.2},
                         'lrs': lrs_of(lambda o: S.ChainedScheduler([S.LinearLR(o, start_factor=0.2, total_iters=5), S.MultiStepLR(o, [10, 20], 0.1)]))},
}

# --- clipping
g1 = torch.randn(3, 4)
g2 = torch.randn(5)
p1 = torch.zeros(3, 4, requires_grad=True)
p2 = torch.zeros(5, requires_grad=True)
p1.grad, p2.grad = g1.clone(), g2.clone()
norm = torch.nn.utils.clip_grad_norm_([p1, p2], 1.5)
clip = {'grads': [g1.flatten().tolist(), g2.tolist()], 'maxNorm': 1.5, 'norm': float(norm),
        'byNorm': [p1.grad.flatten().tolist(), p2.grad.tolist()]}
p1.grad, p2.grad = g1.clone(), g2.clone()
torch.nn.utils.clip_grad_value_([p1, p2], 0.5)
clip['maxValue'] = 0.5
clip['byValue'] = [p1.grad.flatten().tolist(), p2.grad.tolist()]
out['clip'] = clip

path = os.path.join(os.path.dirname(__file__), '..', 'test', 'train', 'fixtures', 'train_reference.json')
os.makedirs(os.path.dirname(path), exist_ok=True)
with open(path, 'w') as f:
    json.dump(out, f)
print('wrote', path)
