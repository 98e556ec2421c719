/**
 * Weight initialisers of the layer library, seeded from one stream so that the
 * same seed gives the same model.
 *
 *  - {@link WeightInit.convKernel}: He initialisation with fan-out (He et al.
 *    2015, "Delving Deep into Rectifiers", Eq. 10 with n = k²·c_out, as
 *    torchvision's ResNet `kaiming_normal_(mode='fan_out')`); TF.js draws it
 *    from a normal truncated at 2σ (`varianceScaling`), our convention for the
 *    WaveCNets since their first version.
 *  - {@link WeightInit.denseKernel} / {@link WeightInit.denseBias}: PyTorch's
 *    `nn.Linear` default, U(−1/√fanIn, 1/√fanIn) for kernel and bias
 *    (`kaiming_uniform_(a=√5)` reduces to that bound).
 *  - {@link WeightInit.normal}: N(0, σ²) with an explicit σ, untruncated, for
 *    the rules that state σ themselves (insightface IResNet: σ = 0.1;
 *    `kaiming_normal_` with fan-in or fan-out, σ = gain/√fan): see
 *    {@link kaimingStd}.
 *
 * Every initialiser draws its seed from one {@link Rng} (when a seed is given),
 * in the order the layers are built. With `random` false every kernel and bias
 * starts at zero: drawing random weights for VGG-16's 138 M parameters takes
 * ~25 s on wasm, wasted when the weights are overwritten right after
 * (checkpoint restore, weight import).
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../engine/random.js';

export type Initializer = ReturnType<typeof tf.initializers.zeros>;

/** σ of PyTorch's `kaiming_normal_` for a kernel with `fan` inputs (fan-in) or outputs (fan-out): gain/√fan. */
export function kaimingStd(fan: number, gain = Math.SQRT2): number {
  return gain / Math.sqrt(fan);
}

/** Hands out initialisers, seeded from one {@link Rng} when a seed is given. */
export class WeightInit {
  private readonly rng?: Rng;

  constructor(
    seed?: number,
    private readonly random = true,
  ) {
    if (seed !== undefined) this.rng = new Rng(seed);
  }

  /** The next seed of the stream (undefined without a seed: TF.js draws its own). */
  nextSeed(): number | undefined {
    return this.rng?.seed();
  }

  /** He-normal with fan-out (truncated normal, std √(2/fanOut)). */
  convKernel(): Initializer {
    if (!this.random) return tf.initializers.zeros();
    return tf.initializers.varianceScaling({ scale: 2, mode: 'fanOut', distribution: 'normal', seed: this.nextSeed() });
  }

  /** N(0, σ²), untruncated. */
  normal(stddev: number): Initializer {
    if (!this.random) return tf.initializers.zeros();
    return tf.initializers.randomNormal({ mean: 0, stddev, seed: this.nextSeed() });
  }

  /** PyTorch `nn.Linear` kernel default: U(−1/√fanIn, 1/√fanIn). */
  denseKernel(): Initializer {
    if (!this.random) return tf.initializers.zeros();
    return tf.initializers.varianceScaling({ scale: 1 / 3, mode: 'fanIn', distribution: 'uniform', seed: this.nextSeed() });
  }

  /** PyTorch `nn.Linear` bias default: U(−1/√fanIn, 1/√fanIn). */
  denseBias(fanIn: number): Initializer {
    return this.uniform(1 / Math.sqrt(fanIn));
  }

  /** U(−bound, bound). */
  uniform(bound: number): Initializer {
    if (!this.random) return tf.initializers.zeros();
    return tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: this.nextSeed() });
  }
}
