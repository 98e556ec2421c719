/**
 * Projected gradient descent, L∞ (Madry, Makelov, Schmidt, Tsipras & Vladu,
 * "Towards Deep Learning Models Resistant to Adversarial Attacks", ICLR
 * 2018, eq. 2), untargeted, in input space [0, 1]:
 *
 *   x⁰ = clip_[0,1](x + U(−ε, ε))        (random start; x⁰ = x without it)
 *   xᵗ⁺¹ = clip_[0,1]( Π_{‖·−x‖∞ ≤ ε}( xᵗ + α · sign(∇ L(f(xᵗ), y)) ) )
 *
 * Defaults (our choice): 10 steps, α = 2.5·ε/steps (the step rule of Madry et
 * al.'s experiments), random start on. The random start is drawn from a
 * seeded generator, so the same seed gives the same adversarial images.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../engine/random.js';
import { check } from '../errors.js';
import { inputGradient, type Classifier } from './classifier.js';

export interface PgdOptions {
  /** L∞ radius in [0, 1] pixel units. */
  epsilon: number;
  /** Number of gradient steps (default 10). */
  steps?: number;
  /** Step size α (default 2.5·ε/steps). */
  stepSize?: number;
  /** Start from a uniform random point of the ε-ball (default true). */
  randomStart?: boolean;
  /** Seed of the random start (default 0); ignored when `rng` is given. */
  seed?: number;
  rng?: Rng;
}

export function pgd(classifier: Classifier, images: tf.Tensor4D, labels: tf.Tensor1D, options: PgdOptions): tf.Tensor4D {
  const { epsilon } = options;
  const steps = options.steps ?? 10;
  check(Number.isFinite(epsilon) && epsilon >= 0, 'epsilon', epsilon, 'a non-negative number (L∞ radius in [0, 1] pixel units)');
  check(Number.isInteger(steps) && steps >= 1, 'steps', steps, 'a positive integer');
  const stepSize = options.stepSize ?? (2.5 * epsilon) / steps;
  check(Number.isFinite(stepSize) && stepSize >= 0, 'stepSize', stepSize, 'a non-negative number');
  check(images.rank === 4, 'images', images, 'a [batch, height, width, channels] tensor');
  check(labels.shape[0] === images.shape[0], 'labels', labels, `${images.shape[0]} labels, one per image`);
  const rng = options.rng ?? new Rng(options.seed ?? 0);
  const lower = tf.tidy(() => tf.maximum(tf.sub(images, epsilon), 0));
  const upper = tf.tidy(() => tf.minimum(tf.add(images, epsilon), 1));
  let x: tf.Tensor4D =
    options.randomStart === false || epsilon === 0
      ? tf.clone(images)
      : tf.tidy(() => tf.clipByValue(tf.add(images, tf.randomUniform(images.shape, -epsilon, epsilon, 'float32', rng.seed())), 0, 1) as tf.Tensor4D);
  for (let t = 0; t < steps; t++) {
    const next = tf.tidy(() => {
      const gradient = inputGradient(classifier, x, labels);
      const stepped = tf.add(x, tf.mul(tf.sign(gradient), stepSize));
      // projecting onto the ε-ball ∩ [0, 1]: clip to [max(x−ε, 0), min(x+ε, 1)]
      return tf.minimum(tf.maximum(stepped, lower), upper) as tf.Tensor4D;
    });
    x.dispose();
    x = next;
  }
  tf.dispose([lower, upper]);
  return x;
}
