/**
 * Unified cross-entropy (UCE) loss: BCE with one learnable bias shared by all
 * classes (UniFace, Zhou et al., ICCV'23, Eq. 9; "Rediscovering BCE loss for
 * uniform classification", arXiv 2403.07289):
 *
 *   L_uce(x) = log(1 + e^{−s·cos θ_y + b}) + Σ_{j≠y} log(1 + e^{s·cos θ_j − b}).
 *
 * The single bias b learns the unified threshold t = b/s that separates every
 * positive cosine from every negative one. Variants (all options of
 * {@link BinaryHeadOptions}): L_uce-m with a cosine margin on the positive,
 * s(cos θ_y − m) (Cos-UniFace, the default m = 0.4); Arc-UniFace with the
 * angular margin, s·cos(θ_y + m) (`margin: { m2: m }`); L_uce-mb-λ with the
 * negatives weighted by λ (`lambda`; UniFace uses λ = 0.6–0.7). The sampled
 * variant L_uce-mb-r (partial-FC negatives) is not provided here.
 */
import * as tf from '@tensorflow/tfjs';
import { readScalars } from '../engine/read.js';
import { BinaryHead, type BinaryHeadOptions } from './bce.js';

export type UceLossOptions = BinaryHeadOptions;

export class UceLoss extends BinaryHead {
  readonly kind = 'uce';

  constructor(options: UceLossOptions) {
    super(options, 'uce', 1);
  }

  /** The unified bias b (read asynchronously). */
  async biasValue(): Promise<number> {
    return (await readScalars([this.bias]))[0];
  }

  /** The learned unified threshold t = b/s, in cosine units (UniFace §3.3), as a new scalar. */
  threshold(): tf.Scalar {
    return tf.tidy(() => tf.div(tf.reshape(this.bias, []), this.scale) as tf.Scalar);
  }
}
