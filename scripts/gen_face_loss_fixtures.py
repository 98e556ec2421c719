#!/usr/bin/python3
"""Reference values for the face losses and the 10-fold verification protocol.

Writes test/losses/fixtures/face-losses.json. Everything is computed here from the
formulas (independently of wavecv's TypeScript), in float64 with torch autograd:
softmax, CosFace, ArcFace (exact and identity gradient), BCE with per-class
biases, UCE (margin, lambda, clamp), USS (memory, unified bias, its data-driven
initial value and its re-initialisation whenever b <= 0, as the authors' head
does), sample-to-sample softmax, EPL (prototype update of the authors' head:
all new rows from the prototypes before the batch, the last occurrence of a
class wins; adaptive margin with stop-gradient; CosFace and UniFace bases),
the LFW-style 10-fold accuracy (contiguous folds, threshold grid 0..4 step
0.01 on squared L2 distances, threshold chosen on the 9 other folds) and
insightface's 10-fold VAL@FAR (calculate_val: grid 0..4 step 0.001, the FAR
of the training folds interpolated to the target by the degree-1 spline that
scipy's interp1d(kind='slinear') built in insightface's time).

Run: /usr/bin/python3 scripts/gen_face_loss_fixtures.py
"""
import json
import math
import os

import numpy as np
import torch

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(20240511)

B, D, C = 6, 5, 7
labels = [2, 0, 5, 2, 6, 3]
x0 = rng.normal(size=(B, D))
w0 = rng.normal(size=(C, D))
# pull each feature towards its class row so that the losses are not degenerate
for i, y in enumerate(labels):
    x0[i] += 0.8 * w0[y]


def normalize(t, eps=1e-5):
    return t / t.norm(dim=1, keepdim=True).clamp(min=eps)


def one_hot(ys, c):
    out = torch.zeros(len(ys), c)
    for i, y in enumerate(ys):
        out[i, y] = 1.0
    return out


def ce(logits, target):
    return (torch.logsumexp(logits, 1) - (logits * target).sum(1)).mean()


def summed_bce(z, target, lam=1.0, clamp=None, col=None, row=None):
    if clamp is not None:
        z = z.clamp(-clamp, clamp)
    terms = target * torch.log1p(torch.exp(-z)) + lam * (1 - target) * torch.log1p(torch.exp(z))
    if col is not None:
        terms = terms * col[None, :]
    per_row = terms.sum(1)
    if row is None:
        return per_row.mean()
    return (per_row * row).sum() / max(row.sum().item(), 1.0)


def grads_of(fn, tensors):
    ts = [torch.tensor(t, requires_grad=True) for t in tensors]
    loss = fn(*ts)
    loss.backward()
    return loss.item(), [t.grad.numpy().tolist() for t in ts]


Y = one_hot(labels, C)
cases = {}


def margin_softmax(kind, s, m):
    def fn(x, w):
        cos = normalize(x) @ normalize(w).T
        if kind == 'softmax':
            pos = cos
        elif kind == 'cosface':
            pos = cos - m
        elif kind == 'arcface':
            pos = torch.cos(torch.acos(cos.clamp(-1 + 1e-7, 1 - 1e-7)) + m)
        elif kind == 'arcface-identity':
            shifted = torch.cos(torch.acos(cos.clamp(-1 + 1e-7, 1 - 1e-7)) + m)
            pos = cos + (shifted - cos).detach()
        logits = s * torch.where(Y > 0, pos, cos)
        return ce(logits, Y)
    return fn


for kind, s, m in [('softmax', 64.0, 0.0), ('cosface', 64.0, 0.4), ('arcface', 64.0, 0.5), ('arcface-identity', 64.0, 0.5)]:
    loss, (gx, gw) = grads_of(margin_softmax(kind, s, m), [x0, w0])
    cases[kind] = {'scale': s, 'margin': m, 'loss': loss, 'gradFeatures': gx, 'gradWeight': gw}


def binary(s, m, lam, bias, clamp=True):
    def fn(x, w, b):
        cos = normalize(x) @ normalize(w).T
        z = s * (cos - m * Y) - b[None, :]
        return summed_bce(z, Y, lam, s if clamp else None)
    loss, (gx, gw, gb) = grads_of(fn, [x0, w0, bias])
    return {'scale': s, 'margin': m, 'lambda': lam, 'bias': bias.tolist(), 'loss': loss, 'gradFeatures': gx, 'gradWeight': gw, 'gradBias': gb}


cases['uce'] = binary(64.0, 0.4, 0.7, np.array([math.log(10 * C)]))
cases['uce-small-bias'] = binary(16.0, 0.2, 1.0, np.array([1.5]))
cases['bce'] = binary(64.0, 0.4, 1.0, np.linspace(2.0, 5.0, C))

# ---- USS: memory with one class never written (class 4), fixed bias ----
mem = rng.normal(size=(C, D))
mem[4] = 0.0
filled = np.ones(C)
filled[4] = 0.0
uss_labels = [2, 0, 5, 2, 4, 3]  # row 4 has an unwritten own class
Yu = one_hot(uss_labels, C)
gamma, m_uss = 64.0, 0.1
col = torch.tensor(filled)
row = torch.tensor([filled[y] for y in uss_labels])


def uss_fn(x, b):
    cos = normalize(x) @ normalize(torch.tensor(mem)).T
    z = gamma * (cos - m_uss * Yu) - b[None, :]
    return summed_bce(z, Yu, 1.0, gamma, col, row)


loss, (gx, gb) = grads_of(uss_fn, [x0, np.array([30.0])])
with torch.no_grad():
    cos = normalize(torch.tensor(x0)) @ normalize(torch.tensor(mem)).T
    neg = (1 - Yu) * col[None, :]
    lse = torch.logsumexp(torch.where(neg > 0, gamma * cos, torch.tensor(-math.inf)), 1)
    init_bias = lse.mean().item()


def s2s_softmax_fn(x):
    cos = normalize(x) @ normalize(torch.tensor(mem)).T
    logits = gamma * (cos - m_uss * Yu)
    logits = torch.where(col[None, :] > 0, logits, torch.tensor(-1e4))
    per = torch.logsumexp(logits, 1) - (logits * Yu).sum(1)
    return (per * row).sum() / row.sum()


loss_s2s, (gx_s2s,) = grads_of(s2s_softmax_fn, [x0])
cases['uss'] = {
    'scale': gamma, 'margin': m_uss, 'labels': uss_labels, 'memory': mem.tolist(), 'filled': filled.tolist(),
    'bias': 30.0, 'loss': loss, 'gradFeatures': gx, 'gradBias': gb, 'dataDrivenBias': init_bias,
    's2sSoftmaxLoss': loss_s2s, 's2sSoftmaxGradFeatures': gx_s2s,
}

# ---- EPL: the head's batch update of the prototypes, then the stacked loss ----
# Every new row is computed from the prototypes before the batch; rows written
# to the same class: the last one in batch order is kept.
P0 = rng.normal(size=(C, D))
P = P0.copy()
xn = (torch.tensor(x0) / torch.tensor(x0).norm(dim=1, keepdim=True).clamp(min=1e-5)).numpy()
c_all = np.einsum('bd,bd->b', P0[labels], xn)
alpha_all = (c_all / (1 + np.abs(c_all)))[:, None]
rows = alpha_all * P0[labels] + (1 - alpha_all) * xn
rows = rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)
for i, y in enumerate(labels):
    P[y] = rows[i]
s, m, k = 64.0, 0.4, 0.7


def epl_fn(base, bias=None):
    def fn(x, w, *rest):
        cos = normalize(x) @ normalize(w).T
        emp = normalize(x) @ normalize(torch.tensor(P)).T
        emp = emp - k * Y * emp.detach()
        if base == 'cosface':
            logits = s * torch.cat([cos - m * Y, emp], 0)
            return ce(logits, torch.cat([Y, Y], 0))
        both = torch.cat([cos, emp], 0)
        YY = torch.cat([Y, Y], 0)
        z = s * (both - m * YY) - rest[0][None, :]
        return summed_bce(z, YY, 1.0, s)
    return fn


loss_c, (gx_c, gw_c) = grads_of(epl_fn('cosface'), [x0, w0])
loss_u, (gx_u, gw_u, gb_u) = grads_of(epl_fn('uniface'), [x0, w0, np.array([math.log(10 * C)])])
cases['epl'] = {
    'scale': s, 'margin': m, 'k': k, 'prototypesBefore': P0.tolist(), 'prototypesAfter': P.tolist(),
    'cosface': {'loss': loss_c, 'gradFeatures': gx_c, 'gradWeight': gw_c},
    'uniface': {'bias': math.log(10 * C), 'loss': loss_u, 'gradFeatures': gx_u, 'gradWeight': gw_u, 'gradBias': gb_u},
}

# ---- 10-fold verification (insightface eval/verification.py calculate_roc, no PCA) ----
n_pairs = 173
e1 = rng.normal(size=(n_pairs, 8))
issame = rng.random(n_pairs) < 0.5
e2 = np.where(issame[:, None], e1 + rng.normal(scale=0.9, size=(n_pairs, 8)), rng.normal(size=(n_pairs, 8)))
e1n = e1 / np.linalg.norm(e1, axis=1, keepdims=True)
e2n = e2 / np.linalg.norm(e2, axis=1, keepdims=True)
dist = np.sum((e1n - e2n) ** 2, 1)
thresholds = np.arange(0, 4, 0.01)


def accuracy(th, d, same):
    pred = d < th
    tp = np.sum(pred & same)
    tn = np.sum(~pred & ~same)
    return (tp + tn) / d.size


fold_sizes = np.full(10, n_pairs // 10)
fold_sizes[: n_pairs % 10] += 1
starts = np.concatenate([[0], np.cumsum(fold_sizes)])
accs, best = [], []
for f in range(10):
    test = np.arange(starts[f], starts[f + 1])
    train = np.setdiff1d(np.arange(n_pairs), test)
    train_acc = np.array([accuracy(t, dist[train], issame[train]) for t in thresholds])
    bi = int(np.argmax(train_acc))
    best.append(float(thresholds[bi]))
    accs.append(float(accuracy(thresholds[bi], dist[test], issame[test])))
cases['verification'] = {
    'embeddings1': e1.tolist(), 'embeddings2': e2.tolist(), 'issame': issame.tolist(), 'distances': dist.tolist(),
    'foldThresholds': best, 'foldAccuracies': accs, 'mean': float(np.mean(accs)), 'std': float(np.std(accs)),
}

# ---- USS bias (re-)initialisation: b <= 0 before a step -> b = mean logsumexp over negatives ----
def data_bias(x):
    with torch.no_grad():
        cos = normalize(torch.tensor(x)) @ normalize(torch.tensor(mem)).T
        neg = (1 - Yu) * col[None, :]
        lse = torch.logsumexp(torch.where(neg > 0, gamma * cos, torch.tensor(-math.inf)), 1)
        return lse.mean().item()


x1 = x0 + 0.3 * rng.normal(size=(B, D))
steps = []
for x, b_before in [(x0, 0.0), (x1, 12.5), (x1, -3.0), (x0, 0.0)]:
    b_after = data_bias(x) if b_before <= 0 else b_before
    steps.append({'features': x.tolist(), 'biasBefore': b_before, 'biasAfter': b_after,
                  'loss': grads_of(uss_fn, [x, np.array([b_after])])[0]})
# per-class sample-to-sample BCE: when the mean bias is <= 0, every bias gets the value added
b_cls = np.linspace(-2.0, 1.0, C)
cases['ussReinit'] = {'steps': steps, 'classBiasBefore': b_cls.tolist(),
                      'classBiasAfter': (b_cls + data_bias(x0)).tolist()}

# ---- insightface VAL@FAR (calculate_val) on the verification pairs ----
from scipy.interpolate import BSpline


def slinear(x, y, v):
    # interp1d(x, y, kind='slinear') of scipy < 1.9: knots [x0, x0, ..., xn, xn], coefficients y
    return float(BSpline.construct_fast(np.r_[x[0], x, x[-1]], np.asarray(y, float), 1)(v))


def val_far(th, d, same):
    pred = d < th
    return np.sum(pred & same) / np.sum(same), np.sum(pred & ~same) / np.sum(~same)


val_thresholds = np.arange(0, 4, 0.001)
val_cases = {}
for target in [1e-3, 0.05, 0.2]:
    vals, fars, ths = [], [], []
    for f in range(10):
        test = np.arange(starts[f], starts[f + 1])
        train = np.setdiff1d(np.arange(n_pairs), test)
        far_train = np.array([val_far(t, dist[train], issame[train])[1] for t in val_thresholds])
        th = slinear(far_train, val_thresholds, target) if far_train.max() >= target else 0.0
        v, fa = val_far(th, dist[test], issame[test])
        vals.append(float(v)); fars.append(float(fa)); ths.append(th)
    val_cases[repr(target)] = {'farTarget': target, 'thresholds': ths, 'vals': vals, 'fars': fars,
                               'valMean': float(np.mean(vals)), 'valStd': float(np.std(vals)), 'farMean': float(np.mean(fars))}
cases['valAtFar'] = val_cases

fixture = {'generatedBy': 'scripts/gen_face_loss_fixtures.py', 'torch': torch.__version__, 'numpy': np.__version__,
           'B': B, 'D': D, 'C': C, 'labels': labels, 'features': x0.tolist(), 'weight': w0.tolist(), 'cases': cases}
out = os.path.join(os.path.dirname(__file__), '..', 'test', 'losses', 'fixtures', 'face-losses.json')
os.makedirs(os.path.dirname(out), exist_ok=True)
with open(out, 'w') as f:
    json.dump(fixture, f)
print('wrote', os.path.normpath(out), os.path.getsize(out), 'bytes')
