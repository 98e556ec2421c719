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
 *  - Batch normalisation uses PyTorch's defaults: ε = 1e-5, running
 *    averages updated with weight 0.1 per step (TF.js `momentum` 0.9) from
 *    the unbiased batch variance; its training gradient is closed-form
 *    ({@link batchNormTraining}).
 *  - Convolution kernels get He initialisation with fan-out (He et al. 2015,
 *    "Delving Deep into Rectifiers", Eq. 10, as torchvision's ResNet); TF.js
 *    draws it from a truncated normal. Dense layers get PyTorch's `nn.Linear`
 *    default, U(−1/√fanIn, 1/√fanIn) for kernel and bias.
 *  - Every initialiser can be seeded through a {@link WeightInit}, so the same
 *    seed gives the same model.
 */
import * as tf from '@tensorflow/tfjs';
import { hasNativeBatchNorm, NATIVE_BATCH_NORM, NATIVE_BATCH_NORM_GRAD } from '../engine/kernels/native-batchnorm.js';
import { Rng } from '../engine/random.js';
import { WavecvError } from '../errors.js';

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

/**
 * Batch normalisation in training mode with a closed-form gradient
 * (Ioffe & Szegedy 2015, Alg. 1 and the back-propagation formulas of §3):
 * with x̂ = (x − μ)/σ over the batch and spatial axes,
 *   ∂L/∂β = Σ dy,  ∂L/∂γ = Σ dy·x̂,  ∂L/∂x = γ/σ · (dy − ∂L/∂β/n − x̂·∂L/∂γ/n).
 * TF.js's own `batchNorm` gradient materialises several full-size `tile`s
 * and takes ~3× longer on wasm (measured: 64×28×28×16, 0.90 s vs 0.31 s for
 * forward + backward on a shared core), which made it the largest cost of a
 * small CNN's training step. Where wavecv's native addon is loaded (wasm in
 * Node), forward and gradient are one oneDNN call each instead
 * (`src/engine/kernels/native-batchnorm.ts`; the same function, 2–3× less
 * time again). Returns the output and the batch moments (biased variance);
 * the moments are kept out of any enclosing `tf.tidy`, so the caller disposes
 * them.
 */
export function batchNormTraining(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): { y: tf.Tensor; mean: tf.Tensor1D; variance: tf.Tensor1D } {
  const passes = hasNativeBatchNorm() && x.dtype === 'float32' ? nativePasses(epsilon) : compositePasses(x.shape.length, epsilon);
  let moments: { mean: tf.Tensor1D; variance: tf.Tensor1D } | undefined;
  const normalise = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [input, scale, offset] = args as tf.Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    const { y, mean, variance, saved } = passes.forward(input, scale as tf.Tensor1D, offset as tf.Tensor1D);
    // The engine disposes a custom gradient's intermediates; keep the moments for the caller.
    moments = { mean: tf.keep(mean), variance: tf.keep(variance) };
    save(saved);
    return { value: y, gradFunc: passes.backward };
  });
  const y = normalise(x, gamma, beta);
  return { y, mean: moments!.mean, variance: moments!.variance };
}

/** The two passes of {@link batchNormTraining}: what the forward saves is what the backward reads. */
interface BatchNormPasses {
  forward(x: tf.Tensor, scale: tf.Tensor1D, offset: tf.Tensor1D): { y: tf.Tensor; mean: tf.Tensor1D; variance: tf.Tensor1D; saved: tf.Tensor[] };
  /** Returns [∂x, ∂scale, ∂offset]. */
  backward(dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[];
}

/** Moments and the closed-form gradient as tfjs ops (any backend). */
function compositePasses(rank: number, epsilon: number): BatchNormPasses {
  const axes = Array.from({ length: rank - 1 }, (_, i) => i);
  return {
    forward: (x, scale, offset) => {
      const { mean, variance } = tf.moments(x, axes) as { mean: tf.Tensor1D; variance: tf.Tensor1D };
      const rstd = tf.rsqrt(tf.add(variance, epsilon));
      return { y: tf.batchNorm(x, mean, variance, offset, scale, epsilon), mean, variance, saved: [x, mean, rstd, scale] };
    },
    backward: (dy, [xs, mu, r, g]) => {
      const n = xs.size / (xs.shape[xs.shape.length - 1] as number);
      const xhat = tf.mul(tf.sub(xs, mu), r);
      const dBeta = tf.sum(dy, axes);
      const dGamma = tf.sum(tf.mul(dy, xhat), axes);
      const centred = tf.sub(tf.sub(dy, tf.div(dBeta, n)), tf.mul(xhat, tf.div(dGamma, n)));
      return [tf.mul(centred, tf.mul(g, r)), dGamma, dBeta];
    },
  };
}

/** One oneDNN call each way (wasm with wavecv's native addon). */
function nativePasses(epsilon: number): BatchNormPasses {
  return {
    forward: (x, scale, offset) => {
      const [y, mean, variance] = tf.engine().runKernel(NATIVE_BATCH_NORM, { x, scale, offset }, { epsilon }) as tf.Tensor[];
      return { y, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D, saved: [x, mean, variance, scale] };
    },
    backward: (dy, [x, mean, variance, scale]) =>
      tf.engine().runKernel(NATIVE_BATCH_NORM_GRAD, { x, dy, mean, variance, scale }, { epsilon }) as tf.Tensor[],
  };
}

export interface BatchNormArgs {
  name?: string;
  /** Weight of the old running statistics per step (TF.js convention; PyTorch's momentum 0.1 is 0.9 here). */
  momentum?: number;
  epsilon?: number;
  trainable?: boolean;
}

/**
 * Batch normalisation over the last (channel) axis, PyTorch semantics: the
 * running variance is updated with the unbiased batch variance, normalisation
 * uses the biased one. Weights `gamma`, `beta`, `moving_mean`,
 * `moving_variance` as in Keras. Training mode uses {@link batchNormTraining};
 * inference is one `batchNorm` kernel on the running statistics.
 */
export class BatchNorm extends tf.layers.Layer {
  static readonly className = 'WavecvBatchNorm';
  readonly momentum: number;
  readonly epsilon: number;
  private gamma?: ReturnType<tf.layers.Layer['addWeight']>;
  private beta?: ReturnType<tf.layers.Layer['addWeight']>;
  private movingMean?: ReturnType<tf.layers.Layer['addWeight']>;
  private movingVariance?: ReturnType<tf.layers.Layer['addWeight']>;

  constructor(args: BatchNormArgs = {}) {
    super(args);
    this.momentum = args.momentum ?? 0.9;
    this.epsilon = args.epsilon ?? 1e-5;
    this.supportsMasking = true;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const channels = shape[shape.length - 1];
    if (channels === null || channels === undefined) throw new WavecvError('inputShape', shape, 'a known channel (last) dimension');
    this.gamma = this.addWeight('gamma', [channels], 'float32', tf.initializers.ones());
    this.beta = this.addWeight('beta', [channels], 'float32', tf.initializers.zeros());
    this.movingMean = this.addWeight('moving_mean', [channels], 'float32', tf.initializers.zeros(), undefined, false);
    this.movingVariance = this.addWeight('moving_variance', [channels], 'float32', tf.initializers.ones(), undefined, false);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const gamma = this.gamma!.read() as tf.Tensor1D;
      const beta = this.beta!.read() as tf.Tensor1D;
      if (!kwargs.training) {
        return tf.batchNorm(x, this.movingMean!.read() as tf.Tensor1D, this.movingVariance!.read() as tf.Tensor1D, beta, gamma, this.epsilon);
      }
      const { y, mean, variance } = batchNormTraining(x, gamma, beta, this.epsilon);
      const n = x.size / (x.shape[x.shape.length - 1] as number);
      const unbiased = n > 1 ? tf.mul(variance, n / (n - 1)) : variance;
      const m = this.momentum;
      this.movingMean!.write(tf.add(tf.mul(this.movingMean!.read(), m), tf.mul(mean, 1 - m)));
      this.movingVariance!.write(tf.add(tf.mul(this.movingVariance!.read(), m), tf.mul(unbiased, 1 - m)));
      tf.dispose([mean, variance]);
      return y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), momentum: this.momentum, epsilon: this.epsilon };
  }
}
tf.serialization.registerClass(BatchNorm);

/** Batch normalisation over the channel (last) axis with PyTorch's ε and momentum ({@link BatchNorm}). */
export function batchNorm(x: tf.SymbolicTensor, name: string): tf.SymbolicTensor {
  return new BatchNorm({ momentum: 0.9, epsilon: 1e-5, name }).apply(x) as tf.SymbolicTensor;
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
