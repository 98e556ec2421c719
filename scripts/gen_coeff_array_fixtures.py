#!/usr/bin/python3
"""Reference values for wavecv's coeffsToArray / arrayToCoeffs
(test/wavelets/coeff-array.test.ts), from PyWavelets 1.1.1's
coeffs_to_array / array_to_coeffs.

Run with Debian's python3:

    /usr/bin/python3 scripts/gen_coeff_array_fixtures.py

Writes test/fixtures/wavelets/coeff-array.json. Each case stores the input
(float32-representable values from numpy's seeded generator), the transform
that made the coefficients, the packed array (9 significant digits; padding
values as given, NaN written as null) and the slices: one entry per axis,
[start, stop] or null for pywt's slice(None) (the whole axis).
"""
import json
import os

import numpy as np
import pywt

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'wavelets', 'coeff-array.json')
rng = np.random.default_rng(20261204)


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def num(a):
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 0:
        return None if np.isnan(a) else float('%.9g' % a)
    return [num(v) for v in a]


def slices(s):
    return [None if (sl.start is None and sl.stop is None) else [sl.start or 0, sl.stop] for sl in s]


def slice_list(cs):
    return [slices(cs[0])] + [{k: slices(v) for k, v in d.items()} for d in cs[1:]]


def case(name, x, transform, wave, mode, level, axes, padding, fmt):
    fn = {'wavedec': pywt.wavedec, 'wavedec2': pywt.wavedec2, 'wavedecn': pywt.wavedecn}[transform]
    kwargs = {'mode': mode, 'level': level}
    if axes is not None:
        kwargs['axis' if transform == 'wavedec' else 'axes'] = axes[0] if transform == 'wavedec' else axes
    coeffs = fn(x, wave, **kwargs)
    arr, cs = pywt.coeffs_to_array(coeffs, padding=padding, axes=None if transform == 'wavedec' else axes)
    back = pywt.array_to_coeffs(arr, cs, output_format=fmt)
    if fmt == 'wavedec':
        back_out = [num(back[0])] + [num(d) for d in back[1:]]
    elif fmt == 'wavedec2':
        back_out = [num(back[0])] + [[num(b) for b in d] for d in back[1:]]
    else:
        back_out = [num(back[0])] + [{k: num(v) for k, v in d.items()} for d in back[1:]]
    return {
        'name': name, 'x': num(x), 'transform': transform, 'wave': wave, 'mode': mode, 'level': level,
        'axes': None if axes is None else list(axes), 'padding': None if padding is None else ('nan' if np.isnan(padding) else padding),
        'array': num(arr), 'slices': slice_list(cs), 'format': fmt, 'coeffs': back_out,
    }


def main():
    img = f32(rng.standard_normal((14, 13)) * 3)
    square = f32(rng.standard_normal((16, 12)))
    line = f32(rng.standard_normal(41) * 2 + 1)
    batch = f32(rng.standard_normal((3, 14, 13)))
    vol = f32(rng.standard_normal((7, 6, 5)))
    big = f32(rng.standard_normal((12, 11, 10)))
    cases = [
        case('wavedecn 2-D, not tight, padding 0', img, 'wavedecn', 'db2', 'symmetric', 2, None, 0, 'wavedecn'),
        case('wavedec2 2-D, padding -1', img, 'wavedec2', 'db2', 'symmetric', 2, None, -1.0, 'wavedec2'),
        case('wavedec2 periodization, tight packing, padding None', square, 'wavedec2', 'haar', 'periodization', 2, None, None, 'wavedec2'),
        case('wavedec 1-D', line, 'wavedec', 'db3', 'smooth', 2, None, 0, 'wavedec'),
        case('wavedec2 of a batch over axes (1, 2), NaN padding', batch, 'wavedec2', 'sym2', 'reflect', 2, (1, 2), np.nan, 'wavedec2'),
        case('wavedecn of a volume over axes (2, 0)', vol, 'wavedecn', 'haar', 'zero', 2, (2, 0), 0, 'wavedecn'),
        case('wavedecn 3-D, all axes, negative axes', big, 'wavedecn', 'bior1.3', 'periodization', 1, (-3, -2, -1), 0, 'wavedecn'),
        case('level 0: the approximation alone', img, 'wavedecn', 'db2', 'symmetric', 0, None, 0, 'wavedecn'),
    ]
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as f:
        json.dump({'pywt': pywt.__version__, 'cases': cases}, f, separators=(',', ':'))
    print('%s: %.0f kB' % (OUT, os.path.getsize(OUT) / 1024))


if __name__ == '__main__':
    main()
