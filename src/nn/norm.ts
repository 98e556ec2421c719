/**
 * Batch normalisation for every model of wavecv, 2-D (NHWC), 3-D (NDHWC) and
 * on features (NC): Ioffe & Szegedy, "Batch Normalization", ICML 2015,
 * Algorithm 1 (training: batch statistics; inference: running statistics),
 * with PyTorch's semantics and defaults:
 *  - normalisation uses the biased batch variance, the running variance is
 *    updated with the unbiased one (n/(n−1)·σ²_B, n = values per channel), as
 *    `torch.nn.BatchNorm{1,2,3}d`;
 *  - ε = 1e-5;
 *  - momentum in TF.js's convention: the weight of the OLD running statistic,
 *    running ← m·running + (1 − m)·batch. PyTorch's `momentum=0.1` is m = 0.9
 *    here, the default.
 *
 * Why one layer of our own rather than `tf.layers.batchNormalization`: its
 * training gradient is a closed form ({@link batchNormTraining}) that takes
 * one oneDNN call each way where wavecv's native addon is loaded, and several
 * times less time than TF.js's autograd of the op composition on wasm
 * (README, "Benchmarks": the stock layer made a CIFAR ResNet-18 step 1.38×
 * PyTorch, this one ≤ 1.0×). Build every model with it.
 *
 * Options beyond Keras's: `frozenScale` keeps γ at its initial value as a
 * non-trainable weight (PyTorch `bn.weight.requires_grad = False`, the
 * embedding BN of IResNet), `gammaInit: 'zeros'` starts γ at 0 (zero-init
 * residual, Goyal et al. 2017 §5.1), and `activation: 'relu'` applies ReLU to
 * the output inside the same layer, which the native path computes in the
 * same oneDNN pass (`fuse_norm_relu`) forward and backward.
 */
import * as tf from '@tensorflow/tfjs';
import { hasNativeBatchNorm, NATIVE_BATCH_NORM, NATIVE_BATCH_NORM_GRAD } from '../engine/kernels/native-batchnorm.js';
import { check, WavecvError } from '../errors.js';

/** Activations {@link BatchNorm} can fuse into its output. */
export const BATCH_NORM_ACTIVATIONS = ['linear', 'relu'] as const;
export type BatchNormActivation = (typeof BATCH_NORM_ACTIVATIONS)[number];

/**
 * Batch normalisation in training mode, optionally followed by ReLU, with a
 * closed-form gradient (Ioffe & Szegedy 2015, the back-propagation formulas
 * of §3): with x̂ = (x − μ)/σ over every axis but the last and g = dy masked
 * by the ReLU (g = dy·[y > 0] when fused, else dy),
 *   ∂L/∂β = Σ g,  ∂L/∂γ = Σ g·x̂,  ∂L/∂x = γ/σ · (g − ∂L/∂β/n − x̂·∂L/∂γ/n).
 * TF.js's own `batchNorm` gradient materialises several full-size `tile`s
 * and takes ~3× longer on wasm (measured: 64×28×28×16, 0.90 s vs 0.31 s for
 * forward + backward on a shared core). Where wavecv's native addon is loaded
 * (wasm in Node), forward and gradient are one oneDNN call each instead
 * (`src/engine/kernels/native-batchnorm.ts`; the same function, 2–3× less
 * time again). Returns the output and the batch moments (biased variance);
 * the moments are kept out of any enclosing `tf.tidy`, so the caller disposes
 * them.
 */
export function batchNormTraining(
  x: tf.Tensor,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  epsilon: number,
  activation: BatchNormActivation = 'linear',
): { y: tf.Tensor; mean: tf.Tensor1D; variance: tf.Tensor1D } {
  const relu = activation === 'relu';
  const passes = hasNativeBatchNorm() && x.dtype === 'float32' ? nativePasses(epsilon, relu) : compositePasses(x.shape.length, epsilon, relu);
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
function compositePasses(rank: number, epsilon: number, relu: boolean): BatchNormPasses {
  const axes = Array.from({ length: rank - 1 }, (_, i) => i);
  return {
    forward: (x, scale, offset) => {
      const { mean, variance } = tf.moments(x, axes) as { mean: tf.Tensor1D; variance: tf.Tensor1D };
      const rstd = tf.rsqrt(tf.add(variance, epsilon));
      const normalised = tf.batchNorm(x, mean, variance, offset, scale, epsilon);
      const y = relu ? tf.relu(normalised) : normalised;
      return { y, mean, variance, saved: relu ? [x, mean, rstd, scale, y] : [x, mean, rstd, scale] };
    },
    backward: (dy, [xs, mu, r, g, y]) => {
      const masked = y === undefined ? dy : tf.mul(dy, tf.step(y));
      const n = xs.size / (xs.shape[xs.shape.length - 1] as number);
      const xhat = tf.mul(tf.sub(xs, mu), r);
      const dBeta = tf.sum(masked, axes);
      const dGamma = tf.sum(tf.mul(masked, xhat), axes);
      const centred = tf.sub(tf.sub(masked, tf.div(dBeta, n)), tf.mul(xhat, tf.div(dGamma, n)));
      return [tf.mul(centred, tf.mul(g, r)), dGamma, dBeta];
    },
  };
}

/** One oneDNN call each way (wasm with wavecv's native addon); the ReLU's mask travels as oneDNN's workspace. */
function nativePasses(epsilon: number, relu: boolean): BatchNormPasses {
  return {
    forward: (x, scale, offset) => {
      const [y, mean, variance, workspace] = tf.engine().runKernel(NATIVE_BATCH_NORM, { x, scale, offset }, { epsilon, relu }) as tf.Tensor[];
      return { y, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D, saved: [x, mean, variance, scale, workspace] };
    },
    backward: (dy, [x, mean, variance, scale, workspace]) =>
      tf.engine().runKernel(NATIVE_BATCH_NORM_GRAD, { x, dy, mean, variance, scale, workspace }, { epsilon, relu }) as tf.Tensor[],
  };
}

export interface BatchNormArgs {
  name?: string;
  /** Weight of the old running statistics per step (TF.js convention; PyTorch's momentum 0.1 is 0.9 here, the default). */
  momentum?: number;
  /** Added to the variance (default 1e-5, PyTorch's). */
  epsilon?: number;
  trainable?: boolean;
  /** Keep γ fixed at its initial value (a non-trainable weight); default false. */
  frozenScale?: boolean;
  /** Initial γ: 'ones' (default) or 'zeros' (zero-init residual). */
  gammaInit?: 'ones' | 'zeros';
  /** 'relu' applies ReLU to the output in the same layer (default 'linear'). */
  activation?: BatchNormActivation;
}

/**
 * Batch normalisation over the last (channel) axis of a tensor of any rank ≥ 2
 * (see the module comment). Weights `gamma`, `beta`, `moving_mean`,
 * `moving_variance` in Keras's order and names, so weights map one to one to
 * and from `tf.layers.batchNormalization` and PyTorch's
 * weight/bias/running_mean/running_var. Training mode uses
 * {@link batchNormTraining}; inference is one `batchNorm` kernel on the
 * running statistics (then the activation).
 */
export class BatchNorm extends tf.layers.Layer {
  static readonly className = 'WavecvBatchNorm';
  readonly momentum: number;
  readonly epsilon: number;
  readonly frozenScale: boolean;
  readonly gammaInit: 'ones' | 'zeros';
  readonly activation: BatchNormActivation;
  private gamma?: ReturnType<tf.layers.Layer['addWeight']>;
  private beta?: ReturnType<tf.layers.Layer['addWeight']>;
  private movingMean?: ReturnType<tf.layers.Layer['addWeight']>;
  private movingVariance?: ReturnType<tf.layers.Layer['addWeight']>;

  constructor(args: BatchNormArgs = {}) {
    super(args);
    this.momentum = args.momentum ?? 0.9;
    this.epsilon = args.epsilon ?? 1e-5;
    this.frozenScale = args.frozenScale ?? false;
    this.gammaInit = args.gammaInit ?? 'ones';
    this.activation = args.activation ?? 'linear';
    check(this.momentum >= 0 && this.momentum <= 1, 'momentum', this.momentum, 'a number in [0, 1] (weight of the old running statistics)');
    check(this.epsilon >= 0, 'epsilon', this.epsilon, 'a number ≥ 0');
    check(this.gammaInit === 'ones' || this.gammaInit === 'zeros', 'gammaInit', this.gammaInit, "'ones' or 'zeros'");
    check((BATCH_NORM_ACTIVATIONS as readonly string[]).includes(this.activation), 'activation', this.activation, `one of ${BATCH_NORM_ACTIVATIONS.join(', ')}`);
    this.supportsMasking = true;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const channels = shape[shape.length - 1];
    if (channels === null || channels === undefined || shape.length < 2) throw new WavecvError('inputShape', shape, 'rank ≥ 2 with a known channel (last) dimension');
    const gammaInit = this.gammaInit === 'zeros' ? tf.initializers.zeros() : tf.initializers.ones();
    this.gamma = this.addWeight('gamma', [channels], 'float32', gammaInit, undefined, !this.frozenScale);
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
        const y = tf.batchNorm(x, this.movingMean!.read() as tf.Tensor1D, this.movingVariance!.read() as tf.Tensor1D, beta, gamma, this.epsilon);
        return this.activation === 'relu' ? tf.relu(y) : y;
      }
      const { y, mean, variance } = batchNormTraining(x, gamma, beta, this.epsilon, this.activation);
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
    const config: tf.serialization.ConfigDict = { ...super.getConfig(), momentum: this.momentum, epsilon: this.epsilon };
    // Only what differs from the defaults, so models saved before these options existed keep their config.
    if (this.frozenScale) config.frozenScale = true;
    if (this.gammaInit !== 'ones') config.gammaInit = this.gammaInit;
    if (this.activation !== 'linear') config.activation = this.activation;
    return config;
  }
}
tf.serialization.registerClass(BatchNorm);

export interface BatchNormOptions {
  frozenScale?: boolean;
  gammaInit?: 'ones' | 'zeros';
  activation?: BatchNormActivation;
}

/** {@link BatchNorm} with PyTorch's ε and momentum applied to `x` (layer named `name`). */
export function batchNorm(x: tf.SymbolicTensor, name: string, options: BatchNormOptions = {}): tf.SymbolicTensor {
  return new BatchNorm({ momentum: 0.9, epsilon: 1e-5, name, ...options }).apply(x) as tf.SymbolicTensor;
}
