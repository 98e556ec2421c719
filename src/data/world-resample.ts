/**
 * Resampling a 3-D volume onto another grid through world coordinates: the
 * voxel (i, j, k) → world (x, y, z) affines of both grids (`Volume.affine`,
 * NIfTI's sform/qform), optionally with a world → world map between two
 * subjects. Used to bring an atlas stored on a different grid (HarvardOxford's
 * 182×218×182 flipped grid) onto the Colin27 grid, and another subject's scan
 * onto it.
 *
 * Decisions: a target voxel p (index order (z, y, x), slowest first, as
 * `io/volume.ts` lays volumes out) goes to world by the target affine, through
 * the optional `transform` (4×4, target world → source world), and back to
 * source voxel indices by the inverse of the source affine; the source is
 * sampled there by `nn/warp.ts` (linear or nearest, zero padding outside), the
 * displacement being (source index − p) in voxels, components in axis order.
 */
import * as tf from '@tensorflow/tfjs';
import { check } from '../errors.js';
import { warp } from '../nn/warp.js';

export type Matrix4 = number[][];

/** A 3-D grid: spatial shape [nz, ny, nx] and its voxel (i, j, k) → world affine. */
export interface Grid3 {
  shape: number[];
  affine: Matrix4;
}

/** Product a·b of two 4×4 matrices. */
export function multiply4(a: Matrix4, b: Matrix4): Matrix4 {
  return a.map((row) => [0, 1, 2, 3].map((c) => row.reduce((s, v, k) => s + v * b[k][c], 0)));
}

/** Inverse of an affine 4×4 matrix (last row 0 0 0 1). */
export function invertAffine4(m: Matrix4): Matrix4 {
  const [[a, b, c], [d, e, f], [g, h, i]] = m;
  const det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
  check(Math.abs(det) > 1e-12, 'affine', m, 'an invertible voxel → world matrix');
  const r = [
    [(e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det],
    [(f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det],
    [(d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det],
  ];
  const t = [0, 1, 2].map((row) => -(r[row][0] * m[0][3] + r[row][1] * m[1][3] + r[row][2] * m[2][3]));
  return [[...r[0], t[0]], [...r[1], t[1]], [...r[2], t[2]], [0, 0, 0, 1]];
}

export interface WorldResampleOptions {
  interpolation: 'linear' | 'nearest';
  /** Target world → source world (default: the identity, both in one world space). */
  transform?: Matrix4;
}

/** `values` on the `source` grid resampled onto the `target` grid (module comment). */
export function resampleWorld(values: Float32Array, source: Grid3, target: Grid3, options: WorldResampleOptions): Float32Array {
  check(source.shape.length === 3 && target.shape.length === 3, 'shape', [source.shape, target.shape], 'two 3-D grids');
  check(values.length === source.shape.reduce((a, b) => a * b, 1), 'values', values.length, `${source.shape.join('×')} voxels`);
  const toSource = multiply4(invertAffine4(source.affine), multiply4(options.transform ?? [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], target.affine));
  const [D, H, W] = target.shape;
  const field = new Float32Array(D * H * W * 3);
  for (let z = 0, o = 0; z < D; z++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++, o += 3) {
        // source (i, j, k) = toSource · (x, y, z, 1); components in axis order (k, j, i)
        const [i, j, k] = [0, 1, 2].map((r) => toSource[r][0] * x + toSource[r][1] * y + toSource[r][2] * z + toSource[r][3]);
        field[o] = k - z;
        field[o + 1] = j - y;
        field[o + 2] = i - x;
      }
  return tf.tidy(() => warp(tf.tensor(values, [1, ...source.shape, 1]), tf.tensor(field, [1, D, H, W, 3]), { interpolation: options.interpolation, padding: 'zeros' }).dataSync() as Float32Array);
}
