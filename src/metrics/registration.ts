/**
 * Registration metrics on host arrays (or tensors, read once): the Jacobian
 * determinant of a displacement field and the share of folded voxels, Dice
 * overlap and the 95th-percentile Hausdorff distance of label maps.
 *
 *  - {@link jacobianDeterminant}: as VoxelMorph's `jacobian_determinant`
 *    (Balakrishnan et al. 2019; the function WiNet's `eval.py` uses): the
 *    determinant of the gradient of φ = identity + displacement, the gradient
 *    taken with `np.gradient`'s differences (central inside, one-sided at the
 *    borders, unit spacing). Fields [(1,) *S, n] in voxels, components in the
 *    order of the axes (the conventions of `nn/warp.ts`).
 *  - {@link foldingPercentage}: 100 · #(det ≤ 0) / #voxels (WiNet's %|J|≤0).
 *  - {@link dice}: 2|A∩B| / (|A| + |B|) per label (Dice 1945); NaN for a
 *    label absent from both maps (nothing to overlap; VoxelMorph returns 0
 *    there, which drags a mean down for a label that is simply not in view).
 *  - {@link hd95}: as MedPy's `hd95`: surface voxels are the mask minus its
 *    erosion by the face-connected structuring element (the array's outside
 *    counts as background); the distance of every surface voxel of one map to
 *    the nearest surface voxel of the other, both directions pooled, and the
 *    95th percentile of that pool (numpy's linear interpolation). Distances in
 *    `spacing` units (voxels by default); NaN when either mask is empty.
 *    The exact Euclidean distance transform is separable (Felzenszwalb &
 *    Huttenlocher 2012, "Distance Transforms of Sampled Functions", §2.1 and
 *    the n-D extension of §3), with real sample positions for anisotropic
 *    spacing; it runs on the bounding box of the two masks (exact, because
 *    every surface voxel lies inside it).
 */
import * as tf from '@tensorflow/tfjs';
import { hostValues } from '../engine/read.js';
import { check } from '../errors.js';

/**
 * Values and shape of a grid; a tensor is read synchronously where the
 * backend can (`hostValues` of src/engine/read.ts: cpu, wasm), so callers on
 * webgpu pass `{ data, shape }` read asynchronously.
 */
export type GridValues = tf.Tensor | { data: ArrayLike<number>; shape: readonly number[] };

function gridValues(x: GridValues, argument: string): { data: ArrayLike<number>; shape: number[] } {
  if (x instanceof tf.Tensor) return { data: hostValues(x, argument), shape: [...x.shape] };
  return { data: x.data, shape: [...x.shape] };
}

const product = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Determinant of the Jacobian of identity + `field` at every voxel (module comment); shape = the field's spatial shape. */
export function jacobianDeterminant(field: GridValues): { data: Float64Array; shape: number[] } {
  const { data, shape: full } = gridValues(field, 'field');
  const n = full[full.length - 1];
  const shape = full.length === n + 2 && full[0] === 1 ? full.slice(1, -1) : full.slice(0, -1);
  check((n === 2 || n === 3) && shape.length === n, 'field', full, 'a displacement [(1,) H, W, 2] or [(1,) D, H, W, 3]');
  check(shape.every((s) => s >= 2), 'field', full, 'at least 2 voxels along every spatial axis (np.gradient needs 2)');
  const strides = shape.map((_, k) => product(shape.slice(k + 1)));
  const voxels = product(shape);
  const out = new Float64Array(voxels);
  const J = new Float64Array(n * n);
  const index = new Array(n).fill(0);
  for (let p = 0; p < voxels; p++) {
    let rest = p;
    for (let k = 0; k < n; k++) {
      index[k] = Math.floor(rest / strides[k]);
      rest -= index[k] * strides[k];
    }
    for (let k = 0; k < n; k++) {
      const i = index[k];
      const last = shape[k] - 1;
      const [lo, hi, div] = i === 0 ? [p, p + strides[k], 1] : i === last ? [p - strides[k], p, 1] : [p - strides[k], p + strides[k], 2];
      for (let c = 0; c < n; c++) J[k * n + c] = (k === c ? 1 : 0) + (data[hi * n + c] - data[lo * n + c]) / div;
    }
    out[p] = n === 2 ? J[0] * J[3] - J[1] * J[2] : J[0] * (J[4] * J[8] - J[5] * J[7]) - J[1] * (J[3] * J[8] - J[5] * J[6]) + J[2] * (J[3] * J[7] - J[4] * J[6]);
  }
  return { data: out, shape };
}

/** Percentage of voxels whose Jacobian determinant is ≤ 0 (folds). */
export function foldingPercentage(field: GridValues): number {
  const { data } = jacobianDeterminant(field);
  let folded = 0;
  for (const v of data) if (v <= 0) folded++;
  return (100 * folded) / data.length;
}

function checkLabelPair(a: GridValues, b: GridValues): [ArrayLike<number>, ArrayLike<number>, number[]] {
  const A = gridValues(a, 'labelsA');
  const B = gridValues(b, 'labelsB');
  check(A.shape.length === B.shape.length && A.shape.every((s, i) => s === B.shape[i]), 'labelsB', B.shape, `the shape of labelsA, [${A.shape.join(', ')}]`);
  return [A.data, B.data, A.shape];
}

/** Dice overlap of each of `labels` between two label maps of one shape (NaN for a label in neither). */
export function dice(labelsA: GridValues, labelsB: GridValues, labels: readonly number[]): number[] {
  const [a, b] = checkLabelPair(labelsA, labelsB);
  const slot = new Map(labels.map((l, i) => [l, i]));
  const inA = new Float64Array(labels.length);
  const inB = new Float64Array(labels.length);
  const both = new Float64Array(labels.length);
  for (let i = 0; i < a.length; i++) {
    const sa = slot.get(a[i]);
    const sb = slot.get(b[i]);
    if (sa !== undefined) inA[sa]++;
    if (sb !== undefined) inB[sb]++;
    if (sa !== undefined && sa === sb) both[sa]++;
  }
  return labels.map((_, i) => (inA[i] + inB[i] === 0 ? NaN : (2 * both[i]) / (inA[i] + inB[i])));
}

/** The labels present in a label map other than `background` (0), ascending. */
export function labelsIn(labels: GridValues, background = 0): number[] {
  const { data } = gridValues(labels, 'labels');
  const seen = new Set<number>();
  for (let i = 0; i < data.length; i++) if (data[i] !== background) seen.add(data[i]);
  return [...seen].sort((x, y) => x - y);
}

export interface Hd95Options {
  /** Voxel size along each axis (same order as the shape); 1 by default. */
  spacing?: readonly number[];
}

/** MedPy's 95th-percentile Hausdorff distance per label (module comment). */
export function hd95(labelsA: GridValues, labelsB: GridValues, labels: readonly number[], options: Hd95Options = {}): number[] {
  const [a, b, shape] = checkLabelPair(labelsA, labelsB);
  const spacing = options.spacing ?? shape.map(() => 1);
  check(spacing.length === shape.length && spacing.every((s) => s > 0), 'spacing', spacing, `${shape.length} positive voxel sizes`);
  return labels.map((label) => {
    const box = boundingBox([a, b], shape, label);
    if (!box) return NaN;
    const maskA = cropMask(a, shape, box, label);
    const maskB = cropMask(b, shape, box, label);
    if (!maskA.some((v) => v) || !maskB.some((v) => v)) return NaN;
    const surfaceA = surface(maskA, box.size);
    const surfaceB = surface(maskB, box.size);
    const toB = distanceToSet(surfaceB, box.size, spacing);
    const toA = distanceToSet(surfaceA, box.size, spacing);
    const pool: number[] = [];
    for (let i = 0; i < surfaceA.length; i++) if (surfaceA[i]) pool.push(toB[i]);
    for (let i = 0; i < surfaceB.length; i++) if (surfaceB[i]) pool.push(toA[i]);
    return percentile(pool, 95);
  });
}

interface Box {
  start: number[];
  size: number[];
}

/**
 * The bounding box of `label` in either map, grown by one voxel where the
 * array allows it (so the erosion sees the same neighbours as on the whole
 * array); undefined when the label is in neither.
 */
function boundingBox(maps: ArrayLike<number>[], shape: number[], label: number): Box | undefined {
  const lo = shape.map(() => Infinity);
  const hi = shape.map(() => -Infinity);
  const strides = shape.map((_, k) => product(shape.slice(k + 1)));
  for (const map of maps) {
    for (let p = 0; p < map.length; p++) {
      if (map[p] !== label) continue;
      let rest = p;
      for (let k = 0; k < shape.length; k++) {
        const i = Math.floor(rest / strides[k]);
        rest -= i * strides[k];
        if (i < lo[k]) lo[k] = i;
        if (i > hi[k]) hi[k] = i;
      }
    }
  }
  if (lo[0] === Infinity) return undefined;
  const start = lo.map((v) => Math.max(0, v - 1));
  const end = hi.map((v, k) => Math.min(shape[k] - 1, v + 1));
  return { start, size: end.map((e, k) => e - start[k] + 1) };
}

function cropMask(map: ArrayLike<number>, shape: number[], box: Box, label: number): Uint8Array {
  const out = new Uint8Array(product(box.size));
  const strides = shape.map((_, k) => product(shape.slice(k + 1)));
  const index = box.size.map(() => 0);
  for (let q = 0; q < out.length; q++) {
    let rest = q;
    let p = 0;
    for (let k = box.size.length - 1; k >= 0; k--) {
      index[k] = rest % box.size[k];
      rest = Math.floor(rest / box.size[k]);
      p += (index[k] + box.start[k]) * strides[k];
    }
    out[q] = map[p] === label ? 1 : 0;
  }
  return out;
}

/** mask AND NOT erosion(mask) with the face-connected element; outside the array is background. */
function surface(mask: Uint8Array, shape: number[]): Uint8Array {
  const out = new Uint8Array(mask.length);
  const strides = shape.map((_, k) => product(shape.slice(k + 1)));
  for (let p = 0; p < mask.length; p++) {
    if (!mask[p]) continue;
    let interior = true;
    for (let k = 0; k < shape.length && interior; k++) {
      const i = Math.floor(p / strides[k]) % shape[k];
      if (i === 0 || i === shape[k] - 1 || !mask[p - strides[k]] || !mask[p + strides[k]]) interior = false;
    }
    out[p] = interior ? 0 : 1;
  }
  return out;
}

/** Euclidean distance from every voxel to the nearest set voxel of `set` (Infinity when it is empty). */
function distanceToSet(set: Uint8Array, shape: number[], spacing: readonly number[]): Float64Array {
  const d = Float64Array.from(set, (v) => (v ? 0 : Infinity));
  const strides = shape.map((_, k) => product(shape.slice(k + 1)));
  for (let k = 0; k < shape.length; k++) {
    const n = shape[k];
    const line = new Float64Array(n);
    const result = new Float64Array(n);
    const lines = d.length / n;
    for (let l = 0; l < lines; l++) {
      // the l-th line along axis k: split l into the index before and after axis k
      const after = strides[k];
      const base = Math.floor(l / after) * after * n + (l % after);
      for (let i = 0; i < n; i++) line[i] = d[base + i * after];
      lowerEnvelope(line, spacing[k], result);
      for (let i = 0; i < n; i++) d[base + i * after] = result[i];
    }
  }
  for (let i = 0; i < d.length; i++) d[i] = Math.sqrt(d[i]);
  return d;
}

/** 1-D squared distance transform: out[p] = min_q (s·(p − q))² + f[q] (Felzenszwalb & Huttenlocher, Alg. 1). */
function lowerEnvelope(f: Float64Array, s: number, out: Float64Array): void {
  const n = f.length;
  const v = new Int32Array(n);
  const z = new Float64Array(n + 1);
  let k = -1;
  for (let q = 0; q < n; q++) {
    if (f[q] === Infinity) continue;
    const xq = q * s;
    while (k >= 0) {
      const xv = v[k] * s;
      const cut = (f[q] + xq * xq - (f[v[k]] + xv * xv)) / (2 * (xq - xv));
      if (cut > z[k]) {
        k++;
        v[k] = q;
        z[k] = cut;
        z[k + 1] = Infinity;
        break;
      }
      k--;
    }
    if (k < 0) {
      k = 0;
      v[0] = q;
      z[0] = -Infinity;
      z[1] = Infinity;
    }
  }
  if (k < 0) {
    out.fill(Infinity);
    return;
  }
  let j = 0;
  for (let p = 0; p < n; p++) {
    const x = p * s;
    while (z[j + 1] < x) j++;
    const dx = x - v[j] * s;
    out[p] = dx * dx + f[v[j]];
  }
}

/** numpy's percentile with linear interpolation. */
function percentile(values: number[], q: number): number {
  const sorted = Float64Array.from(values).sort();
  const position = ((sorted.length - 1) * q) / 100;
  const lo = Math.floor(position);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (position - lo);
}
