/**
 * The small layers every head uses: ReLU, a fully connected layer with
 * PyTorch's default initialisation (`nn.Linear`, see ./init.ts), global
 * average pooling, and the trainable-parameter count.
 */
import * as tf from '@tensorflow/tfjs';
import type { WeightInit } from './init.js';

/** Rectified linear unit as its own layer (where it cannot be fused into a BN, e.g. after a residual sum). */
export function relu(x: tf.SymbolicTensor, name: string): tf.SymbolicTensor {
  return tf.layers.reLU({ name }).apply(x) as tf.SymbolicTensor;
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
