/**
 * Losses of unsupervised image registration, for images [B, (D,) H, W, C]
 * and fields [B, (D,) H, W, n] in voxels (conventions of `nn/warp.ts`).
 *
 *  - {@link ncc}: local normalised cross-correlation as VoxelMorph computes it
 *    (Balakrishnan et al. 2019, "VoxelMorph", Eq. 5; the code's `NCC.loss`):
 *    over a w^n window around every voxel, with zero padding at the borders,
 *    cc = cross² / (var_I · var_J + 1e-5) from box sums, and the loss is
 *    −mean(cc) (so it lies in [−1, 0]). WiNet (Cheng et al. 2024, §2.3) uses
 *    it with w = 9.
 *  - {@link mse}: mean squared intensity difference (VoxelMorph's `MSE`).
 *  - {@link gradientSmoothness}: VoxelMorph's `Grad` (Eq. 4 there): mean of
 *    |forward difference| (l1) or its square (l2) per spatial axis, averaged
 *    over the axes. Fields are in voxels here, so no rescaling is needed
 *    (WiNet rescales its normalised-coordinate field by size/2 first to get
 *    the same quantity).
 *  - {@link registrationObjective}: the training objective of unsupervised
 *    registration (VoxelMorph Eq. 3; WiNet §2.3): similarity(fixed,
 *    moving ∘ φ) + λ · smoothness of the network's field (the velocity for a
 *    diffeomorphic model, as WiNet-Diff penalises it, integrated before
 *    warping), registered as the losses `ncc` and `mse` of kind
 *    `registration` ({@link REGISTRATION_LOSSES}).
 *
 * Decisions: box sums are zero-padded separable convolutions with ones (w
 * taps per axis, not w^n), the five maps I, J, I², J², IJ stacked along the
 * batch so each axis is one convolution; channels are correlated separately
 * and averaged (VoxelMorph takes one channel). The window must be odd (an
 * even one is not centred and VoxelMorph's padding then changes the size).
 */
import * as tf from '@tensorflow/tfjs';
import { check } from '../errors.js';
import { displacementOf, warp, type FieldKind } from '../nn/warp.js';
import type { Objective } from '../train/trainer.js';
import type { LossDefinition } from './loss-definition.js';

export interface NccOptions {
  /** Window side in voxels (odd); 9 as VoxelMorph and WiNet. */
  window?: number;
}

function checkImages(a: tf.Tensor, b: tf.Tensor): void {
  check(a.rank === 4 || a.rank === 5, 'a', a, 'images [B, H, W, C] or volumes [B, D, H, W, C]');
  check(tf.util.arraysEqual(a.shape, b.shape), 'b', b, `the shape of a, [${a.shape.join(', ')}]`);
}

/** Zero-padded box sums of side `window` over the spatial axes of x [N, (D,) H, W, 1]. */
function boxSums(x: tf.Tensor, window: number): tf.Tensor {
  const axes = x.rank - 2;
  const r = Math.floor(window / 2);
  let out = tf.pad(x, x.shape.map((_, i) => (i === 0 || i === x.rank - 1 ? [0, 0] : [r, r]) as [number, number]));
  for (let axis = 0; axis < axes; axis++) {
    const shape = [...new Array(axes).fill(1), 1, 1];
    shape[axis] = window;
    const ones = tf.ones(shape);
    out = axes === 3 ? tf.conv3d(out as tf.Tensor5D, ones as tf.Tensor5D, 1, 'valid') : tf.conv2d(out as tf.Tensor4D, ones as tf.Tensor4D, 1, 'valid');
  }
  return out;
}

/** Local NCC loss −mean(cc) between `a` and `b` (module comment; VoxelMorph's NCC). */
export function ncc(a: tf.Tensor, b: tf.Tensor, options: NccOptions = {}): tf.Scalar {
  const window = options.window ?? 9;
  check(Number.isInteger(window) && window >= 1 && window % 2 === 1, 'window', window, 'an odd positive integer');
  checkImages(a, b);
  return tf.tidy(() => {
    const channels = a.shape[a.rank - 1];
    const toSingle = (t: tf.Tensor) => {
      if (channels === 1) return t;
      const perm = [t.rank - 1, ...t.shape.slice(0, -1).map((_, i) => i)];
      return tf.expandDims(tf.reshape(tf.transpose(t, perm), [-1, ...t.shape.slice(1, -1)]), -1);
    };
    const I = toSingle(a);
    const J = toSingle(b);
    const n = I.shape[0];
    const sums = boxSums(tf.concat([I, J, tf.mul(I, I), tf.mul(J, J), tf.mul(I, J)], 0), window);
    const [sI, sJ, sI2, sJ2, sIJ] = tf.split(sums, [n, n, n, n, n], 0);
    const size = window ** (a.rank - 2);
    const uI = tf.div(sI, size);
    const uJ = tf.div(sJ, size);
    const cross = tf.add(tf.sub(tf.sub(sIJ, tf.mul(uJ, sI)), tf.mul(uI, sJ)), tf.mul(tf.mul(uI, uJ), size));
    const varI = tf.add(tf.sub(sI2, tf.mul(tf.mul(uI, sI), 2)), tf.mul(tf.mul(uI, uI), size));
    const varJ = tf.add(tf.sub(sJ2, tf.mul(tf.mul(uJ, sJ), 2)), tf.mul(tf.mul(uJ, uJ), size));
    const cc = tf.div(tf.mul(cross, cross), tf.add(tf.mul(varI, varJ), 1e-5));
    return tf.neg(tf.mean(cc)) as tf.Scalar;
  });
}

/** Mean squared difference of `a` and `b`. */
export function mse(a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  checkImages(a, b);
  return tf.tidy(() => tf.mean(tf.squaredDifference(a, b)) as tf.Scalar);
}

export type SmoothnessPenalty = 'l1' | 'l2';

/** VoxelMorph's `Grad` smoothness of a field in voxels (module comment); `'l2'` by default. */
export function gradientSmoothness(field: tf.Tensor, options: { penalty?: SmoothnessPenalty } = {}): tf.Scalar {
  const penalty = options.penalty ?? 'l2';
  check(penalty === 'l1' || penalty === 'l2', 'penalty', penalty, 'l1 or l2');
  check(field.rank === 4 || field.rank === 5, 'field', field, 'a field [B, H, W, 2] or [B, D, H, W, 3]');
  const axes = field.rank - 2;
  return tf.tidy(() => {
    const terms: tf.Tensor[] = [];
    for (let axis = 1; axis <= axes; axis++) {
      const n = field.shape[axis];
      check(n >= 2, 'field', field, 'at least 2 voxels along every spatial axis');
      const size = [...field.shape];
      size[axis] = n - 1;
      const begin = field.shape.map((_, i) => (i === axis ? 1 : 0));
      const d = tf.sub(tf.slice(field, begin, size), tf.slice(field, field.shape.map(() => 0), size));
      terms.push(tf.mean(penalty === 'l1' ? tf.abs(d) : tf.square(d)));
    }
    return tf.div(tf.addN(terms), axes) as tf.Scalar;
  });
}

/** The resolved options of a registration objective (as a run records them). */
export interface RegistrationLoss {
  similarity: 'ncc' | 'mse';
  /** NCC window (odd; 9 as VoxelMorph and WiNet). */
  window: number;
  /** Weight λ of the smoothness term (2, WiNet's). */
  lambda: number;
  /** Smoothness penalty (l2, VoxelMorph's and WiNet's). */
  penalty: SmoothnessPenalty;
}

export const DEFAULT_REGISTRATION_LOSS: RegistrationLoss = { similarity: 'ncc', window: 9, lambda: 2, penalty: 'l2' };

/**
 * The training objective (module comment) for batches `{ moving, fixed }` and
 * a network that outputs a `field` (displacement or velocity); the moving
 * image is warped linearly with zero padding. Logs the two terms
 * `similarity` and `smoothness`.
 */
export function registrationObjective(field: FieldKind, loss: RegistrationLoss = DEFAULT_REGISTRATION_LOSS): Objective {
  check(loss.similarity === 'ncc' || loss.similarity === 'mse', 'similarity', loss.similarity, 'ncc or mse');
  check(typeof loss.lambda === 'number' && Number.isFinite(loss.lambda) && loss.lambda >= 0, 'lambda', loss.lambda, 'a number ≥ 0');
  check(loss.penalty === 'l1' || loss.penalty === 'l2', 'penalty', loss.penalty, 'l1 or l2');
  if (loss.similarity === 'ncc') check(Number.isInteger(loss.window) && loss.window >= 1 && loss.window % 2 === 1, 'window', loss.window, 'an odd positive integer');
  return {
    compute(outputs, batch) {
      const predicted = Array.isArray(outputs) ? outputs[0] : outputs;
      const displacement = displacementOf(predicted, field);
      const warped = warp(batch.moving, displacement);
      const similarity = loss.similarity === 'ncc' ? ncc(batch.fixed, warped, { window: loss.window }) : mse(batch.fixed, warped);
      const smoothness = gradientSmoothness(predicted, { penalty: loss.penalty });
      return { loss: tf.add(similarity, tf.mul(smoothness, loss.lambda)) as tf.Scalar, metrics: { similarity, smoothness } };
    },
  };
}

/** What a registration task supplies to build a registration loss. */
export interface RegistrationLossContext {
  /** What the network outputs. */
  field: FieldKind;
}

/** The resolved loss of registry loss `name` with `options` (defaults filled in), as recorded by a run. */
export function resolveRegistrationLoss(name: 'ncc' | 'mse', options: Record<string, unknown>): RegistrationLoss {
  return {
    similarity: name,
    window: (options.window as number | undefined) ?? DEFAULT_REGISTRATION_LOSS.window,
    lambda: (options.lambda as number | undefined) ?? DEFAULT_REGISTRATION_LOSS.lambda,
    penalty: (options.penalty as SmoothnessPenalty | undefined) ?? DEFAULT_REGISTRATION_LOSS.penalty,
  };
}

const SMOOTHNESS_OPTIONS = {
  lambda: 'weight λ of the smoothness term (default 2, WiNet\'s)',
  penalty: 'smoothness penalty of the field gradient: l2 (default) or l1',
};

/** The registration losses of the registry (kind `registration`, for `train register`). */
export const REGISTRATION_LOSSES: readonly LossDefinition<RegistrationLossContext, Objective>[] = [
  {
    name: 'ncc',
    kind: 'registration',
    description: 'local normalised cross-correlation (VoxelMorph) + λ · gradient smoothness of the field',
    options: { window: 'NCC window side in voxels, odd (default 9)', ...SMOOTHNESS_OPTIONS },
    create: (o, c) => registrationObjective(c.field, resolveRegistrationLoss('ncc', o)),
  },
  {
    name: 'mse',
    kind: 'registration',
    description: 'mean squared intensity difference + λ · gradient smoothness of the field',
    options: SMOOTHNESS_OPTIONS,
    create: (o, c) => registrationObjective(c.field, resolveRegistrationLoss('mse', o)),
  },
];
