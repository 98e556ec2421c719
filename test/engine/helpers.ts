// Shared by the engine tests: seeded uniform tensors.
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../src/engine/random.js';

/** A tensor of `shape` with values uniform in [lo, hi) from `rng`. */
export function uniform(rng: Rng, shape: number[], lo = -1, hi = 1): tf.Tensor {
  const v = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < v.length; i++) v[i] = lo + rng.next() * (hi - lo);
  return tf.tensor(v, shape);
}
