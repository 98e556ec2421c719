"""Reference values for the segmentation metrics and losses, computed
independently with numpy/scipy and PyTorch (Debian python3-numpy,
python3-scipy, python3-torch 1.13): writes test/fixtures/segmentation.json.

Run: /usr/bin/python3 scripts/gen_segmentation_fixtures.py

Metrics: confusion matrix by np.bincount over pixels with 0 <= gt < C (the
WaveSNet reference's `utils/metrics.py`), IoU, mIoU as nanmean, fwIoU,
pixel and mean class accuracy; boundary F-score with boundaries from
np.diff of the label maps and matches by scipy's Euclidean distance
transform (distance <= 2 px).

Losses: torch's F.cross_entropy(weight=..., ignore_index=255) and its
gradient; soft Dice over the batch with ignored pixels masked, smoothing 1;
median-frequency class weights (Eigen & Fergus, ICCV 2015, §4.2).
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F
from scipy import ndimage

rng = np.random.default_rng(11)
IGNORE = 255


def blob_labels(batch, h, w, classes, smooth=2.0):
    """Blobby label maps: argmax of smoothed random fields."""
    fields = rng.normal(size=(batch, classes, h, w))
    fields = ndimage.gaussian_filter(fields, sigma=(0, 0, smooth, smooth))
    return fields.argmax(1).astype(np.int64)


def boundary(m):
    e = np.zeros(m.shape, bool)
    dx = m[:, 1:] != m[:, :-1]
    dy = m[1:, :] != m[:-1, :]
    e[:, 1:] |= dx
    e[:, :-1] |= dx
    e[1:, :] |= dy
    e[:-1, :] |= dy
    return e


def scores(pred, gt, c, tol=2.0):
    valid = (gt >= 0) & (gt < c)
    hist = np.bincount(c * gt[valid] + pred[valid], minlength=c * c).reshape(c, c).astype(float)
    with np.errstate(invalid='ignore', divide='ignore'):
        iu = np.diag(hist) / (hist.sum(1) + hist.sum(0) - np.diag(hist))
        acc_cls = np.diag(hist) / hist.sum(1)
    freq = hist.sum(1) / hist.sum()
    fw = (freq[freq > 0] * iu[freq > 0]).sum()
    bp = bpm = bt = btm = 0
    for b in range(gt.shape[0]):
        g, p = gt[b], pred[b]
        ign = g == IGNORE
        te = boundary(g) & ~ign
        pe = boundary(p) & ~ign
        dist_to_true = ndimage.distance_transform_edt(~te) if te.any() else np.full(g.shape, np.inf)
        dist_to_pred = ndimage.distance_transform_edt(~pe) if pe.any() else np.full(g.shape, np.inf)
        bp += pe.sum()
        bpm += (pe & (dist_to_true <= tol)).sum()
        bt += te.sum()
        btm += (te & (dist_to_pred <= tol)).sum()
    P = bpm / bp
    R = btm / bt
    return {
        'matrix': hist.flatten().tolist(),
        'pixelAccuracy': float(np.diag(hist).sum() / hist.sum()),
        'meanClassAccuracy': float(np.nanmean(acc_cls)),
        'mIoU': float(np.nanmean(iu)),
        'fwIoU': float(fw),
        'perClassIoU': [None if np.isnan(v) else float(v) for v in iu],
        'boundary': {'predicted': int(bp), 'predictedMatched': int(bpm), 'truth': int(bt), 'truthMatched': int(btm)},
        'boundaryPrecision': float(P),
        'boundaryRecall': float(R),
        'boundaryF1': float(2 * P * R / (P + R)),
    }


metric_cases = []
for (batch, h, w, c, smooth) in [(2, 17, 23, 5, 2.0), (1, 32, 32, 4, 3.0), (3, 9, 12, 6, 1.0)]:
    gt = blob_labels(batch, h, w, c - 1, smooth)  # class c-1 never in the ground truth
    pred = gt.copy()
    flip = rng.random(gt.shape) < 0.03
    pred[flip] = rng.integers(0, c, size=flip.sum())
    # a shifted copy of part of the map, so boundaries move by a few pixels
    pred[:, :, 3:] = np.where(rng.random(pred[:, :, 3:].shape) < 0.5, pred[:, :, :-3], pred[:, :, 3:])
    if c > 4:
        pred[pred == 2] = 1  # class 2 never predicted
    ignored = rng.random(gt.shape) < 0.05
    gt[ignored] = IGNORE
    gt[:, 0, :] = IGNORE  # an ignored border row
    metric_cases.append({'numClasses': c, 'shape': list(gt.shape), 'pred': pred.flatten().tolist(), 'label': gt.flatten().tolist(), **scores(pred, gt, c)})

# --- losses: logits NHWC [2, 5, 6, 4]
torch.set_default_dtype(torch.float64)
B, H, W, C = 2, 5, 6, 4
logits_nhwc = torch.tensor(rng.normal(size=(B, H, W, C)) * 2)
labels = torch.tensor(rng.integers(0, C, size=(B, H, W)))
labels[torch.tensor(rng.random((B, H, W)) < 0.2)] = IGNORE
weights = torch.tensor([0.5, 2.0, 1.0, 3.0])


def ce(weight):
    x = logits_nhwc.clone().requires_grad_(True)
    loss = F.cross_entropy(x.permute(0, 3, 1, 2), labels, weight=weight, ignore_index=IGNORE)
    loss.backward()
    return {'loss': float(loss), 'grad': x.grad.flatten().tolist()}


def dice(smooth=1.0):
    x = logits_nhwc.clone().requires_grad_(True)
    p = torch.softmax(x, -1)
    valid = (labels != IGNORE).unsqueeze(-1).double()
    y = F.one_hot(labels.clamp(max=C - 1), C).double() * valid
    p = p * valid
    inter = (p * y).sum((0, 1, 2))
    sizes = p.sum((0, 1, 2)) + y.sum((0, 1, 2))
    loss = 1 - ((2 * inter + smooth) / (sizes + smooth)).mean()
    loss.backward()
    return {'loss': float(loss), 'grad': x.grad.flatten().tolist()}


masks = blob_labels(6, 12, 10, 5, 2.0)
masks[1][masks[1] == 3] = 0  # class 3 absent from some masks
masks[:, :2, :2] = IGNORE
freqs = []
for c in range(6):  # class 5 never occurs
    present = [(m == c).any() for m in masks]
    if not any(present):
        freqs.append(0.0)
        continue
    pix = sum(int((m == c).sum()) for m in masks)
    tot = sum(int((m != IGNORE).sum()) for m, pr in zip(masks, present) if pr)
    freqs.append(pix / tot)
freqs = np.array(freqs)
med = np.median(freqs[freqs > 0])
mfb = np.where(freqs > 0, med / np.where(freqs > 0, freqs, 1), 0.0)

out = {
    'metrics': metric_cases,
    'losses': {
        'shape': [B, H, W, C],
        'logits': logits_nhwc.flatten().tolist(),
        'labels': labels.flatten().tolist(),
        'classWeights': weights.tolist(),
        'ce': ce(None),
        'ceWeighted': ce(weights),
        'dice': dice(),
    },
    'medianFrequency': {'shape': list(masks.shape), 'masks': masks.flatten().tolist(), 'numClasses': 6, 'weights': mfb.tolist()},
}
path = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'segmentation.json')
with open(path, 'w') as f:
    json.dump(out, f)
print('wrote', path, os.path.getsize(path), 'bytes')
