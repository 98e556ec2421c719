/**
 * Training-mode batch normalisation (Ioffe & Szegedy, ICML 2015, Algorithm 1,
 * and its gradient through the batch statistics) on the wasm backend through
 * wavecv's native oneDNN addon (`../native.ts`), in place on the wasm heap.
 *
 * Two kernels of wavecv's own, registered only where the addon is loaded
 * (wasm in Node): {@link NATIVE_BATCH_NORM} and {@link NATIVE_BATCH_NORM_GRAD}.
 * `src/nn/blocks.ts` (`batchNormTraining`) runs them when
 * {@link hasNativeBatchNorm} says so and its tfjs op composition otherwise;
 * both compute the same function (tested against each other).
 *
 * Why: with the convolutions native, the batch statistics and the closed-form
 * gradient (a dozen reductions and element-wise passes on single-threaded
 * wasm) were the largest remaining cost of a ResNet-18 step (measured by
 * `npm run bench -- train --profile`).
 */
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '../native.js';
import { allocateAndView, heapBackend, type HeapBackend } from './heap.js';

/** Inputs x [..., C], scale [C], offset [C]; attr epsilon; outputs y, mean, variance (biased). */
export const NATIVE_BATCH_NORM = 'WavecvNativeBatchNorm';
/** Inputs x, dy, mean, variance, scale; attr epsilon; outputs dx, dscale, doffset. */
export const NATIVE_BATCH_NORM_GRAD = 'WavecvNativeBatchNormGrad';

/** True when the current backend has the native batch-norm kernels. */
export function hasNativeBatchNorm(): boolean {
  return tf.getKernel(NATIVE_BATCH_NORM, tf.getBackend()) !== undefined;
}

/** Runs `kind` with the inputs, allocating outputs shaped like `outputsLike`. */
function run(addon: NativeAddon, backend: HeapBackend, kind: 0 | 1, inputs: tf.TensorInfo[], outputsLike: tf.TensorInfo[], epsilon: number): tf.TensorInfo[] {
  const x = inputs[0];
  const channels = x.shape[x.shape.length - 1];
  const rows = tf.util.sizeFromShape(x.shape) / channels;
  const { outputs, views } = allocateAndView(backend, inputs, outputsLike.map((t) => t.shape));
  addon.batchNorm(kind, views as Float32Array[], rows, channels, epsilon);
  return outputs;
}

const floatInputs = (ts: tf.TensorInfo[], kernel: string): void => {
  const bad = ts.find((t) => t.dtype !== 'float32');
  if (bad) throw new Error(`${kernel}: expected float32 inputs, got ${bad.dtype}`);
};

/** Both kernels for the wasm backend. */
export function nativeBatchNormKernels(addon: NativeAddon): tf.KernelConfig[] {
  return [
    {
      kernelName: NATIVE_BATCH_NORM,
      backendName: 'wasm',
      kernelFunc: ({ inputs, attrs, backend }) => {
        const { x, scale, offset } = inputs as Record<string, tf.TensorInfo>;
        floatInputs([x, scale, offset], NATIVE_BATCH_NORM);
        const epsilon = (attrs as unknown as { epsilon: number }).epsilon;
        return run(addon, heapBackend(backend, NATIVE_BATCH_NORM), 0, [x, scale, offset], [x, scale, scale], epsilon);
      },
    },
    {
      kernelName: NATIVE_BATCH_NORM_GRAD,
      backendName: 'wasm',
      kernelFunc: ({ inputs, attrs, backend }) => {
        const { x, dy, mean, variance, scale } = inputs as Record<string, tf.TensorInfo>;
        floatInputs([x, dy, mean, variance, scale], NATIVE_BATCH_NORM_GRAD);
        const epsilon = (attrs as unknown as { epsilon: number }).epsilon;
        return run(addon, heapBackend(backend, NATIVE_BATCH_NORM_GRAD), 1, [x, dy, mean, variance, scale], [x, scale, scale], epsilon);
      },
    },
  ];
}
