"""Reference for wavecv's binary detection scores (src/metrics/binary.ts;
test/metrics/binary.test.ts). scikit-learn is not installed, so its
roc_curve (drop_intermediate=False), roc_auc_score (trapezoids on the ROC)
and average_precision_score (step sum over distinct thresholds, ties grouped)
are re-written here in numpy, line for line after sklearn's
_binary_clf_curve / precision_recall_curve. EER: the point of the ROC
polyline where FPR = 1 - TPR, interpolated linearly on the segment that
crosses it. Accuracy at 0.5: a score > 0.5 means fake (label 1), as
DeepfakeBench's metrics. Video level: the mean frame score per video id.

Cases (SYNTHETIC scores): continuous random scores, tie-heavy scores on a
0.1 grid (with exact 0.5s), and a frame set of 25 videos.

Run: /usr/bin/python3 scripts/gen_binary_score_fixtures.py (numpy 1.24 was used).
"""
import json
import pathlib

import numpy as np


def binary_clf_curve(y, s):
    order = np.argsort(s, kind="mergesort")[::-1]
    s, y = s[order], y[order]
    distinct = np.where(np.diff(s))[0]
    idx = np.r_[distinct, y.size - 1]
    tps = np.cumsum(y)[idx]
    fps = 1 + idx - tps
    return fps, tps, s[idx]


def scores(y, s):
    y = np.asarray(y, dtype=np.float64)
    s = np.asarray(s, dtype=np.float64)
    fps, tps, _ = binary_clf_curve(y, s)
    fpr = np.r_[0, fps] / fps[-1]
    tpr = np.r_[0, tps] / tps[-1]
    auc = float(np.trapz(tpr, fpr))
    precision = tps / (tps + fps)
    recall = tps / tps[-1]
    precision = np.r_[precision[::-1], 1]
    recall = np.r_[recall[::-1], 0]
    ap = float(-np.sum(np.diff(recall) * precision[:-1]))
    f = fpr - (1 - tpr)
    i = int(np.argmax(f >= 0))
    if f[i] == 0:
        eer = float(fpr[i])
    else:
        t = -f[i - 1] / (f[i] - f[i - 1])
        eer = float(fpr[i - 1] + t * (fpr[i] - fpr[i - 1]))
    accuracy = float(np.mean((s > 0.5) == (y == 1)))
    return {"auc": auc, "eer": eer, "ap": ap, "accuracy": accuracy}


rng = np.random.default_rng(14)
cases = []
y = rng.integers(0, 2, 200)
s = np.clip(rng.normal(0.35 + 0.3 * y, 0.2), 0, 1)
cases.append({"name": "continuous", "scores": s.tolist(), "labels": y.tolist(), **scores(y, s)})
y = rng.integers(0, 2, 150)
s = np.round(np.clip(rng.normal(0.4 + 0.2 * y, 0.25), 0, 1), 1)
cases.append({"name": "ties on a 0.1 grid", "scores": s.tolist(), "labels": y.tolist(), **scores(y, s)})
y = np.array([0, 0, 1, 1, 0, 1, 1, 0])
s = np.array([0.2, 0.5, 0.5, 0.9, 0.5, 0.2, 0.7, 0.1])
cases.append({"name": "small with ties", "scores": s.tolist(), "labels": y.tolist(), **scores(y, s)})

videos = 25
video_label = rng.integers(0, 2, videos)
frames = rng.integers(2, 9, videos)
vid = np.repeat(np.arange(videos), frames)
perm = rng.permutation(vid.size)
vid = vid[perm]
fy = video_label[vid]
fs = np.clip(rng.normal(0.4 + 0.15 * fy, 0.25), 0, 1)
ids = [f"video_{v:03d}" for v in vid]
means = np.array([fs[vid == v].mean() for v in range(videos)])
video_case = {
    "scores": fs.tolist(), "labels": fy.tolist(), "videoIds": ids,
    "frame": scores(fy, fs), "video": scores(video_label, means),
    "videoCount": videos,
}

out = pathlib.Path(__file__).resolve().parent.parent / "test" / "fixtures" / "binary-scores.json"
out.write_text(json.dumps({"numpy": np.__version__, "cases": cases, "videos": video_case}) + "\n")
print(out, [(c["name"], c["auc"], c["eer"], c["ap"], c["accuracy"]) for c in cases], video_case["frame"], video_case["video"])
