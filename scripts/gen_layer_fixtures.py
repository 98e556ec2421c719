"""Reference values for the wavelet layers (test/wavelets/layers*.test.ts).

Writes test/wavelets/fixtures/layers.json: for haar, db2, db4, bior3.3 and sym4,
on channel-last tensors [batch, spatial..., channels] with odd, even and
shorter-than-filter sizes in 1, 2 and 3 spatial dimensions (and dmey, whose
62 taps take the convolutions' general path, on two of them):
  - the periodization DWT over the spatial axes (pywt.dwtn, keys in sorted
    order 'a…'/'d…', the product order of the layers), and
  - the periodization IDWT (pywt.idwtn) of random coefficients;
and the same for a few other modes (symmetric, zero, reflect, antireflect),
which the layers delegate to the numeric dwtn/idwtn.
Run with Debian's python3-pywt 1.1.1:  /usr/bin/python3 scripts/gen_layer_fixtures.py
"""
import itertools
import json
import os

import numpy as np
import pywt

rng = np.random.default_rng(20240607)
WAVELETS = ['haar', 'db2', 'db4', 'bior3.3', 'sym4']
SHAPES = {
    1: [[2, 9, 2], [1, 10, 3], [1, 3, 2]],
    2: [[1, 7, 6, 2], [2, 8, 8, 1], [1, 3, 5, 1]],
    3: [[1, 5, 6, 4, 1], [1, 4, 4, 4, 2]],
}


def r(a):
    return [float(f'{v:.9g}') for v in np.asarray(a, dtype=np.float64).ravel()]


cases = []
runs = [(name, 'periodization', dims, shape) for name in WAVELETS for dims, shapes in SHAPES.items() for shape in shapes]
runs += [('dmey', 'periodization', 1, [1, 10, 3]), ('dmey', 'periodization', 2, [1, 7, 6, 2])]
runs += [('db2', 'symmetric', 2, [1, 7, 6, 2]), ('bior3.3', 'zero', 2, [2, 5, 8, 1]), ('sym4', 'reflect', 1, [2, 9, 2]), ('haar', 'antireflect', 3, [1, 5, 6, 4, 1])]
for name, mode, dims, shape in runs:
            axes = tuple(range(1, dims + 1))
            x = rng.standard_normal(shape).astype(np.float32).astype(np.float64)
            d = pywt.dwtn(x, name, mode=mode, axes=axes)
            keys = [''.join(k) for k in itertools.product('ad', repeat=dims)]
            band_shape = list(d[keys[0]].shape)
            coeffs = {k: rng.standard_normal(band_shape).astype(np.float32).astype(np.float64) for k in keys}
            y = pywt.idwtn(coeffs, name, mode=mode, axes=axes)
            cases.append({
                'wavelet': name,
                'mode': mode,
                'dims': dims,
                'shape': shape,
                'x': r(x),
                'bandShape': band_shape,
                'keys': keys,
                'bands': [r(d[k]) for k in keys],
                'coeffs': [r(coeffs[k]) for k in keys],
                'idwtShape': list(y.shape),
                'idwt': r(y),
            })

out = os.path.join(os.path.dirname(__file__), '..', 'test', 'wavelets', 'fixtures', 'layers.json')
os.makedirs(os.path.dirname(out), exist_ok=True)
with open(out, 'w') as f:
    json.dump({'generator': 'scripts/gen_layer_fixtures.py', 'pywt': pywt.__version__, 'cases': cases}, f)
print(out, len(cases), 'cases', os.path.getsize(out), 'bytes')
