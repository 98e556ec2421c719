"""Reference values for test/metrics/neuron-distance.test.ts.

An independent NumPy rendering of Vaa3D's neuron_distance scores
(neuron_score_rounding_nearest_neighbor / dist_directional_swc_1_2 /
dist_pt_to_swc / dist_pt_to_line_seg in v3d_main/neuron_editing/neuron_sim_scores.cpp),
with the plugin's single-precision XYZ arithmetic done in numpy.float32, on
seeded random trees (a random walk that branches), written to
test/fixtures/neuron/neuron-distance.json.
Run: /usr/bin/python3 scripts/gen_neuron_distance_fixture.py
"""
import json
import math
import numpy as np

f = np.float32


def random_tree(rng, n, spread, start):
    nodes = [(1, 1, *start, 1.0, -1)]
    for i in range(2, n + 1):
        parent = int(rng.integers(max(1, i - 4), i))  # mostly extend recent nodes, sometimes branch
        px, py, pz = nodes[parent - 1][2:5]
        step = rng.normal(0, spread, 3)
        nodes.append((i, 3, round(px + step[0], 3), round(py + step[1], 3), round(pz + step[2], 3), 1.0, parent))
    return nodes


def edges(tree):
    by_id = {n[0]: n for n in tree}
    return [(np.array(n[2:5], dtype=f), np.array(by_id[n[6]][2:5], dtype=f)) for n in tree if n[6] >= 0]


def seg_dist(p0, p1, p2):
    if np.array_equal(p1, p2):
        return float(np.linalg.norm((p0 - p1).astype(np.float64)))
    if np.array_equal(p0, p1) or np.array_equal(p0, p2):
        return 0.0
    d12 = (p2 - p1).astype(f)
    d01 = (p1 - p0).astype(f)
    v12 = f(f(f(d12[0] * d12[0]) + f(d12[1] * d12[1])) + f(d12[2] * d12[2]))
    d012 = f(f(f(d12[0] * d01[0]) + f(d12[1] * d01[1])) + f(d12[2] * d01[2]))
    t = f(-d012 / v12)
    if t < 0 or t > 1:
        return min(math.dist(p0.astype(np.float64), p1.astype(np.float64)), math.dist(p0.astype(np.float64), p2.astype(np.float64)))
    x = np.array([f(p1[k] + f(d12[k] * t)) for k in range(3)], dtype=f)
    return math.dist(x.astype(np.float64), p0.astype(np.float64))


def directional(t1, t2, thres):
    e2 = edges(t2)
    ds = []
    for c, p in edges(t1):
        length = math.dist(c.astype(np.float64), p.astype(np.float64))
        n = int(1 + length + 0.5)
        step = f(0) if n <= 1 else f(1.0 / (n - 1))
        diff = np.array([f(step * f(p[k] - c[k])) for k in range(3)], dtype=f)
        for j in range(n):
            pt = np.array([f(c[k] + f(diff[k] * f(j))) for k in range(3)], dtype=f)
            ds.append(min(seg_dist(pt, a, b) for a, b in e2))
    return np.array(ds)


def scores(t1, t2, thres=2.0, tol=2.0):
    d12, d21 = directional(t1, t2, thres), directional(t2, t1, thres)
    big12, big21 = d12[d12 >= thres], d21[d21 >= thres]
    if len(big12) and len(big21):
        dsa = (big12.mean() + big21.mean()) / 2
    elif len(big12):
        dsa = big12.mean()
    elif len(big21):
        dsa = big21.mean()
    else:
        dsa = 0.0
    precision, recall = float((d12 <= tol).mean()), float((d21 <= tol).mean())
    return dict(esa12=d12.mean(), esa21=d21.mean(), esa=(d12.mean() + d21.mean()) / 2, dsa=float(dsa),
                pds12=len(big12) / len(d12), pds21=len(big21) / len(d21), pds=(len(big12) / len(d12) + len(big21) / len(d21)) / 2,
                maxDistance=min(d12.max(), d21.max()), precision=precision, recall=recall,
                f1=0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall),
                points12=len(d12), points21=len(d21))


def swc(tree):
    return ''.join(f'{n[0]} {n[1]} {n[2]} {n[3]} {n[4]} {n[5]} {n[6]}\n' for n in tree)


rng = np.random.default_rng(12)
cases = []
for k, (n1, n2, spread, shift, thres) in enumerate([(12, 15, 2.0, 0.7, 2.0), (30, 25, 3.0, 2.5, 2.0), (20, 20, 1.2, 0.2, 3.0)]):
    a = random_tree(rng, n1, spread, (10.0, 10.0, 5.0))
    b = [(i, t, round(x + rng.normal(0, shift), 3), round(y + rng.normal(0, shift), 3), round(z + rng.normal(0, shift), 3), r, p) for i, t, x, y, z, r, p in a[: n2]]
    if n2 > n1:
        b += random_tree(rng, n2 - n1 + 1, spread, b[-1][2:5])[1:]
        b = b[:n1] + [(i + n1 - 1, t, x, y, z, r, p + n1 - 1 if p > 1 else n1) for i, t, x, y, z, r, p in b[n1:]]
    s = {key: float(v) for key, v in scores(a, b, thres, thres).items()}
    cases.append(dict(a=swc(a), b=swc(b), threshold=thres, scores=s))

with open('test/fixtures/neuron/neuron-distance.json', 'w') as out:
    json.dump(cases, out, indent=1)
print('wrote', len(cases), 'cases')
