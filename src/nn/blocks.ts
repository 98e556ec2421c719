/**
 * Shared convolutional building blocks for the functional tf.layers API:
 * convolution, batch normalisation, ReLU and their usual composition
 * conv → BN → ReLU (Ioffe & Szegedy 2015, "Batch Normalization", Eq. in Alg. 1;
 * He et al. 2016, "Deep Residual Learning", §3.4 for the ordering).
 *
 * Conventions (our choices, written down once here so every family shares them):
 *  - NHWC layout; padding is TF.js `'same'`. For stride 2 on an even size this
 *    pads one extra row/column at the bottom/right instead of PyTorch's
 *    symmetric padding; output sizes and parameter counts are the same as
 *    torchvision's, the sampling grid is shifted by half a pixel.
 *  - Batch normalisation uses PyTorch's defaults: ε = 1e-5 and running
 *    averages updated with weight 0.1 per step (TF.js `momentum` 0.9).
 *  - Convolution kernels get He initialisation with fan-out (He et al. 2015,
 *    "Delving Deep into Rectifiers", Eq. 10, as torchvision's ResNet); TF.js
 *    draws it from a truncated normal. Dense layers get PyTorch's `nn.Linear`
 *    default, U(−1/√fanIn, 1/√fanIn) for kernel and bias.
 *  - Every initialiser can be seeded through a {@link WeightInit}, so the same
 *    seed gives the same model.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../engine/random.js';

type Initializer = ReturnType<typeof tf.initializers.zeros>;

/**
 * Hands out initialisers, seeded from one {@link Rng} when a seed is given.
 * With `random` false every kernel and bias starts at zero: drawing random
 * weights for VGG-16's 138 M parameters takes ~25 s on wasm, wasted when the
 * weights are overwritten right after (checkpoint restore, weight import).
 */
export class WeightInit {
  private readonly rng?: Rng;

  constructor(
    seed?: number,
    private readonly random = true,
  ) {
    if (seed !== undefined) this.rng = new Rng(seed);
  }

  private nextSeed(): number | undefined {
    return this.rng?.seed();
  }

  /** He-normal with fan-out (truncated normal, std √(2/fanOut)). */
  convKernel(): Initializer {
    if (!this.random) return tf.initializers.zeros();
    return tf.initializers.varianceScaling({ scale: 2, mode: 'fanOut', distribution: 'normal', seed: this.nextSeed() });
  }

  /** PyTorch `nn.Linear` kernel default: U(−1/√fanIn, 1/√fanIn). */
  denseKernel(): Initializer {
    if (!this.random) return tf.initializers.zeros();
    return tf.initializers.varianceScaling({ scale: 1 / 3, mode: 'fanIn', distribution: 'uniform', seed: this.nextSeed() });
  }

  /** PyTorch `nn.Linear` bias default: U(−1/√fanIn, 1/√fanIn). */
  denseBias(fanIn: number): Initializer {
    if (!this.random) return tf.initializers.zeros();
    const bound = 1 / Math.sqrt(fanIn);
    return tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: this.nextSeed() });
  }
}

export interface Conv2dOptions {
  filters: number;
  kernelSize: number;
  strides?: number;
  useBias?: boolean;
  name: string;
  init: WeightInit;
}

/** A square 2-D convolution with `'same'` padding (bias off by default, as before BN). */
export function conv2d(x: tf.SymbolicTensor, options: Conv2dOptions): tf.SymbolicTensor {
  return tf.layers
    .conv2d({
      filters: options.filters,
      kernelSize: options.kernelSize,
      strides: options.strides ?? 1,
      padding: 'same',
      useBias: options.useBias ?? false,
      kernelInitializer: options.init.convKernel(),
      biasInitializer: 'zeros',
      name: options.name,
    })
    .apply(x) as tf.SymbolicTensor;
}

/** Batch normalisation over the channel (last) axis with PyTorch's ε and momentum. */
export function batchNorm(x: tf.SymbolicTensor, name: string): tf.SymbolicTensor {
  return tf.layers.batchNormalization({ axis: -1, momentum: 0.9, epsilon: 1e-5, name }).apply(x) as tf.SymbolicTensor;
}

/** Rectified linear unit as its own layer. */
export function relu(x: tf.SymbolicTensor, name: string): tf.SymbolicTensor {
  return tf.layers.reLU({ name }).apply(x) as tf.SymbolicTensor;
}

export interface ConvBnActOptions extends Conv2dOptions {
  /** Apply ReLU after BN (default true). */
  relu?: boolean;
}

/** conv → BN → (ReLU); layers are named `<name>_conv`, `<name>_bn`, `<name>_relu`. */
export function convBnAct(x: tf.SymbolicTensor, options: ConvBnActOptions): tf.SymbolicTensor {
  const { name } = options;
  let y = conv2d(x, { ...options, name: `${name}_conv` });
  y = batchNorm(y, `${name}_bn`);
  return options.relu === false ? y : relu(y, `${name}_relu`);
}

/** BN → ReLU → conv, the pre-activation order of DenseNet (Huang et al. 2017, §3 "Composite function"). */
export function bnActConv(x: tf.SymbolicTensor, options: Conv2dOptions): tf.SymbolicTensor {
  const { name } = options;
  let y = batchNorm(x, `${name}_bn`);
  y = relu(y, `${name}_relu`);
  return conv2d(y, { ...options, name: `${name}_conv` });
}

/** Fully connected layer with PyTorch's default initialisation. */
export function dense(x: tf.SymbolicTensor, units: number, name: string, init: WeightInit, activation?: 'relu'): tf.SymbolicTensor {
  const fanIn = x.shape[x.shape.length - 1] as number;
  return tf.layers
    .dense({ units, activation, kernelInitializer: init.denseKernel(), biasInitializer: init.denseBias(fanIn), name })
    .apply(x) as tf.SymbolicTensor;
}

/** Global average pooling over H and W (kept by WaveCNet; LiQiufu/WaveCNet issue #16). */
export function globalAveragePool(x: tf.SymbolicTensor, name: string): tf.SymbolicTensor {
  return tf.layers.globalAveragePooling2d({ name }).apply(x) as tf.SymbolicTensor;
}

/** Number of trainable scalars, the figure torchvision reports as a model's parameter count. */
export function countTrainableParams(model: tf.LayersModel): number {
  return model.trainableWeights.reduce((sum, w) => sum + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
}
