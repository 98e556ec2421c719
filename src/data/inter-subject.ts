/**
 * One real inter-subject pair for 3-D registration: the T1 brain of ITK's
 * k-means example (Debian's insighttoolkit4-examples,
 * `KmeansTest_T1UCharRaw.nii.gz`, 128×128×62 voxels of 2×2×3 mm) as the moving
 * scan, the Colin27 brain (`ch2bet.nii.gz` of mricron-data) as the fixed one.
 *
 * How the pair is made (every step deterministic, no parameter tuned on the
 * result):
 *  - Skull stripping: the package ships `KmeansTest_T1RawSkullStrip.nii.gz`, a
 *    skull-stripped labelling of the same scan (0 outside the brain; 4, 5, 6
 *    inside). The brain mask is its non-zero voxels; the moving scan is the
 *    raw T1 times that mask. Colin27's `ch2bet` is already brain-extracted
 *    (mask: voxels > 0).
 *  - Tissue labels: no grey/white-matter labelling of Colin27 ships with
 *    mricron-data, and the ITK labels inside the mask are not that either (6
 *    covers 88 % of the brain), so both brains are labelled the same way: their
 *    brain voxels split into grey (1) and white (2) matter by 2-means
 *    clustering of their own T1 intensities (Lloyd's algorithm from the 25th
 *    and 75th percentiles, to convergence; the classifier of ITK's k-means
 *    example). The tissue Dice therefore measures how well grey and white
 *    matter of two real brains line up, with labels from one rule.
 *  - Initial alignment: the scans are in different world frames (the ITK scan
 *    is coronal with its origin far from Colin27's), and the networks and the
 *    elastix anchor are deformable-only, so the moving scan is first mapped
 *    by a moment alignment: per world axis, the centroid and standard
 *    deviation of the brain mask's voxel coordinates are matched (a
 *    translation and an anisotropic scaling in world space, no rotation; the
 *    voxel → world affines of both headers carry the axis orientations).
 *  - Grid: the moving scan (linear) and its labels (nearest) are resampled
 *    onto Colin27's 1 mm grid through that alignment, then both subjects are
 *    reduced `factor` times exactly as the synthetic 3-D set
 *    (`registration-sets.ts`: block mean for scans, centre voxel for labels).
 * Two label sets result: tissue (grey / white matter) and brain (the mask).
 */
import { join } from 'node:path';
import { check } from '../errors.js';
import { readNifti } from '../io/nifti.js';
import { volumeValues, type Volume } from '../io/volume.js';
import { type Grid3, type Matrix4, resampleWorld } from './world-resample.js';

export const ITK_T1 = 'KmeansTest_T1UCharRaw.nii.gz';
export const ITK_T1_SKULL_STRIP = 'KmeansTest_T1RawSkullStrip.nii.gz';

export interface InterSubjectVolumes {
  /** On the fixed (Colin27) 1 mm grid. */
  fixed: Float32Array;
  moving: Float32Array;
  /** Grey (1) / white (2) matter. */
  fixedTissue: Float32Array;
  movingTissue: Float32Array;
  shape: number[];
  /** The moment alignment used (fixed world → moving world). */
  transform: Matrix4;
}

/** Two-class k-means (Lloyd) of `values`, from the 25th and 75th percentiles; returns the two centres, ascending. */
export function twoMeans(values: Float32Array): [number, number] {
  check(values.length >= 2, 'values', values.length, 'at least 2 values to cluster');
  const sorted = Float32Array.from(values).sort();
  let low = sorted[Math.floor(0.25 * (sorted.length - 1))];
  let high = sorted[Math.floor(0.75 * (sorted.length - 1))];
  for (let iteration = 0; iteration < 1000; iteration++) {
    const threshold = (low + high) / 2;
    let sumLow = 0;
    let countLow = 0;
    let sumHigh = 0;
    let countHigh = 0;
    for (const v of sorted) {
      if (v <= threshold) {
        sumLow += v;
        countLow++;
      } else {
        sumHigh += v;
        countHigh++;
      }
    }
    const next: [number, number] = [countLow ? sumLow / countLow : low, countHigh ? sumHigh / countHigh : high];
    if (next[0] === low && next[1] === high) break;
    [low, high] = next;
  }
  return [low, high];
}

/** Per world axis: centroid and standard deviation of the world coordinates of the voxels where `mask` is set. */
export function maskMoments(mask: ArrayLike<number>, grid: Grid3): { centroid: number[]; std: number[] } {
  const [D, H, W] = grid.shape;
  const sum = [0, 0, 0];
  const squares = [0, 0, 0];
  let count = 0;
  for (let z = 0, o = 0; z < D; z++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++, o++) {
        if (!mask[o]) continue;
        for (let r = 0; r < 3; r++) {
          const w = grid.affine[r][0] * x + grid.affine[r][1] * y + grid.affine[r][2] * z + grid.affine[r][3];
          sum[r] += w;
          squares[r] += w * w;
        }
        count++;
      }
  check(count > 0, 'mask', 'empty', 'a mask with at least one voxel');
  const centroid = sum.map((s) => s / count);
  return { centroid, std: squares.map((s, r) => Math.sqrt(Math.max(s / count - centroid[r] ** 2, 0))) };
}

/** The world → world map matching the moments of `from` (fixed) onto those of `to` (moving), per axis. */
export function momentAlignment(from: { centroid: number[]; std: number[] }, to: { centroid: number[]; std: number[] }): Matrix4 {
  const scale = from.std.map((s, r) => to.std[r] / s);
  return [
    [scale[0], 0, 0, to.centroid[0] - scale[0] * from.centroid[0]],
    [0, scale[1], 0, to.centroid[1] - scale[1] * from.centroid[1]],
    [0, 0, scale[2], to.centroid[2] - scale[2] * from.centroid[2]],
    [0, 0, 0, 1],
  ];
}

/** Grey (1) / white (2) matter of the voxels > 0 by {@link twoMeans} of their intensities; 0 elsewhere. */
export function tissueLabels(brain: Float32Array): Float32Array {
  const [grey, white] = twoMeans(brain.filter((v) => v > 0));
  const threshold = (grey + white) / 2;
  return Float32Array.from(brain, (v) => (v <= 0 ? 0 : v <= threshold ? 1 : 2));
}

const gridOf = (volume: Volume): Grid3 => ({ shape: volume.shape, affine: volume.affine });

/** The pair of the module comment on the fixed scan's 1 mm grid (before reduction). */
export function interSubjectPair(itkData: string, fixedBrain: Volume): InterSubjectVolumes {
  const raw = readNifti(join(itkData, ITK_T1));
  const strip = readNifti(join(itkData, ITK_T1_SKULL_STRIP));
  check(raw.shape.join() === strip.shape.join(), ITK_T1_SKULL_STRIP, strip.shape, `the shape of ${ITK_T1} (${raw.shape.join('×')})`);
  const rawValues = volumeValues(raw);
  const stripValues = volumeValues(strip);
  const moving = Float32Array.from(rawValues, (v, i) => (stripValues[i] > 0 ? v : 0));
  const fixed = volumeValues(fixedBrain);
  const movingTissue = tissueLabels(moving);
  const fixedTissue = tissueLabels(fixed);
  const transform = momentAlignment(maskMoments(fixed, gridOf(fixedBrain)), maskMoments(stripValues, gridOf(strip)));
  const target = gridOf(fixedBrain);
  return {
    fixed,
    moving: resampleWorld(moving, gridOf(raw), target, { interpolation: 'linear', transform }),
    fixedTissue,
    movingTissue: resampleWorld(movingTissue, gridOf(strip), target, { interpolation: 'nearest', transform }),
    shape: fixedBrain.shape,
    transform,
  };
}
