/**
 * Spatial transformations for registration networks, 2-D and 3-D: warping an
 * image by a displacement field, integrating a stationary velocity field by
 * scaling and squaring, composing displacement fields.
 *
 * Conventions (the same for every function here and every registration model):
 *  - Images are channels last, [B, H, W, C] or [B, D, H, W, C].
 *  - A field is [B, H, W, 2] or [B, D, H, W, 3]: a displacement (or velocity)
 *    in voxel units, its components in the order of the spatial axes
 *    ((dz,) dy, dx) — the first component moves along the first spatial axis.
 *  - `warp(image, field)(p) = image(p + field(p))`: the moving image is pulled
 *    back onto the fixed grid (backward mapping, as VoxelMorph's
 *    `SpatialTransformer`, Balakrishnan et al. 2019, "VoxelMorph", Eq. 2 and
 *    §III-C; the gather and gradient are `engine/kernels/warp.ts`).
 * VoxelMorph and WiNet keep fields in normalised [−1, 1] coordinates for
 * `grid_sample(align_corners=True)`; voxel units here are the same map scaled
 * by (size − 1)/2 per axis, so smoothness and Jacobians read in voxels directly.
 */
import * as tf from '@tensorflow/tfjs';
import { check } from '../errors.js';
import { WARP, type WarpAttrs } from '../engine/kernels/warp.js';
import type { Interpolation } from '../data/spatial.js';

export type { Interpolation };
export type Padding = 'zeros' | 'border';

/** What a registration network outputs: a displacement, or a stationary velocity to integrate. */
export type FieldKind = 'displacement' | 'velocity';

export interface WarpOptions {
  /** `'linear'` (default; bi/trilinear) or `'nearest'` (label maps). */
  interpolation?: Interpolation;
  /** What a position outside the image reads: `'zeros'` (default) or the nearest `'border'` voxel. */
  padding?: Padding;
}

const INTERPOLATIONS: readonly Interpolation[] = ['linear', 'nearest'];
const PADDINGS: readonly Padding[] = ['zeros', 'border'];

/** Checks that `field` is a [B, (D,) H, W, n] field with n its number of spatial axes. */
export function checkField(field: tf.Tensor, argument = 'field'): void {
  check(field.rank === 4 || field.rank === 5, argument, field, 'a field [B, H, W, 2] or [B, D, H, W, 3]');
  check(field.shape[field.rank - 1] === field.rank - 2, argument, field, `${field.rank - 2} components (one per spatial axis) in the last axis, not ${field.shape[field.rank - 1]}`);
}

/**
 * Samples `image` at p + `field`(p) for every voxel p of the field's grid
 * (conventions in the module comment; the output takes the field's spatial
 * size and the image's channels). Differentiable in both arguments; the
 * field gradient of `'nearest'` is zero.
 */
export function warp(image: tf.Tensor, field: tf.Tensor, options: WarpOptions = {}): tf.Tensor {
  const interpolation = options.interpolation ?? 'linear';
  const padding = options.padding ?? 'zeros';
  check(INTERPOLATIONS.includes(interpolation), 'interpolation', interpolation, `one of ${INTERPOLATIONS.join(', ')}`);
  check(PADDINGS.includes(padding), 'padding', padding, `one of ${PADDINGS.join(', ')}`);
  checkField(field);
  check(image.rank === field.rank, 'image', image, `rank ${field.rank} like the field ([B, ${field.rank === 5 ? 'D, ' : ''}H, W, C])`);
  check(image.shape[0] === field.shape[0], 'image', image, `batch ${field.shape[0]} like the field`);
  check(image.shape.every((n) => n > 0), 'image', image, 'no empty axis');
  const attrs: WarpAttrs = { linear: interpolation === 'linear', border: padding === 'border' };
  return tf.tidy(() => {
    const inputs = { image: image.dtype === 'float32' ? image : tf.cast(image, 'float32'), field: field.dtype === 'float32' ? field : tf.cast(field, 'float32') };
    return tf.engine().runKernel(WARP, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
  });
}

export interface IntegrateOptions {
  /** Squaring steps n (the velocity is scaled by 2⁻ⁿ first); 7 as VoxelMorph and WiNet. */
  steps?: number;
  /** Padding of the warps inside the integration; `'border'` as WiNet (VoxelMorph's `VecInt` pads with zeros). */
  padding?: Padding;
}

/**
 * Integrates a stationary velocity field by scaling and squaring (Arsigny et
 * al. 2006, "A Log-Euclidean Framework for Statistics on Diffeomorphisms",
 * §3.1; Dalca et al. 2019, "Unsupervised Learning of Probabilistic
 * Diffeomorphic Registration", Eq. 4): u ← v / 2ⁿ, then n times
 * u ← u + u∘(id + u), i.e. `composeFields(u, u)`. The result is the
 * displacement of exp(v), in voxels, whose Jacobian stays positive for smooth
 * enough v. Differentiable (through every warp).
 */
export function integrateVelocity(velocity: tf.Tensor, options: IntegrateOptions = {}): tf.Tensor {
  const steps = options.steps ?? 7;
  check(Number.isInteger(steps) && steps >= 0, 'steps', steps, 'a non-negative integer');
  checkField(velocity, 'velocity');
  return tf.tidy(() => {
    let u = tf.mul(velocity, 1 / 2 ** steps);
    for (let i = 0; i < steps; i++) u = composeFields(u, u, { padding: options.padding ?? 'border' });
    return u;
  });
}

/**
 * The displacement of "warp by `a`, then by `b`": c(p) = b(p) + a(p + b(p)),
 * so that `warp(warp(image, a), b) ≈ warp(image, c)` (exact up to the
 * interpolation of `a`). As VoxelMorph's `compose`; `a` is sampled linearly,
 * with border padding by default (VoxelMorph extrapolates to the nearest
 * voxel there too). Differentiable in both fields.
 */
export function composeFields(a: tf.Tensor, b: tf.Tensor, options: { padding?: Padding } = {}): tf.Tensor {
  checkField(a, 'a');
  checkField(b, 'b');
  check(a.rank === b.rank, 'b', b, `a field of rank ${a.rank} like a`);
  return tf.tidy(() => tf.add(b, warp(a, b, { interpolation: 'linear', padding: options.padding ?? 'border' })));
}

/**
 * The displacement a registration network's output stands for: the output
 * itself (a copy) for a displacement, its integration by scaling and
 * squaring ({@link integrateVelocity}, 7 steps as VoxelMorph-diff and
 * WiNet-Diff) for a velocity.
 */
export function displacementOf(output: tf.Tensor, field: FieldKind): tf.Tensor {
  return field === 'velocity' ? integrateVelocity(output, { steps: 7 }) : tf.clone(output);
}
