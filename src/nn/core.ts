/**
 * The small layers every head uses: ReLU, per-channel PReLU with PyTorch's
 * initial slope, a fully connected layer with PyTorch's default
 * initialisation (`nn.Linear`, see ./init.ts), global average pooling, and
 * the trainable-parameter count.
 */
import * as tf from '@tensorflow/tfjs';
import type { WeightInit } from './init.js';

/** Rectified linear unit as its own layer (where it cannot be fused into a BN, e.g. after a residual sum). */
export function relu(x: tf.SymbolicTensor, name: string): tf.SymbolicTensor {
  return tf.layers.reLU({ name }).apply(x) as tf.SymbolicTensor;
}

/**
 * Parametric ReLU with one learned slope per channel (He et al., "Delving
 * Deep into Rectifiers", ICCV 2015, Eq. 1: y = x for x > 0, a_c·x otherwise),
 * the slopes starting at 0.25 as PyTorch's `nn.PReLU(C)`: shared over every
 * spatial axis of NHWC / NDHWC input, one per feature of flat input.
 */
export function prelu(x: tf.SymbolicTensor, name: string): tf.SymbolicTensor {
  const rank = x.shape.length;
  const sharedAxes = rank > 2 ? Array.from({ length: rank - 2 }, (_, i) => i + 1) : undefined;
  return tf.layers.prelu({ name, sharedAxes, alphaInitializer: tf.initializers.constant({ value: 0.25 }) }).apply(x) as tf.SymbolicTensor;
}

/** Fully connected layer with PyTorch's default initialisation. */
export function dense(x: tf.SymbolicTensor, units: number, name: string, init: WeightInit, activation?: 'relu'): tf.SymbolicTensor {
  const fanIn = x.shape[x.shape.length - 1] as number;
  return tf.layers
    .dense({ units, activation, kernelInitializer: init.denseKernel(), biasInitializer: init.denseBias(fanIn), name })
    .apply(x) as tf.SymbolicTensor;
}

/** Global average pooling over H and W of NHWC input (kept by WaveCNet; LiQiufu/WaveCNet issue #16). */
export function globalAveragePool(x: tf.SymbolicTensor, name: string): tf.SymbolicTensor {
  return tf.layers.globalAveragePooling2d({ name }).apply(x) as tf.SymbolicTensor;
}

/** Number of trainable scalars, the figure torchvision reports as a model's parameter count. */
export function countTrainableParams(model: tf.LayersModel): number {
  return model.trainableWeights.reduce((sum, w) => sum + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
}
