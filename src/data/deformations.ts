/**
 * Random smooth diffeomorphic deformations (synthetic, seeded): a stationary
 * velocity field drawn as Gaussian noise on a coarse control grid (one node
 * every `spacing` voxels), up-sampled linearly to the full grid and
 * integrated by scaling and squaring (`nn/warp.ts`, 7 steps), so the
 * displacement is the exponential of a smooth velocity and folds nowhere for
 * moderate `magnitude` (the construction of Dalca et al. 2019, "Unsupervised
 * Learning of Probabilistic Diffeomorphic Registration", §3, used here to make
 * training and test pairs from one real scan: training seeds and held-out
 * test seeds never overlap).
 */
import * as tf from '@tensorflow/tfjs';
import { check } from '../errors.js';
import { Rng } from '../engine/random.js';
import { integrateVelocity } from '../nn/warp.js';
import { resampleTo } from './registration.js';

export interface DeformationOptions {
  seed: number;
  /** Standard deviation of the velocity at the control nodes, in voxels (default 2). */
  magnitude?: number;
  /** Voxels between control nodes (default 8). */
  spacing?: number;
}

/** A displacement [*shape, n] (voxels, components in axis order) of a random smooth diffeomorphism. */
export async function randomDeformation(shape: number[], options: DeformationOptions): Promise<Float32Array> {
  const magnitude = options.magnitude ?? 2;
  const spacing = options.spacing ?? 8;
  check(magnitude >= 0, 'magnitude', magnitude, 'a non-negative number of voxels');
  check(Number.isInteger(spacing) && spacing >= 2, 'spacing', spacing, 'an integer ≥ 2');
  const rng = new Rng(options.seed);
  const axes = shape.length;
  const coarse = shape.map((n) => Math.max(2, Math.ceil(n / spacing) + 1));
  const nodes = coarse.reduce((a, b) => a * b, 1);
  const total = shape.reduce((a, b) => a * b, 1);
  const velocity = new Float32Array(total * axes);
  for (let c = 0; c < axes; c++) {
    const noise = Float32Array.from({ length: nodes }, () => magnitude * rng.normal());
    const fine = await resampleTo(noise, coarse, shape);
    for (let p = 0; p < total; p++) velocity[p * axes + c] = fine[p];
  }
  const displacement = tf.tidy(() => integrateVelocity(tf.tensor(velocity, [1, ...shape, axes])));
  try {
    return (await displacement.data()) as Float32Array;
  } finally {
    displacement.dispose();
  }
}
