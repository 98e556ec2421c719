/**
 * Losses of semantic segmentation over per-pixel logits `[B, H, W, C]`
 * (channels last) and integer label maps `[B, H, W]`:
 *
 * - {@link segmentationCrossEntropy}: the pixel-wise cross-entropy of FCN /
 *   SegNet / DeepLab training, with an ignore index (255: VOC's void outline,
 *   Cityscapes' unlabelled ids) and optional class weights, reduced as
 *   PyTorch's `F.cross_entropy(weight=w, ignore_index=255)`:
 *   L = Σ_p w_{y_p}·(−log softmax(z_p)_{y_p}) / Σ_p w_{y_p} over the pixels p
 *   whose label is not ignored. The WaveSNet reference divides this mean
 *   once more by the batch size (its `SegmentationLosses`), which only scales
 *   the learning rate by 1/B; we do not (our choice), so its learning rates
 *   correspond to ours divided by the batch size. A batch whose pixels are
 *   all ignored has loss 0 (PyTorch gives NaN; a NaN would stop the run).
 * - {@link diceLoss}: the soft Dice loss (Milletari et al., "V-Net", 3DV
 *   2016, Eq. 1, with plain instead of squared sums in the denominator):
 *   1 − mean_c (2·Σ p_c·y_c + s) / (Σ p_c + Σ y_c + s) with p = softmax(z),
 *   y the one-hot labels, sums over the batch and the pixels that are not
 *   ignored, and smoothing s = 1 (our choice: a class absent from both the
 *   batch and the prediction then scores 1 instead of 0/0).
 * - {@link medianFrequencyWeights}: median-frequency balancing (Eigen &
 *   Fergus, "Predicting Depth, Surface Normals and Semantic Labels", ICCV
 *   2015, §4.2, as SegNet trains with it): w_c = median(f) / f_c where f_c is
 *   the number of pixels of class c divided by the number of (not ignored)
 *   pixels of the masks in which c occurs. A class that never occurs gets
 *   weight 0 and does not enter the median.
 *
 * Labels are not range-checked here (that would read the batch back from
 * the backend every step); the data readers check masks when they read them.
 * Label values equal to the ignore index, or outside [0, C), contribute
 * nothing.
 */
import * as tf from '@tensorflow/tfjs';
import { check } from '../errors.js';
import { IGNORE_INDEX } from '../metrics/segmentation.js';
import type { Objective, ObjectiveResult } from '../train/trainer.js';
import type { LossDefinition } from './loss-definition.js';

export interface SegmentationLossOptions {
  /** Label of pixels left out of the loss (default 255). */
  ignoreIndex?: number;
}

export interface CrossEntropyOptions extends SegmentationLossOptions {
  /** One weight per class (e.g. {@link medianFrequencyWeights}); default all 1. */
  classWeights?: readonly number[];
}

function checkInputs(logits: tf.Tensor, labels: tf.Tensor): number {
  check(logits.rank === 4, 'logits', logits, 'per-pixel logits [batch, height, width, classes]');
  check(labels.rank === 3 && tf.util.arraysEqual(labels.shape, logits.shape.slice(0, 3)), 'labels', labels, `label maps of shape [${logits.shape.slice(0, 3).join(', ')}]`);
  return logits.shape[3] as number;
}

/** One-hot targets `[B, H, W, C]` (all zero for ignored or out-of-range labels). */
function oneHotTargets(labels: tf.Tensor, numClasses: number): tf.Tensor {
  // tf.oneHot gives a zero row for an index outside [0, depth), the ignore index included.
  return tf.oneHot(tf.cast(labels, 'int32'), numClasses);
}

/** Weighted pixel-wise cross-entropy with an ignore index; see the module comment. */
export function segmentationCrossEntropy(logits: tf.Tensor4D, labels: tf.Tensor3D, options: CrossEntropyOptions = {}): tf.Scalar {
  const numClasses = checkInputs(logits, labels);
  const ignoreIndex = options.ignoreIndex ?? IGNORE_INDEX;
  check(Number.isInteger(ignoreIndex) && (ignoreIndex < 0 || ignoreIndex >= numClasses), 'ignoreIndex', ignoreIndex, `an integer outside the class range [0, ${numClasses})`);
  const weights = options.classWeights;
  if (weights !== undefined) {
    check(weights.length === numClasses && weights.every((w) => Number.isFinite(w) && w >= 0), 'classWeights', weights, `${numClasses} non-negative weights, one per class`);
  }
  return tf.tidy(() => {
    let target = oneHotTargets(labels, numClasses);
    if (weights !== undefined) target = tf.mul(target, tf.tensor1d(weights as number[]));
    const logProbabilities = tf.logSoftmax(logits);
    const total = tf.neg(tf.sum(tf.mul(target, logProbabilities)));
    const weightSum = tf.sum(target);
    return tf.div(total, tf.maximum(weightSum, 1e-12)) as tf.Scalar;
  });
}

/** Soft Dice loss over the batch with ignored pixels masked; see the module comment. */
export function diceLoss(logits: tf.Tensor4D, labels: tf.Tensor3D, options: SegmentationLossOptions & { smooth?: number } = {}): tf.Scalar {
  const numClasses = checkInputs(logits, labels);
  const smooth = options.smooth ?? 1;
  check(Number.isFinite(smooth) && smooth > 0, 'smooth', smooth, 'a positive number');
  const ignoreIndex = options.ignoreIndex ?? IGNORE_INDEX;
  return tf.tidy(() => {
    const target = oneHotTargets(labels, numClasses);
    const valid = tf.expandDims(tf.cast(tf.notEqual(labels, ignoreIndex), 'float32'), 3);
    const probabilities = tf.mul(tf.softmax(logits), valid);
    const axes = [0, 1, 2];
    const intersection = tf.sum(tf.mul(probabilities, target), axes);
    const sizes = tf.add(tf.sum(probabilities, axes), tf.sum(target, axes));
    const dice = tf.div(tf.add(tf.mul(intersection, 2), smooth), tf.add(sizes, smooth));
    return tf.sub(1, tf.mean(dice)) as tf.Scalar;
  });
}

/**
 * Median-frequency class weights from label masks (any number of masks,
 * each a flat array of labels); see the module comment.
 */
export function medianFrequencyWeights(masks: Iterable<ArrayLike<number>>, numClasses: number, options: SegmentationLossOptions = {}): number[] {
  check(Number.isInteger(numClasses) && numClasses >= 1, 'numClasses', numClasses, 'a positive integer');
  const ignoreIndex = options.ignoreIndex ?? IGNORE_INDEX;
  const classPixels = new Float64Array(numClasses);
  const pixelsWherePresent = new Float64Array(numClasses);
  const counts = new Float64Array(numClasses);
  let index = 0;
  for (const mask of masks) {
    counts.fill(0);
    let valid = 0;
    for (let i = 0; i < mask.length; i++) {
      const v = mask[i];
      if (v === ignoreIndex) continue;
      check(Number.isInteger(v) && v >= 0 && v < numClasses, `masks[${index}]`, v, `labels in [0, ${numClasses}) or the ignore index ${ignoreIndex}`);
      counts[v] += 1;
      valid += 1;
    }
    for (let c = 0; c < numClasses; c++) {
      if (counts[c] === 0) continue;
      classPixels[c] += counts[c];
      pixelsWherePresent[c] += valid;
    }
    index += 1;
  }
  const frequencies = Array.from(classPixels, (n, c) => (n > 0 ? n / pixelsWherePresent[c] : 0));
  const present = frequencies.filter((f) => f > 0).sort((a, b) => a - b);
  check(present.length > 0, 'masks', `${index} masks`, 'at least one labelled pixel');
  const mid = present.length >> 1;
  const median = present.length % 2 === 1 ? present[mid] : (present[mid - 1] + present[mid]) / 2;
  return frequencies.map((f) => (f > 0 ? median / f : 0));
}

export interface SegmentationObjectiveOptions extends CrossEntropyOptions {
  numClasses: number;
  /** Weight of the cross-entropy term (default 1; 0 for Dice alone). */
  crossEntropyWeight?: number;
  /** Weight of the Dice term (default 0: none). */
  diceWeight?: number;
  /** Dice smoothing s (default 1). */
  smooth?: number;
}

/**
 * The training objective of the segmentation tasks: `crossEntropyWeight` ×
 * cross-entropy (with the ignore index and optional class weights) plus
 * `diceWeight` × Dice, over logits `[B, H, W, K]` and the batch's `mask`
 * (`[B, H, W, 1]` or `[B, H, W]`). Volumes (logits `[B, D, H, W, K]`, mask
 * `[B, D, H, W, 1]`) are folded to `[B·D, H, W, …]` first: the weighted mean
 * of the cross-entropy and the Dice sums run over every voxel either way, so
 * the loss is the same. Logs `pixelAccuracy` (`voxelAccuracy` for volumes)
 * over the labels not ignored and, with both terms, the terms `crossEntropy`
 * and `dice`.
 */
export function segmentationObjective(options: SegmentationObjectiveOptions): Objective {
  const { numClasses } = options;
  const crossEntropyWeight = options.crossEntropyWeight ?? 1;
  const diceWeight = options.diceWeight ?? 0;
  const ignoreIndex = options.ignoreIndex ?? IGNORE_INDEX;
  check(Number.isInteger(numClasses) && numClasses >= 2, 'numClasses', numClasses, 'an integer ≥ 2');
  check(Number.isFinite(crossEntropyWeight) && crossEntropyWeight >= 0, 'crossEntropyWeight', crossEntropyWeight, 'a number ≥ 0');
  check(Number.isFinite(diceWeight) && diceWeight >= 0, 'diceWeight', diceWeight, 'a number ≥ 0');
  check(crossEntropyWeight + diceWeight > 0, 'diceWeight', diceWeight, 'a positive weight of at least one term');
  return {
    compute(outputs, batch): ObjectiveResult {
      check(!Array.isArray(outputs) && (outputs.rank === 4 || outputs.rank === 5) && outputs.shape[outputs.rank - 1] === numClasses, 'model output', outputs, `per-pixel logits [batch, (depth,) height, width, ${numClasses}]`);
      const volume = outputs.rank === 5;
      const [h, w] = outputs.shape.slice(-3, -1);
      const logits = (volume ? tf.reshape(outputs, [-1, h, w, numClasses]) : outputs) as tf.Tensor4D;
      const mask = batch.mask;
      check(mask !== undefined, 'batch', Object.keys(batch), 'a mask key');
      const labels = tf.reshape(mask, [logits.shape[0], h, w]) as tf.Tensor3D;
      const valid = tf.notEqual(labels, ignoreIndex);
      const correct = tf.logicalAnd(valid, tf.equal(tf.argMax(logits, 3), tf.cast(labels, 'int32')));
      const accuracy = tf.div(tf.sum(tf.cast(correct, 'float32')), tf.maximum(tf.sum(tf.cast(valid, 'float32')), 1)) as tf.Scalar;
      const metrics: Record<string, tf.Scalar> = { [volume ? 'voxelAccuracy' : 'pixelAccuracy']: accuracy };
      const terms: tf.Scalar[] = [];
      if (crossEntropyWeight > 0) {
        const crossEntropy = segmentationCrossEntropy(logits, labels, options);
        terms.push(crossEntropyWeight === 1 ? crossEntropy : (tf.mul(crossEntropy, crossEntropyWeight) as tf.Scalar));
        if (diceWeight > 0) metrics.crossEntropy = crossEntropy;
      }
      if (diceWeight > 0) {
        const dice = diceLoss(logits, labels, { ignoreIndex, smooth: options.smooth });
        terms.push(diceWeight === 1 ? dice : (tf.mul(dice, diceWeight) as tf.Scalar));
        if (crossEntropyWeight > 0) metrics.dice = dice;
      }
      return { loss: (terms.length === 1 ? terms[0] : tf.addN(terms)) as tf.Scalar, metrics };
    },
  };
}

/** What a segmentation task supplies to build a segmentation loss. */
export interface SegmentationLossContext {
  numClasses: number;
  ignoreIndex: number;
  /**
   * The median-frequency weights of the training masks, computed by the task
   * when the loss's `classWeights` is `'median-frequency'`
   * ({@link wantsMedianFrequency}).
   */
  medianFrequency?: readonly number[];
}

/** Whether loss options ask for median-frequency class weights (which the task computes from its training masks). */
export function wantsMedianFrequency(lossOptions: Record<string, unknown> | undefined): boolean {
  return lossOptions?.classWeights === 'median-frequency';
}

/** The `classWeights` loss option: 'none', 'median-frequency' or one weight per class. */
function resolveClassWeights(value: unknown, context: SegmentationLossContext): readonly number[] | undefined {
  if (value === undefined || value === 'none') return undefined;
  if (value === 'median-frequency') {
    check(context.medianFrequency !== undefined, 'classWeights', value, 'weights the task computed from its training masks (none were given)');
    return context.medianFrequency;
  }
  check(Array.isArray(value) && value.length === context.numClasses && value.every((w) => typeof w === 'number' && Number.isFinite(w) && w >= 0), 'classWeights', value, `'none', 'median-frequency' or ${context.numClasses} non-negative weights, one per class`);
  return value as number[];
}

const CLASS_WEIGHTS_OPTION = "'none' (default), 'median-frequency' (Eigen & Fergus 2015, from the training masks) or one weight per class";

/**
 * The segmentation losses of the registry (kind `segmentation`, for
 * `train segment` and `train segment3d`): the pixel-wise cross-entropy,
 * optionally class-weighted and plus a Dice term, and the soft Dice loss
 * alone.
 */
export const SEGMENTATION_LOSSES: readonly LossDefinition<SegmentationLossContext, Objective>[] = [
  {
    name: 'cross-entropy',
    kind: 'segmentation',
    description: 'pixel-wise cross-entropy with the ignore index, optionally class-weighted and plus a soft Dice term',
    options: { classWeights: CLASS_WEIGHTS_OPTION, diceWeight: 'weight of a soft Dice term added (default 0)' },
    create: (o, c) =>
      segmentationObjective({ numClasses: c.numClasses, ignoreIndex: c.ignoreIndex, classWeights: resolveClassWeights(o.classWeights, c), diceWeight: (o.diceWeight as number | undefined) ?? 0 }),
  },
  {
    name: 'dice',
    kind: 'segmentation',
    description: 'soft Dice loss (Milletari et al. 2016) over the batch, ignored pixels masked',
    options: { smooth: 'smoothing s > 0 of numerator and denominator (default 1)' },
    create: (o, c) => {
      const smooth = (o.smooth as number | undefined) ?? 1;
      check(typeof smooth === 'number' && Number.isFinite(smooth) && smooth > 0, 'smooth', smooth, 'a positive number');
      return segmentationObjective({ numClasses: c.numClasses, ignoreIndex: c.ignoreIndex, crossEntropyWeight: 0, diceWeight: 1, smooth });
    },
  },
];
