/**
 * The exact GELU, x·Φ(x) with Φ the standard normal CDF (Hendrycks & Gimpel,
 * "Gaussian Error Linear Units", arXiv 1606.08415, §2), and its derivative
 * Φ(x) + x·φ(x), on the wasm backend through wavecv's native oneDNN addon
 * (`../native.ts`, `gelu` in native/wavecv_native.cc; oneDNN's
 * `eltwise_gelu_erf`), in place on the wasm heap. Two kernels of wavecv's
 * own, registered only where the addon is loaded (wasm in Node) and has
 * `gelu`: {@link NATIVE_GELU} and {@link NATIVE_GELU_GRAD}.
 * `src/nn/gelu.ts` (`gelu`) runs them when {@link hasNativeGelu} says so and
 * its tfjs op composition otherwise (tested against each other).
 *
 * Why: the composition is five element-wise wasm passes forward (divide, erf,
 * add, two multiplies) and about ten backward, over the largest activations
 * of a ViT (the MLP's hidden layer, 4× the token width), all kept for the
 * backward pass; the native kernels are one pass each way and keep only x.
 */
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '../native.js';
import { allocateAndView, heapBackend } from './heap.js';

/** Input x; output GELU(x). */
export const NATIVE_GELU = 'WavecvNativeGelu';
/** Inputs x, dy; output dy·GELU'(x). */
export const NATIVE_GELU_GRAD = 'WavecvNativeGeluGrad';

/** True when the current backend has the native GELU kernels. */
export function hasNativeGelu(): boolean {
  return tf.getKernel(NATIVE_GELU, tf.getBackend()) !== undefined;
}

type GeluFn = NonNullable<NativeAddon['gelu']>;

/** Both kernels for the wasm backend, through the addon's `gelu`. */
export function nativeGeluKernels(gelu: GeluFn): tf.KernelConfig[] {
  const run = (kind: 0 | 1, kernel: string, backend: unknown, x: tf.TensorInfo, dy: tf.TensorInfo): tf.TensorInfo => {
    if (x.dtype !== 'float32' || dy.dtype !== 'float32') throw new Error(`${kernel}: expected float32 inputs, got ${x.dtype} and ${dy.dtype}`);
    const { outputs, views } = allocateAndView(heapBackend(backend, kernel), [x, dy], [x.shape]);
    gelu(kind, views[0] as Float32Array, views[1] as Float32Array, views[2] as Float32Array);
    return outputs[0];
  };
  return [
    {
      kernelName: NATIVE_GELU,
      backendName: 'wasm',
      kernelFunc: ({ inputs, backend }) => run(0, NATIVE_GELU, backend, inputs.x!, inputs.x!),
    },
    {
      kernelName: NATIVE_GELU_GRAD,
      backendName: 'wasm',
      kernelFunc: ({ inputs, backend }) => run(1, NATIVE_GELU_GRAD, backend, inputs.x!, inputs.dy!),
    },
  ];
}
