#!/usr/bin/env python3
"""Reference values for the filtering primitives of src/data/corruptions/.

Written with numpy + scipy.ndimage (Debian's /usr/bin/python3), which the ImageNet-C reference code (hendrycks/robustness) calls directly (map_coordinates,
skimage.filters.gaussian = scipy.ndimage.gaussian_filter) or through OpenCV
(cv2.filter2D and cv2.warpAffine with BORDER_REFLECT_101 = scipy 'mirror';
cv2.GaussianBlur uses getGaussianKernel's weights exp(-(i-(k-1)/2)^2/2s^2)).
OpenCV, skimage and PIL are not installed here, so those three are expressed
with scipy as noted. Output: test/data/fixtures/corruptions.json.

The corruptions that draw random numbers (glass blur, spatter) are rendered
from given draws, which the tests pass to the TypeScript functions.

Run: /usr/bin/python3 scripts/gen_corruption_fixtures.py
"""
import json
import os

import numpy as np
from scipy import ndimage

rng = np.random.default_rng(20240501)
out = {}


def plane(h, w):
    return rng.random((h, w))


# 1. skimage.filters.gaussian(sigma) == ndimage.gaussian_filter(mode='nearest', truncate=4)
p = plane(7, 9)
out['gaussian_nearest'] = {
    'input': p.ravel().tolist(), 'height': 7, 'width': 9,
    'cases': [{'sigma': s, 'output': ndimage.gaussian_filter(p, s, mode='nearest', truncate=4.0).ravel().tolist()}
              for s in (0.4, 1.0, 2.5)],
}

# 2. the elastic displacement smoothing: mode='reflect', truncate=3, sigma larger than the image too
p = plane(6, 5)
out['gaussian_reflect'] = {
    'input': p.ravel().tolist(), 'height': 6, 'width': 5,
    'cases': [{'sigma': s, 'output': ndimage.gaussian_filter(p, s, mode='reflect', truncate=3.0).ravel().tolist()}
              for s in (0.84, 1.68, 5.6)],
}


# 3. defocus blur: anti-aliased disk, then correlation with reflect-101 borders
def disk(radius, alias_blur):
    if radius <= 8:
        half, k = 8, 3
    else:
        half, k = int(np.ceil(radius)), 5
    grid = np.arange(-half, half + 1)
    xx, yy = np.meshgrid(grid, grid)
    d = (xx ** 2 + yy ** 2 <= radius ** 2).astype(np.float64)
    d /= d.sum()
    g = np.exp(-((np.arange(k) - (k - 1) / 2) ** 2) / (2 * alias_blur ** 2))
    g /= g.sum()
    d = ndimage.correlate1d(d, g, axis=1, mode='mirror')
    return ndimage.correlate1d(d, g, axis=0, mode='mirror')


p = plane(24, 22)
out['defocus'] = {
    'input': p.ravel().tolist(), 'height': 24, 'width': 22,
    'cases': [{'radius': r, 'aliasBlur': a, 'output': ndimage.correlate(p, disk(r, a), mode='mirror').ravel().tolist()}
              for r, a in ((0.3, 0.4), (1.5, 0.1), (3, 0.1), (10, 0.5))],
}

# 4. bilinear sampling, map_coordinates(order=1, mode='reflect'), points inside and outside
p = plane(5, 6)
rows = rng.uniform(-3, 8, 40)
cols = rng.uniform(-3, 9, 40)
out['bilinear_reflect'] = {
    'input': p.ravel().tolist(), 'height': 5, 'width': 6, 'rows': rows.tolist(), 'cols': cols.tolist(),
    'output': ndimage.map_coordinates(p, [rows, cols], order=1, mode='reflect').tolist(),
}


# 5. the elastic transform given its random inputs (cv2 affine expressed with ndimage.affine_transform)
def affine_from_points(src, dst):
    a = np.hstack([src, np.ones((3, 1))])
    return np.vstack([np.linalg.solve(a, dst[:, 0]), np.linalg.solve(a, dst[:, 1])])  # 2x3, maps (x, y, 1)


def elastic(img, alpha, sigma, offsets, noise_x, noise_y):
    h, w = img.shape
    cx, cy, s = w // 2, h // 2, min(h, w) // 3
    src = np.array([[cx + s, cy + s], [cx + s, cy - s], [cx - s, cy - s]], dtype=np.float64)
    dst = src + np.asarray(offsets).reshape(3, 2)
    m = affine_from_points(src, dst)
    inv = np.linalg.inv(np.vstack([m, [0, 0, 1]]))
    # ndimage works in (row, col) = (y, x): input = R @ output + t
    r = np.array([[inv[1, 1], inv[1, 0]], [inv[0, 1], inv[0, 0]]])
    t = np.array([inv[1, 2], inv[0, 2]])
    warped = ndimage.affine_transform(img, r, offset=t, order=1, mode='mirror')
    dx = ndimage.gaussian_filter(noise_x, sigma, mode='reflect', truncate=3) * alpha
    dy = ndimage.gaussian_filter(noise_y, sigma, mode='reflect', truncate=3) * alpha
    yy, xx = np.meshgrid(np.arange(h), np.arange(w), indexing='ij')
    return ndimage.map_coordinates(warped, [yy + dy, xx + dx], order=1, mode='reflect'), warped


h, w = 12, 12
p = plane(h, w)
cases = []
for alpha, sigma, jitter in ((0.0, 0.0, 0.96), (0.6, 2.4, 0.84), (1.2, 0.36, 0.36)):
    offsets = rng.uniform(-jitter, jitter, 6)
    nx = rng.uniform(-1, 1, (h, w))
    ny = rng.uniform(-1, 1, (h, w))
    result, warped = elastic(p, alpha, sigma, offsets, nx, ny)
    cases.append({'alpha': alpha, 'sigma': sigma, 'pointOffsets': offsets.tolist(), 'noiseX': nx.ravel().tolist(),
                  'noiseY': ny.ravel().tolist(), 'warped': warped.ravel().tolist(), 'output': result.ravel().tolist()})
out['elastic'] = {'input': p.ravel().tolist(), 'height': h, 'width': w, 'cases': cases}

# 6. glass blur given its draws (the reference's glass_blur on an H x W x C float image; the
#    tuple "swap" of numpy views copies pixel (h', w') onto (h, w))
def glass(img, sigma, d, iterations, draws):
    h, w, _ = img.shape
    x = np.floor(ndimage.gaussian_filter(img, (sigma, sigma, 0), mode='nearest', truncate=4.0) * 255)
    k = 0
    for _ in range(iterations):
        for hh in range(h - d, d, -1):
            for ww in range(w - d, d, -1):
                dx, dy = draws[k], draws[k + 1]
                k += 2
                hp, wp = hh + dy, ww + dx
                x[hh, ww], x[hp, wp] = x[hp, wp], x[hh, ww]
    return np.clip(ndimage.gaussian_filter(x / 255., (sigma, sigma, 0), mode='nearest', truncate=4.0), 0, 1)


img = np.floor(rng.random((11, 10, 3)) * 256) / 255
cases = []
for sigma, d, iterations in ((0.4, 1, 2), (0.9, 2, 1)):
    count = 2 * iterations * (11 - 2 * d) * (10 - 2 * d)
    draws = rng.integers(-d, d, count)
    cases.append({'sigma': sigma, 'maxDelta': d, 'iterations': iterations, 'draws': draws.tolist(),
                  'output': glass(img, sigma, d, iterations, draws).transpose(2, 0, 1).ravel().tolist()})
out['glass_blur'] = {'input': img.transpose(2, 0, 1).ravel().tolist(), 'height': 11, 'width': 10, 'channels': 3, 'cases': cases}


# 7. zoom blur: clipped_zoom with scipy.ndimage.zoom(order=1) and numpy.arange factors
def clipped_zoom(p, factor):
    h = p.shape[0]
    ch = int(np.ceil(h / factor))
    top = (h - ch) // 2
    z = ndimage.zoom(p[top:top + ch, top:top + ch], factor, order=1)
    t = (z.shape[0] - h) // 2
    return z[t:t + h, t:t + h]


p = plane(16, 16)
cases = []
for start, stop, step in ((1, 1.06, 0.01), (1, 1.31, 0.03), (1, 1.16, 0.01)):
    factors = np.arange(start, stop, step)
    acc = p.copy()
    for f in factors:
        acc = acc + clipped_zoom(p, f)
    cases.append({'start': start, 'stop': stop, 'step': step, 'factors': factors.tolist(), 'output': (acc / (len(factors) + 1)).ravel().tolist()})
out['zoom_blur'] = {'input': p.ravel().tolist(), 'height': 16, 'width': 16, 'cases': cases,
                    'clippedZoom': [{'factor': f, 'output': clipped_zoom(p, f).ravel().tolist()} for f in (1.75, 2.25, 4.5)]}


# 8. saturate: skimage's rgb2hsv / hsv2rgb written out, S <- clip(S*a + b, 0, 1)
def rgb2hsv(rgb):
    v = rgb.max(-1)
    delta = rgb.max(-1) - rgb.min(-1)
    s = np.where(v > 0, delta / np.where(v > 0, v, 1), 0)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    safe = np.where(delta > 0, delta, 1)
    h = np.where(r == v, (g - b) / safe, np.where(g == v, 2 + (b - r) / safe, 4 + (r - g) / safe))
    h = np.where(delta > 0, (h / 6) % 1, 0)
    return np.stack([h, s, v], -1)


def hsv2rgb(hsv):
    h, s, v = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    hi = np.floor(h * 6) % 6
    f = h * 6 - np.floor(h * 6)
    p_, q, t = v * (1 - s), v * (1 - f * s), v * (1 - (1 - f) * s)
    table = [(v, t, p_), (q, v, p_), (p_, v, t), (p_, q, v), (t, p_, v), (v, p_, q)]
    out = np.zeros(hsv.shape)
    for i, (a, b_, c_) in enumerate(table):
        sel = hi == i
        out[sel] = np.stack([a, b_, c_], -1)[sel]
    return out


rgb = rng.random((6, 7, 3))
rgb[0, 0] = [0.5, 0.5, 0.5]  # a gray pixel: hue 0 in skimage
rgb[0, 1] = [0, 0, 0]
cases = []
for a, b in ((0.3, 0), (2, 0.1), (20, 0.2)):
    hsv = rgb2hsv(rgb)
    hsv[..., 1] = np.clip(hsv[..., 1] * a + b, 0, 1)
    cases.append({'scale': a, 'shift': b, 'output': np.clip(hsv2rgb(hsv), 0, 1).ravel().tolist()})
out['saturate'] = {'input': rgb.ravel().tolist(), 'height': 6, 'width': 7, 'cases': cases}


# 9. spatter, mud branch, given its normals: skimage gaussian = ndimage 'nearest', truncate 4
x = rng.random((12, 13, 3))
normals = rng.normal(size=(12, 13))
cases = []
for mean, spread, sigma, threshold, mud_sigma in ((0.65, 0.3, 1, 0.65, 1.5), (0.67, 0.4, 1, 0.65, 1.5), (0.65, 0.1, 0.7, 0.69, 0.6)):
    layer = ndimage.gaussian_filter(mean + spread * normals, sigma, mode='nearest', truncate=4.0)
    layer[layer < threshold] = 0
    m = ndimage.gaussian_filter(np.where(layer > threshold, 1.0, 0.0), mud_sigma, mode='nearest', truncate=4.0)
    m[m < 0.8] = 0
    colour = np.array([63, 42, 20]) / 255.
    cases.append({'parameters': [mean, spread, sigma, threshold, mud_sigma, 1],
                  'output': np.clip(x * (1 - m[..., None]) + colour * m[..., None], 0, 1).transpose(2, 0, 1).ravel().tolist()})
out['spatter_mud'] = {'input': x.transpose(2, 0, 1).ravel().tolist(), 'normals': normals.ravel().tolist(), 'height': 12, 'width': 13, 'cases': cases}

path = os.path.join(os.path.dirname(__file__), '..', 'test', 'data', 'fixtures', 'corruptions.json')
with open(path, 'w') as f:
    json.dump(out, f)
print('wrote', os.path.normpath(path), os.path.getsize(path), 'bytes')
