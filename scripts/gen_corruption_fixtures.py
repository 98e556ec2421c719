#!/usr/bin/env python3
"""Reference values for the filtering primitives of src/data/corruptions/.

Written with numpy + scipy.ndimage (scipy 1.17.1 here; Debian's /usr/bin/python3
has no scipy, so run it with a python3 that has), which the ImageNet-C reference code (hendrycks/robustness) calls directly (map_coordinates,
skimage.filters.gaussian = scipy.ndimage.gaussian_filter) or through OpenCV
(cv2.filter2D and cv2.warpAffine with BORDER_REFLECT_101 = scipy 'mirror';
cv2.GaussianBlur uses getGaussianKernel's weights exp(-(i-(k-1)/2)^2/2s^2)).
OpenCV, skimage and PIL are not installed here, so those three are expressed
with scipy as noted. Output: test/data/fixtures/corruptions.json.

Run: python3 scripts/gen_corruption_fixtures.py
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

path = os.path.join(os.path.dirname(__file__), '..', 'test', 'data', 'fixtures', 'corruptions.json')
with open(path, 'w') as f:
    json.dump(out, f)
print('wrote', os.path.normpath(path), os.path.getsize(path), 'bytes')
