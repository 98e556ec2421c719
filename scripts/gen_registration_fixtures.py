"""Reference values for the registration building blocks, computed
independently with PyTorch, numpy and scipy (Debian python3-torch 1.13,
python3-numpy, python3-scipy), in float64: writes
test/fixtures/registration.json.

Run: /usr/bin/python3 scripts/gen_registration_fixtures.py

- warp: torch.nn.functional.grid_sample(align_corners=True) on a grid built
  as VoxelMorph's SpatialTransformer builds it (identity + displacement in
  voxels, normalised by 2 (p / (n - 1) - 0.5), channel order reversed to
  x, y, z), bilinear and nearest, zeros and border padding; gradients of
  <dy, warp(image, field)> with respect to the image and to the field in
  voxels (autograd through the normalisation).
- integrate: scaling and squaring as VoxelMorph's VecInt (v / 2^7, then 7
  times v + warp(v, v)), with border padding as WiNet, and zeros.
- compose: b + warp(a, b) (VoxelMorph's compose), border padding.
- ncc: VoxelMorph's NCC loss (window 9 or 5, zero-padded box sums by
  conv with ones, eps 1e-5) and its gradient with respect to the prediction.
- smoothness: VoxelMorph's Grad loss (forward differences per axis, l1 or
  l2, mean per axis, averaged over the axes).
- jacobian: VoxelMorph's jacobian_determinant (np.gradient of displacement
  plus identity, then the determinant), written out from its description.
- hd95: MedPy's hd95 (surfaces = mask XOR its erosion with the
  face-connected structure, scipy's exact Euclidean distance transform with
  voxel spacing, 95th percentile of both directed distance sets together).
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F
from scipy import ndimage

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(13)


def flat(a):
    return [float(v) for v in np.asarray(a, dtype=np.float64).ravel()]


def torch_warp(image, field, mode, padding):
    """image [B, *S, C], field [B, *S', n] in voxels -> [B, *S', C] (channels last)."""
    nd = field.shape[-1]
    src = image.permute(0, nd + 1, *range(1, nd + 1))
    in_size = image.shape[1:-1]
    out_size = field.shape[1:-1]
    grids = torch.meshgrid(*[torch.arange(n, dtype=torch.float64) for n in out_size], indexing='ij')
    locs = torch.stack(grids, -1).unsqueeze(0) + field
    norm = torch.stack([2 * (locs[..., i] / (in_size[i] - 1) - 0.5) for i in range(nd)], -1)
    norm = norm.flip(-1)
    out = F.grid_sample(src, norm, mode=mode, padding_mode=padding, align_corners=True)
    return out.permute(0, *range(2, nd + 2), 1)


def warp_case(image_shape, field_shape, scale):
    image = rng.normal(size=image_shape)
    field = rng.normal(size=field_shape) * scale
    out_shape = list(field_shape[:-1]) + [image_shape[-1]]
    dy = rng.normal(size=out_shape)
    case = {'imageShape': list(image_shape), 'fieldShape': list(field_shape), 'image': flat(image), 'field': flat(field), 'dy': flat(dy), 'results': []}
    in_size = image_shape[1:-1]
    for mode in ['bilinear', 'nearest']:
        for padding in ['zeros', 'border']:
            ti = torch.tensor(image, requires_grad=True)
            tf_ = torch.tensor(field, requires_grad=True)
            out = torch_warp(ti, tf_, mode, padding)
            (out * torch.tensor(dy)).sum().backward()
            result = {'interpolation': 'linear' if mode == 'bilinear' else 'nearest', 'padding': padding, 'out': flat(out.detach()), 'dImage': flat(ti.grad)}
            if mode == 'bilinear':
                result['dField'] = flat(tf_.grad)
            case['results'].append(result)
    return case


def vec_int(v, steps, padding):
    v = v / 2 ** steps
    for _ in range(steps):
        v = v + torch_warp(v, v, 'bilinear', padding)
    return v


def smooth_field(shape, sigma, scale):
    f = rng.normal(size=shape)
    f = ndimage.gaussian_filter(f, sigma=[0] + [sigma] * (len(shape) - 2) + [0])
    return f * scale / np.abs(f).max()


def ncc_vxm(I, J, win):
    """VoxelMorph's NCC loss; I, J [B, 1, *S]."""
    nd = I.dim() - 2
    filt = torch.ones([1, 1] + [win] * nd)
    pad = win // 2
    conv = getattr(F, 'conv%dd' % nd)
    I2, J2, IJ = I * I, J * J, I * J
    I_sum, J_sum, I2_sum, J2_sum, IJ_sum = [conv(t, filt, stride=1, padding=pad) for t in (I, J, I2, J2, IJ)]
    size = float(win ** nd)
    u_I = I_sum / size
    u_J = J_sum / size
    cross = IJ_sum - u_J * I_sum - u_I * J_sum + u_I * u_J * size
    I_var = I2_sum - 2 * u_I * I_sum + u_I * u_I * size
    J_var = J2_sum - 2 * u_J * J_sum + u_J * u_J * size
    cc = cross * cross / (I_var * J_var + 1e-5)
    return -torch.mean(cc)


def ncc_case(shape, win):
    base = ndimage.gaussian_filter(rng.normal(size=shape), sigma=[0] + [1.5] * (len(shape) - 2) + [0])
    a = base + 0.3 * rng.normal(size=shape)
    b = 0.7 * base + 0.2 + 0.3 * rng.normal(size=shape)
    ta = torch.tensor(a)
    tb = torch.tensor(b, requires_grad=True)
    nd = len(shape) - 2
    perm = (0, nd + 1, *range(1, nd + 1))
    loss = ncc_vxm(ta.permute(*perm), tb.permute(*perm), win)
    loss.backward()
    return {'shape': list(shape), 'window': win, 'a': flat(a), 'b': flat(b), 'loss': float(loss), 'dB': flat(tb.grad)}


def grad_loss(field, penalty):
    """VoxelMorph's Grad loss on [B, *S, n] (channels last)."""
    nd = field.ndim - 2
    terms = []
    for ax in range(1, nd + 1):
        d = np.abs(np.diff(field, axis=ax))
        if penalty == 'l2':
            d = d * d
        terms.append(d.mean())
    return float(np.sum(terms) / nd)


def jacobian_determinant(disp):
    vol = disp.shape[:-1]
    nd = len(vol)
    grid = np.stack(np.meshgrid(*[np.arange(n) for n in vol], indexing='ij'), nd)
    J = np.gradient(disp + grid)
    if nd == 3:
        dx, dy, dz = J[0], J[1], J[2]
        j0 = dx[..., 0] * (dy[..., 1] * dz[..., 2] - dy[..., 2] * dz[..., 1])
        j1 = dx[..., 1] * (dy[..., 0] * dz[..., 2] - dy[..., 2] * dz[..., 0])
        j2 = dx[..., 2] * (dy[..., 0] * dz[..., 1] - dy[..., 1] * dz[..., 0])
        return j0 - j1 + j2
    dfdx, dfdy = J[0], J[1]
    return dfdx[..., 0] * dfdy[..., 1] - dfdy[..., 0] * dfdx[..., 1]


def surface_distances(result, reference, spacing):
    footprint = ndimage.generate_binary_structure(result.ndim, 1)
    result_border = result ^ ndimage.binary_erosion(result, structure=footprint, iterations=1)
    reference_border = reference ^ ndimage.binary_erosion(reference, structure=footprint, iterations=1)
    dt = ndimage.distance_transform_edt(~reference_border, sampling=spacing)
    return dt[result_border]


def hd95(a, b, spacing):
    return float(np.percentile(np.hstack((surface_distances(a, b, spacing), surface_distances(b, a, spacing))), 95))


def blobs(shape, classes, sigma):
    f = ndimage.gaussian_filter(rng.normal(size=(classes,) + shape), sigma=[0] + [sigma] * len(shape))
    return f.argmax(0).astype(np.int32)


fixtures = {
    'warp': [
        warp_case((2, 5, 6, 2), (2, 4, 7, 2), 1.6),
        warp_case((1, 4, 5, 3, 2), (1, 4, 5, 3, 3), 1.3),
        warp_case((1, 3, 4, 5, 1), (1, 2, 3, 4, 3), 0.8),
    ],
    'integrate': [],
    'compose': [],
    'ncc': [ncc_case((1, 12, 11, 1), 9), ncc_case((2, 9, 8, 1), 5), ncc_case((1, 7, 8, 6, 1), 5)],
    'smoothness': [],
    'jacobian': [],
    'hd95': [],
}

for shape, scale in [((1, 12, 10, 2), 6.0), ((1, 8, 7, 9, 3), 4.0)]:
    v = smooth_field(shape, 2.0, scale)
    for padding in ['border', 'zeros']:
        u = vec_int(torch.tensor(v), 7, padding)
        fixtures['integrate'].append({'shape': list(shape), 'steps': 7, 'padding': padding, 'velocity': flat(v), 'displacement': flat(u)})
    a = smooth_field(shape, 1.5, 2.0)
    b = smooth_field(shape, 1.5, 2.0)
    c = torch.tensor(b) + torch_warp(torch.tensor(a), torch.tensor(b), 'bilinear', 'border')
    fixtures['compose'].append({'shape': list(shape), 'a': flat(a), 'b': flat(b), 'composed': flat(c)})

for shape in [(2, 6, 7, 2), (1, 5, 4, 6, 3)]:
    f = rng.normal(size=shape)
    fixtures['smoothness'].append({'shape': list(shape), 'field': flat(f), 'l1': grad_loss(f, 'l1'), 'l2': grad_loss(f, 'l2')})

for shape, scale in [((9, 8, 2), 3.0), ((6, 7, 5, 3), 2.5)]:
    disp = smooth_field((1,) + shape, 1.0, scale)[0]
    det = jacobian_determinant(disp)
    fixtures['jacobian'].append({'shape': list(shape), 'field': flat(disp), 'determinant': flat(det), 'foldingPercent': float(100 * np.mean(det <= 0))})

for shape, spacing in [((20, 24), (1.0, 1.0)), ((14, 12, 16), (1.0, 2.0, 1.5))]:
    a = blobs(shape, 4, 2.0)
    b = blobs(shape, 4, 2.0)
    per_label = {}
    for label in [1, 2, 3]:
        per_label[str(label)] = hd95(a == label, b == label, spacing)
    dice = {str(l): float(2 * np.sum((a == l) & (b == l)) / (np.sum(a == l) + np.sum(b == l))) for l in [1, 2, 3]}
    fixtures['hd95'].append({'shape': list(shape), 'spacing': list(spacing), 'a': [int(v) for v in a.ravel()], 'b': [int(v) for v in b.ravel()], 'hd95': per_label, 'dice': dice})

out = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'registration.json')
with open(out, 'w') as fh:
    json.dump(fixtures, fh, separators=(',', ':'))
print('wrote', out, os.path.getsize(out), 'bytes')
