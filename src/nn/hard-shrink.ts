/**
 * Hard shrinkage, PyTorch's `nn.Hardshrink(λ)`: y = x where |x| > λ, else 0 —
 * the hard-thresholding operator of wavelet denoising (Donoho & Johnstone,
 * "Ideal spatial adaptation by wavelet shrinkage", Biometrika 1994, Eq. 7),
 * which 3D WaveUNet (Li et al., Bioinformatics 38(3):809, 2022, Sec. 2.3)
 * applies to the stored detail bands before the IDWT to drop small,
 * noise-like coefficients. The gradient is 1 where the value passes and 0
 * elsewhere (the mask saved by the forward pass). Any rank. Registered as
 * `HardShrink`, the class name models saved it under before it joined the
 * layer library.
 */
import * as tf from '@tensorflow/tfjs';
import { check } from '../errors.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

export class HardShrink extends tf.layers.Layer {
  static readonly className = 'HardShrink';
  readonly lambda: number;

  constructor(args: LayerArgs & { lambda?: number } = {}) {
    super(args);
    this.lambda = args.lambda ?? 0.5;
    check(Number.isFinite(this.lambda) && this.lambda >= 0, 'lambda', this.lambda, 'a number ≥ 0');
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const shrink = tf.customGrad(((input: tf.Tensor, save: tf.GradSaveFunc) => {
      const keep = tf.cast(tf.greater(tf.abs(input), this.lambda), input.dtype);
      save([keep]);
      return { value: tf.mul(input, keep), gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) => tf.mul(dy, saved) };
    }) as unknown as Parameters<typeof tf.customGrad>[0]);
    return shrink(x);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), lambda: this.lambda };
  }
}
tf.serialization.registerClass(HardShrink);
