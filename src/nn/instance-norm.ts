/**
 * Instance normalisation (Ulyanov, Vedaldi, Lempitsky, "Instance
 * Normalization: The Missing Ingredient for Fast Stylization", 2016, Eq. 2):
 * each sample and channel normalised over its own spatial axes,
 * y = (x − μ) / √(σ² + ε) with the biased variance, in 2-D (NHWC) and 3-D
 * (NDHWC) — any rank ≥ 3, the spatial axes being those between batch and
 * channels. No affine parameters and no running statistics, so training and
 * inference compute the same function: PyTorch's `InstanceNorm2d/3d`
 * defaults (`affine=False`, `track_running_stats=False`, ε = 1e-5). The
 * gradient is autograd's through `tf.moments`. Registered as
 * `WavecvInstanceNorm`, the class name models saved it under since WiNet
 * introduced it.
 */
import * as tf from '@tensorflow/tfjs';
import { check } from '../errors.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

export interface InstanceNormArgs extends LayerArgs {
  /** Added to the variance (default 1e-5, PyTorch's). */
  epsilon?: number;
}

/** Instance normalisation without affine parameters (module comment). */
export class InstanceNorm extends tf.layers.Layer {
  static className = 'WavecvInstanceNorm';
  readonly epsilon: number;

  constructor(args: InstanceNormArgs = {}) {
    super(args);
    this.epsilon = args.epsilon ?? 1e-5;
    check(Number.isFinite(this.epsilon) && this.epsilon > 0, 'epsilon', this.epsilon, 'a number > 0');
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      check(x.rank >= 3, 'inputs', x.shape, 'a batch of channels-last maps (rank ≥ 3)');
      const axes = x.shape.slice(1, -1).map((_, i) => i + 1);
      const { mean, variance } = tf.moments(x, axes, true);
      return tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.epsilon)));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}
tf.serialization.registerClass(InstanceNorm);
