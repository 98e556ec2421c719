/**
 * Layer normalisation over the last axis (Ba, Kiros & Hinton, "Layer
 * Normalization", arXiv 1607.06450, eq. 4) with a learned per-channel gain γ
 * and bias β: per row (all axes but the last), with the row's mean μ and
 * biased variance σ², y = γ·(x − μ)/√(σ² + ε) + β — what PyTorch's
 * `nn.LayerNorm(C)` and `tf.layers.layerNormalization()` compute.
 *
 * {@link layerNorm} is one op with a closed-form gradient: with x̂ = (x − μ)·r,
 * r = (σ² + ε)^(−1/2), g = dy·γ and C channels, per row
 *   ∂x = r·(g − mean_C(g) − x̂·mean_C(g·x̂)),  ∂γ = Σ_rows dy·x̂,  ∂β = Σ_rows dy.
 * Where wavecv's native addon is loaded (wasm in Node) forward and gradient
 * are one oneDNN call each (`src/engine/kernels/native-layernorm.ts`), which
 * keeps only x and two per-row statistics for the backward pass; elsewhere
 * the same function as tfjs ops, keeping x̂ and r.
 *
 * Why not `tf.layers.layerNormalization`: it tiles its mean, variance, γ and β
 * up to x's shape and runs `batchNorm`, then differentiates all of that —
 * a dozen kernels forward, more backward, and several full-size tensors kept
 * per layer, which with wasm's 4 GiB heap was part of why a ViT-S/16 step at
 * 224×224 batch 8 did not fit. {@link LayerNorm} computes the same function
 * with the same weights (`gamma`, `beta`), so weights map one to one.
 */
import * as tf from '@tensorflow/tfjs';
import { hasNativeLayerNorm, NATIVE_LAYER_NORM, NATIVE_LAYER_NORM_GRAD } from '../engine/kernels/native-layernorm.js';
import { check } from '../errors.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

/** The two passes of {@link layerNorm}: what the forward saves is what the backward reads. */
interface LayerNormPasses {
  forward(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D): { y: tf.Tensor; saved: tf.Tensor[] };
  /** Returns [∂x, ∂γ, ∂β]. */
  backward(dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[];
}

/** tfjs ops (any backend). */
function compositePasses(epsilon: number): LayerNormPasses {
  return {
    forward: (x, gamma, beta) => {
      const centred = tf.sub(x, tf.mean(x, -1, true));
      const r = tf.rsqrt(tf.add(tf.mean(tf.square(centred), -1, true), epsilon));
      const xhat = tf.mul(centred, r);
      return { y: tf.add(tf.mul(xhat, gamma), beta), saved: [xhat, r, gamma] };
    },
    backward: (dy, [xhat, r, gamma]) => {
      const rowAxes = Array.from({ length: dy.rank - 1 }, (_, i) => i);
      const g = tf.mul(dy, gamma);
      const dx = tf.mul(r, tf.sub(tf.sub(g, tf.mean(g, -1, true)), tf.mul(xhat, tf.mean(tf.mul(g, xhat), -1, true))));
      return [dx, tf.sum(tf.mul(dy, xhat), rowAxes), tf.sum(dy, rowAxes)];
    },
  };
}

/** One oneDNN call each way (wasm with wavecv's native addon). */
function nativePasses(epsilon: number): LayerNormPasses {
  return {
    forward: (x, scale, offset) => {
      const [y, mean, variance] = tf.engine().runKernel(NATIVE_LAYER_NORM, { x, scale, offset }, { epsilon }) as tf.Tensor[];
      return { y, saved: [x, mean, variance, scale] };
    },
    backward: (dy, [x, mean, variance, scale]) => tf.engine().runKernel(NATIVE_LAYER_NORM_GRAD, { x, dy, mean, variance, scale }, { epsilon }) as tf.Tensor[],
  };
}

/** Layer norm of `x` over its last axis with gain `gamma` and bias `beta` ([C] each); see the module comment. */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): tf.Tensor {
  const channels = x.shape[x.rank - 1];
  check(x.rank >= 1 && gamma.size === channels && beta.size === channels, 'gamma', `[${gamma.shape}] and beta [${beta.shape}]`, `[${channels}] each (the last axis of x)`);
  const passes = hasNativeLayerNorm() && x.dtype === 'float32' ? nativePasses(epsilon) : compositePasses(epsilon);
  const normalise = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [input, scale, offset] = args as tf.Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    const { y, saved } = passes.forward(input, scale as tf.Tensor1D, offset as tf.Tensor1D);
    save(saved);
    return { value: y, gradFunc: passes.backward };
  });
  return normalise(x, gamma, beta);
}

export interface LayerNormArgs extends LayerArgs {
  /** Added to the variance (default 1e-3, Keras's). */
  epsilon?: number;
}

/** Layer norm over the last axis with weights `gamma` (ones) and `beta` (zeros); see the module comment. */
export class LayerNorm extends tf.layers.Layer {
  static readonly className = 'WavecvLayerNorm';
  readonly epsilon: number;
  private gamma!: tf.LayerVariable;
  private beta!: tf.LayerVariable;

  constructor(args: LayerNormArgs = {}) {
    super(args);
    check(args.epsilon === undefined || (typeof args.epsilon === 'number' && args.epsilon >= 0), 'epsilon', args.epsilon, 'a number ≥ 0');
    this.epsilon = args.epsilon ?? 1e-3;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = inputShape as tf.Shape;
    const channels = shape[shape.length - 1];
    check(typeof channels === 'number', `${this.name} input`, `shape [${shape.join(', ')}]`, 'a known last axis');
    this.gamma = this.addWeight('gamma', [channels as number], 'float32', tf.initializers.ones());
    this.beta = this.addWeight('beta', [channels as number], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return inputShape as tf.Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return layerNorm(x, this.gamma.read() as tf.Tensor1D, this.beta.read() as tf.Tensor1D, this.epsilon);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}
tf.serialization.registerClass(LayerNorm);
