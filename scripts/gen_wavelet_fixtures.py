#!/usr/bin/python3
"""Reference values for wavecv's pywt-compatible wavelet API (test/wavelets/).

Run with Debian's python3 (PyWavelets 1.1.1):

    /usr/bin/python3 scripts/gen_wavelet_fixtures.py

Writes test/fixtures/wavelets/{dwt1d,multilevel,nd,all-wavelets}.json.
Inputs are float32-representable numbers (so the float32 tensors hold exactly
the values pywt transformed in float64); outputs are pywt's float64 results
written with 9 significant digits. Random inputs come from numpy's seeded
generator; coefficient inputs of the inverse transforms are prefixes of two
stored sequences `coefA`, `coefD`, so they are stored once.
"""
import json
import os
import warnings

import numpy as np
import pywt

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'wavelets')
MODES = ['zero', 'constant', 'symmetric', 'periodic', 'smooth', 'periodization', 'reflect', 'antisymmetric', 'antireflect']
rng = np.random.default_rng(20240611)


def f32(a):
    """Rounds to float32 and returns float64 values (exactly representable in float32)."""
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def signal(shape, scale=3.0, offset=1.0):
    return f32(offset + scale * rng.standard_normal(shape))


def num(a):
    """JSON-ready nested lists with 9 significant digits."""
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 0:
        return float('%.9g' % a)
    return [num(v) for v in a] if a.ndim > 1 else [float('%.9g' % v) for v in a]


def safe(mode, n):
    # pywt 1.1.1 loops forever on one-sample signals in these modes (see extend.ts).
    return not (n == 1 and mode in ('reflect', 'antireflect'))


COEF_A = f32(rng.standard_normal(256))
COEF_D = f32(rng.standard_normal(256))


def coef(m):
    return COEF_A[:m], COEF_D[:m]


def write(name, data):
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, name)
    with open(path, 'w') as f:
        json.dump(data, f, separators=(',', ':'))
    print('%s: %.0f kB' % (path, os.path.getsize(path) / 1024))


def gen_dwt1d():
    """Single-level dwt and idwt: 7 families, every mode, odd/even lengths, lengths below the filter."""
    waves = ['haar', 'db2', 'db7', 'db38', 'sym5', 'sym20', 'coif1', 'coif17', 'bior1.3', 'bior2.8',
             'bior6.8', 'rbio1.5', 'rbio3.1', 'rbio4.4', 'dmey']
    lengths = [1, 2, 3, 4, 7, 16, 19]
    signals = {str(n): signal(n) for n in lengths}
    cases = []
    for w in waves:
        for mode in MODES:
            for n in lengths:
                if not safe(mode, n):
                    continue
                x = signals[str(n)]
                a, d = pywt.dwt(x, w, mode)
                ca, cd = coef(len(a))
                cases.append({'wave': w, 'mode': mode, 'n': n, 'cA': num(a), 'cD': num(d),
                              'rec': num(pywt.idwt(ca, cd, w, mode))})
    # idwt with one band missing (pywt treats None as zeros)
    missing = []
    for w, mode, m in [('db3', 'symmetric', 6), ('bior2.4', 'periodization', 5), ('sym4', 'smooth', 9)]:
        ca, cd = coef(m)
        missing.append({'wave': w, 'mode': mode, 'm': m, 'noA': num(pywt.idwt(None, cd, w, mode)),
                        'noD': num(pywt.idwt(ca, None, w, mode))})
    sizes = []
    for n in [1, 2, 3, 5, 6, 7, 8, 15, 16, 17, 64, 95, 96, 97, 1000, 1023, 1024]:
        for L in [2, 4, 6, 10, 62, 76, 102]:
            sizes.append({'n': n, 'L': L, 'maxLevel': int(pywt.dwt_max_level(n, L)),
                          'coeffLen': int(pywt.dwt_coeff_len(n, L, 'symmetric')),
                          'coeffLenPer': int(pywt.dwt_coeff_len(n, L, 'periodization'))})
    write('dwt1d.json', {'pywt': pywt.__version__, 'signals': {k: num(v) for k, v in signals.items()},
                         'coefA': num(COEF_A), 'coefD': num(COEF_D), 'cases': cases, 'missing': missing,
                         'sizes': sizes})


def approx_lengths(n, w, mode, level):
    """Lengths of the signals each level of a wavedec transforms."""
    lengths = []
    for _ in range(level):
        lengths.append(n)
        n = pywt.dwt_coeff_len(n, pywt.Wavelet(w).dec_len, mode)
    return lengths


def gen_multilevel():
    """wavedec at every level from 0 to one past the maximum, every mode, odd and even lengths; waverec of other coefficients."""
    waves = ['haar', 'db3', 'sym4', 'coif2', 'bior3.3', 'rbio2.4', 'dmey']
    lengths = [29, 64]
    signals = {str(n): signal(n) for n in lengths}
    cases = []
    for w in waves:
        for mode in MODES:
            for n in lengths:
                x = signals[str(n)]
                top = pywt.dwt_max_level(n, pywt.Wavelet(w).dec_len)
                for level in range(0, top + 2):
                    if not all(safe(mode, m) for m in approx_lengths(n, w, mode, level)):
                        continue
                    with warnings.catch_warnings():
                        warnings.simplefilter('ignore')
                        coeffs = pywt.wavedec(x, w, mode, level=level)
                    # pywt reconstructs x exactly (plus one extra sample for odd lengths, stored as
                    # recTail), except for dmey, an approximate FIR Meyer wavelet (stored in full)
                    rec = pywt.waverec(coeffs, w, mode)
                    case = {'wave': w, 'mode': mode, 'n': n, 'level': level, 'maxLevel': int(top),
                            'coeffs': [num(c) for c in coeffs]}
                    if np.allclose(rec[:n], x, atol=1e-9) and len(rec) in (n, n + 1):
                        case['recTail'] = num(rec[n:])
                    else:
                        assert w == 'dmey'
                        case['rec'] = num(rec)
                    cases.append(case)
    # waverec of coefficients that are not a decomposition (odd approximation trimming)
    x = signal(23)
    coeffs = pywt.wavedec(x, 'db2', 'symmetric', level=2)
    other = [f32(rng.standard_normal(c.shape)) for c in coeffs]
    rec_other = {'wave': 'db2', 'mode': 'symmetric', 'coeffs': [num(c) for c in other],
                 'rec': num(pywt.waverec(other, 'db2', 'symmetric'))}
    # 2-D input, transform along axis 0
    x2 = signal((21, 3))
    axis0 = {'wave': 'sym3', 'mode': 'reflect', 'x': num(x2), 'level': 2,
             'coeffs': [num(c) for c in pywt.wavedec(x2, 'sym3', 'reflect', level=2, axis=0)]}
    write('multilevel.json', {'pywt': pywt.__version__, 'signals': {k: num(v) for k, v in signals.items()},
                              'cases': cases, 'recOther': rec_other, 'axis0': axis0})


def gen_nd():
    """dwt2/wavedec2, dwtn/wavedecn (3-D) incl. non-default axes, per-axis wavelets and modes; inverses on arbitrary bands."""
    out = {'pywt': pywt.__version__}
    img = signal((13, 10))
    out['img'] = num(img)
    wavedec2_cases = []
    for w in ['haar', 'db2', 'bior2.2', 'coif1']:
        for mode in MODES:
            with warnings.catch_warnings():
                warnings.simplefilter('ignore')
                coeffs = pywt.wavedec2(img, w, mode, level=2)
            wavedec2_cases.append({'wave': w, 'mode': mode, 'level': 2,
                                   'coeffs': [num(coeffs[0])] + [[num(b) for b in lv] for lv in coeffs[1:]]})
    out['wavedec2'] = wavedec2_cases
    # idwt2 of arbitrary bands, one missing
    bands = [f32(rng.standard_normal((5, 4))) for _ in range(4)]
    out['idwt2'] = {'wave': 'db2', 'mode': 'smooth', 'bands': [num(b) for b in bands],
                    'rec': num(pywt.idwt2((bands[0], (bands[1], bands[2], bands[3])), 'db2', 'smooth')),
                    'recNoH': num(pywt.idwt2((bands[0], (None, bands[2], bands[3])), 'db2', 'smooth'))}
    # dwt2 along non-default axes of a 3-D input with per-axis wavelets and modes
    vol = signal((6, 5, 9))
    a, (h, v, d) = pywt.dwt2(vol, ('db2', 'haar'), ('periodization', 'antisymmetric'), axes=(2, 0))
    out['dwt2Axes'] = {'x': num(vol), 'wave': ['db2', 'haar'], 'mode': ['periodization', 'antisymmetric'],
                       'axes': [2, 0], 'cA': num(a), 'cH': num(h), 'cV': num(v), 'cD': num(d)}
    # wavedecn on a 3-D volume, all axes and a subset
    cube = signal((9, 8, 7))
    out['cube'] = num(cube)
    nd_cases = []
    for w, mode, axes, level in [('haar', 'symmetric', None, 2), ('db2', 'periodization', None, 2),
                                 ('sym3', 'reflect', None, 1), ('db1', 'zero', [2, 0], 2),
                                 ('bior1.3', 'antireflect', [1], 1), ('coif1', 'smooth', [0, 2], 1)]:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            coeffs = pywt.wavedecn(cube, w, mode, level=level, axes=axes)
        nd_cases.append({'wave': w, 'mode': mode, 'axes': axes, 'level': level, 'coeffs':
                         [num(coeffs[0])] + [{k: num(v) for k, v in lv.items()} for lv in coeffs[1:]]})
    out['wavedecn'] = nd_cases
    # dwtn with a repeated axis, and idwtn of arbitrary bands with one missing
    rep = pywt.dwtn(cube, 'haar', 'symmetric', axes=[0, 0])
    out['dwtnRepeated'] = {'wave': 'haar', 'mode': 'symmetric', 'axes': [0, 0], 'bands': {k: num(v) for k, v in rep.items()}}
    bandsn = {k: f32(rng.standard_normal((3, 4, 2))) for k in ['aaa', 'aad', 'ada', 'add', 'daa', 'dad', 'dda', 'ddd']}
    del bandsn['dad']
    out['idwtn'] = {'wave': 'db2', 'mode': 'symmetric', 'bands': {k: num(v) for k, v in bandsn.items()},
                    'rec': num(pywt.idwtn(bandsn, 'db2', 'symmetric'))}
    write('nd.json', out)


def gen_all():
    """One 1-D dwt and idwt per discrete wavelet (all 106), modes taken in turn."""
    names = pywt.wavelist(kind='discrete')
    x = signal(21)
    cases = []
    for i, w in enumerate(names):
        mode = MODES[i % len(MODES)]
        a, d = pywt.dwt(x, w, mode)
        ca, cd = coef(len(a))
        cases.append({'wave': w, 'mode': mode, 'cA': num(a), 'cD': num(d), 'rec': num(pywt.idwt(ca, cd, w, mode))})
    write('all-wavelets.json', {'pywt': pywt.__version__, 'x': num(x), 'coefA': num(COEF_A), 'coefD': num(COEF_D),
                                'cases': cases})


if __name__ == '__main__':
    gen_dwt1d()
    gen_multilevel()
    gen_nd()
    gen_all()
