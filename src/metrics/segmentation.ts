/**
 * Semantic-segmentation scores from one confusion matrix, as the WaveSNet
 * reference code computes them (Li & Shen, "Wavelet-based segmentation
 * network", 2020; its `utils/metrics.py` follows Long et al., "Fully
 * Convolutional Networks for Semantic Segmentation", CVPR 2015, §5):
 * with n_ij the number of pixels of true class i predicted as class j,
 * t_i = Σ_j n_ij (ground truth) and s_j = Σ_i n_ij (prediction),
 *
 *   pixel accuracy        Σ_i n_ii / Σ_i t_i
 *   mean class accuracy   mean over classes with t_i > 0 of n_ii / t_i
 *   IoU_i                 n_ii / (t_i + s_i − n_ii)
 *   mIoU                  mean of IoU_i over the classes with t_i + s_i > 0
 *                         (a class that is only predicted counts with IoU 0;
 *                         the reference's `nanmean`)
 *   fwIoU                 Σ_i (t_i / Σ_k t_k) · IoU_i over classes with t_i > 0
 *
 * Pixels whose label is the ignore index (255 by default, the VOC "void"
 * outline) are not counted; any other label outside [0, numClasses) is an
 * error, as is a prediction outside that range.
 *
 * Because WaveSNet's claim is about details, the counts also carry a
 * boundary F-score (after Csurka et al., "What is a good evaluation measure
 * for semantic segmentation?", BMVC 2013, with one class-agnostic boundary
 * map per image; our choice, written here):
 *  - a pixel is a boundary pixel of a label map when one of its 4-neighbours
 *    inside the image has another label;
 *  - ground-truth boundaries are taken from the label map with the ignore
 *    index as a label of its own, then boundary pixels that are themselves
 *    ignored are dropped; predicted boundary pixels lying on ignored
 *    ground-truth pixels are dropped too (they cannot be judged);
 *  - a boundary pixel is matched when a boundary pixel of the other map lies
 *    within Euclidean distance `tolerance` (2 px by default) of it;
 *  - precision = matched predicted / predicted, recall = matched true / true,
 *    each summed over all images before dividing, and F1 = 2PR / (P + R).
 *
 * {@link confusionMatrix} counts one batch of label maps; {@link addCounts}
 * sums batches; {@link segmentationScores} turns the sums into the figures.
 */
import * as tf from '@tensorflow/tfjs';
import { check, WavecvError } from '../errors.js';
import { hostValues } from '../engine/read.js';

/** Ignore index of VOC, Cityscapes' train ids and the reference code. */
export const IGNORE_INDEX = 255;

/** Label maps as a tensor `[H, W]` or `[B, H, W]`, or as host values with their shape. */
export type LabelMaps = tf.Tensor | { data: ArrayLike<number>; shape: readonly number[] };

export interface BoundaryCounts {
  /** Predicted boundary pixels (on judged ground truth). */
  predicted: number;
  /** Of those, the ones within the tolerance of a true boundary pixel. */
  predictedMatched: number;
  /** True boundary pixels. */
  truth: number;
  /** Of those, the ones within the tolerance of a predicted boundary pixel. */
  truthMatched: number;
}

/** What {@link confusionMatrix} counts; sums of batches with {@link addCounts}. */
export interface SegmentationCounts {
  numClasses: number;
  /** Row-major `[truth][prediction]` pixel counts. */
  matrix: Float64Array;
  boundary: BoundaryCounts;
  /** Boundary tolerance in pixels. */
  tolerance: number;
}

export interface ConfusionOptions {
  /** Label value of pixels that are not counted (default 255). */
  ignoreIndex?: number;
  /** Boundary match tolerance in pixels (default 2). */
  tolerance?: number;
}

export interface SegmentationScores {
  pixelAccuracy: number;
  meanClassAccuracy: number;
  mIoU: number;
  fwIoU: number;
  /** IoU of every class; NaN for a class neither in the ground truth nor predicted. */
  perClassIoU: number[];
  /** Recall of every class (n_ii / t_i); NaN for a class absent from the ground truth. */
  perClassAccuracy: number[];
  boundaryPrecision: number;
  boundaryRecall: number;
  boundaryF1: number;
  /** Pixels counted (ignored pixels excluded). */
  pixels: number;
}

function readMaps(maps: LabelMaps, argument: string): { data: ArrayLike<number>; batch: number; height: number; width: number } {
  let data: ArrayLike<number>;
  let shape: readonly number[];
  if (maps instanceof tf.Tensor) {
    data = hostValues(maps, argument);
    shape = maps.shape;
  } else {
    check(typeof maps === 'object' && maps !== null && 'data' in maps && Array.isArray(maps.shape), argument, maps, 'a tensor or { data, shape }');
    data = maps.data;
    shape = maps.shape;
  }
  check(shape.length === 2 || shape.length === 3, argument, `shape [${shape.join(', ')}]`, 'label maps [H, W] or [B, H, W]');
  const [batch, height, width] = shape.length === 2 ? [1, shape[0], shape[1]] : shape;
  check(data.length === batch * height * width, argument, `${data.length} values`, `${batch * height * width} values for shape [${shape.join(', ')}]`);
  return { data, batch, height, width };
}

/** Empty counts for `numClasses` classes. */
export function emptyCounts(numClasses: number, tolerance = 2): SegmentationCounts {
  check(Number.isInteger(numClasses) && numClasses >= 1, 'numClasses', numClasses, 'a positive integer');
  check(Number.isFinite(tolerance) && tolerance >= 0, 'tolerance', tolerance, 'a distance in pixels ≥ 0');
  return { numClasses, matrix: new Float64Array(numClasses * numClasses), boundary: { predicted: 0, predictedMatched: 0, truth: 0, truthMatched: 0 }, tolerance };
}

/**
 * Counts predicted against true label maps (same shape): the confusion
 * matrix (rows: ground truth, columns: prediction) and the boundary matches;
 * see the module comment.
 */
export function confusionMatrix(pred: LabelMaps, label: LabelMaps, numClasses: number, options: ConfusionOptions = {}): SegmentationCounts {
  const ignoreIndex = options.ignoreIndex ?? IGNORE_INDEX;
  check(Number.isInteger(ignoreIndex), 'ignoreIndex', ignoreIndex, 'an integer');
  const counts = emptyCounts(numClasses, options.tolerance ?? 2);
  const p = readMaps(pred, 'pred');
  const t = readMaps(label, 'label');
  check(p.batch === t.batch && p.height === t.height && p.width === t.width, 'pred', `[${p.batch}, ${p.height}, ${p.width}]`, `the shape of label [${t.batch}, ${t.height}, ${t.width}]`);
  const matrix = counts.matrix;
  for (let i = 0; i < t.data.length; i++) {
    const truth = t.data[i];
    const guess = p.data[i];
    // Plain conditions first: a template message per pixel would dominate the loop.
    if (!(Number.isInteger(guess) && guess >= 0 && guess < numClasses)) throw new WavecvError('pred', guess, `class indices in [0, ${numClasses})`);
    if (truth === ignoreIndex) continue;
    if (!(Number.isInteger(truth) && truth >= 0 && truth < numClasses)) throw new WavecvError('label', truth, `class indices in [0, ${numClasses}) or the ignore index ${ignoreIndex}`);
    matrix[truth * numClasses + guess] += 1;
  }
  const plane = t.height * t.width;
  const offsets = diskOffsets(counts.tolerance);
  for (let b = 0; b < t.batch; b++) {
    const start = b * plane;
    const truthMap = Array.prototype.slice.call(t.data, start, start + plane) as number[];
    const predMap = Array.prototype.slice.call(p.data, start, start + plane) as number[];
    const ignored = Uint8Array.from(truthMap, (v) => (v === ignoreIndex ? 1 : 0));
    const trueEdge = boundaryMap(truthMap, t.height, t.width);
    const predEdge = boundaryMap(predMap, t.height, t.width);
    for (let i = 0; i < plane; i++) {
      if (ignored[i]) {
        trueEdge[i] = 0;
        predEdge[i] = 0;
      }
    }
    const nearTrue = dilate(trueEdge, t.height, t.width, offsets);
    const nearPred = dilate(predEdge, t.height, t.width, offsets);
    for (let i = 0; i < plane; i++) {
      if (predEdge[i]) {
        counts.boundary.predicted += 1;
        counts.boundary.predictedMatched += nearTrue[i];
      }
      if (trueEdge[i]) {
        counts.boundary.truth += 1;
        counts.boundary.truthMatched += nearPred[i];
      }
    }
  }
  return counts;
}

/** 1 where a 4-neighbour inside the image has another label. */
function boundaryMap(map: number[], height: number, width: number): Uint8Array {
  const edge = new Uint8Array(height * width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const v = map[i];
      if ((x + 1 < width && map[i + 1] !== v) || (y + 1 < height && map[i + width] !== v)) {
        edge[i] = 1;
        if (x + 1 < width && map[i + 1] !== v) edge[i + 1] = 1;
        if (y + 1 < height && map[i + width] !== v) edge[i + width] = 1;
      }
    }
  }
  return edge;
}

/** Integer offsets (dy, dx) with dy² + dx² ≤ r². */
function diskOffsets(radius: number): Array<[number, number]> {
  const r = Math.floor(radius);
  const offsets: Array<[number, number]> = [];
  for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) if (dy * dy + dx * dx <= radius * radius) offsets.push([dy, dx]);
  return offsets;
}

/** 1 where some set pixel of `mask` lies at one of `offsets`. */
function dilate(mask: Uint8Array, height: number, width: number, offsets: Array<[number, number]>): Uint8Array {
  const out = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!mask[y * width + x]) continue;
      for (const [dy, dx] of offsets) {
        const yy = y + dy;
        const xx = x + dx;
        if (yy >= 0 && yy < height && xx >= 0 && xx < width) out[yy * width + xx] = 1;
      }
    }
  }
  return out;
}

/** Sums counts of several batches (same number of classes and tolerance). */
export function addCounts(into: SegmentationCounts, other: SegmentationCounts): SegmentationCounts {
  check(other.numClasses === into.numClasses, 'counts', other.numClasses, `${into.numClasses} classes, as the counts added to`);
  check(other.tolerance === into.tolerance, 'counts', `tolerance ${other.tolerance}`, `tolerance ${into.tolerance}, as the counts added to`);
  for (let i = 0; i < into.matrix.length; i++) into.matrix[i] += other.matrix[i];
  for (const key of ['predicted', 'predictedMatched', 'truth', 'truthMatched'] as const) into.boundary[key] += other.boundary[key];
  return into;
}

function mean(values: number[]): number {
  const kept = values.filter((v) => !Number.isNaN(v));
  return kept.length === 0 ? NaN : kept.reduce((a, b) => a + b, 0) / kept.length;
}

/** The scores of the module comment from summed counts. */
export function segmentationScores(counts: SegmentationCounts): SegmentationScores {
  const c = counts.numClasses;
  const m = counts.matrix;
  check(m.length === c * c, 'counts.matrix', m.length, `${c * c} entries`);
  const truthTotals = new Array<number>(c).fill(0);
  const predTotals = new Array<number>(c).fill(0);
  let correct = 0;
  let pixels = 0;
  for (let i = 0; i < c; i++) {
    for (let j = 0; j < c; j++) {
      const n = m[i * c + j];
      truthTotals[i] += n;
      predTotals[j] += n;
      pixels += n;
      if (i === j) correct += n;
    }
  }
  const perClassIoU = truthTotals.map((t, i) => {
    const union = t + predTotals[i] - m[i * c + i];
    return union > 0 ? m[i * c + i] / union : NaN;
  });
  const perClassAccuracy = truthTotals.map((t, i) => (t > 0 ? m[i * c + i] / t : NaN));
  let fwIoU = 0;
  for (let i = 0; i < c; i++) if (truthTotals[i] > 0) fwIoU += (truthTotals[i] / pixels) * perClassIoU[i];
  const b = counts.boundary;
  const boundaryPrecision = b.predicted > 0 ? b.predictedMatched / b.predicted : NaN;
  const boundaryRecall = b.truth > 0 ? b.truthMatched / b.truth : NaN;
  const pr = boundaryPrecision + boundaryRecall;
  return {
    pixelAccuracy: pixels > 0 ? correct / pixels : NaN,
    meanClassAccuracy: mean(perClassAccuracy),
    mIoU: mean(perClassIoU),
    fwIoU: pixels > 0 ? fwIoU : NaN,
    perClassIoU,
    perClassAccuracy,
    boundaryPrecision,
    boundaryRecall,
    boundaryF1: pr > 0 ? (2 * boundaryPrecision * boundaryRecall) / pr : pr === 0 ? 0 : NaN,
    pixels,
  };
}
