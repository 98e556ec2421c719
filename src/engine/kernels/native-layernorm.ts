/**
 * Layer normalisation over the last axis (Ba, Kiros & Hinton, "Layer
 * Normalization", arXiv 1607.06450, eq. 4, with a per-channel gain and bias)
 * and its full gradient, on the wasm backend through wavecv's native oneDNN
 * addon (`../native.ts`, `layerNorm` in native/wavecv_native.cc), in place on
 * the wasm heap. Two kernels of wavecv's own, registered only where the addon
 * is loaded (wasm in Node) and has `layerNorm`: {@link NATIVE_LAYER_NORM} and
 * {@link NATIVE_LAYER_NORM_GRAD}. `src/nn/layer-norm.ts` (`layerNorm`) runs
 * them when {@link hasNativeLayerNorm} says so and its tfjs op composition
 * otherwise; both compute the same function (tested against each other).
 *
 * Why: `tf.layers.layerNormalization` is a dozen wasm kernels forward (moments,
 * four tiles, batchNorm) and more backward, each a pass over the tokens, and
 * it keeps several full-size tensors for the backward pass; one oneDNN call
 * each way keeps the output and two per-row statistics.
 */
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '../native.js';
import { allocateAndView, heapBackend } from './heap.js';

/** Inputs x [..., C], scale [C], offset [C]; attr epsilon; outputs y, mean and variance (biased) per row ([rows]). */
export const NATIVE_LAYER_NORM = 'WavecvNativeLayerNorm';
/** Inputs x, dy, mean, variance, scale; attr epsilon; outputs dx, dscale, doffset. */
export const NATIVE_LAYER_NORM_GRAD = 'WavecvNativeLayerNormGrad';

/** True when the current backend has the native layer-norm kernels. */
export function hasNativeLayerNorm(): boolean {
  return tf.getKernel(NATIVE_LAYER_NORM, tf.getBackend()) !== undefined;
}

type LayerNormFn = NonNullable<NativeAddon['layerNorm']>;

function floatInputs(ts: tf.TensorInfo[], kernel: string): void {
  const bad = ts.find((t) => t.dtype !== 'float32');
  if (bad) throw new Error(`${kernel}: expected float32 inputs, got ${bad.dtype}`);
}

/** Both kernels for the wasm backend, through the addon's `layerNorm`. */
export function nativeLayerNormKernels(layerNorm: LayerNormFn): tf.KernelConfig[] {
  const run = (kind: 0 | 1, kernel: string, backend: unknown, inputs: tf.TensorInfo[], outputShapes: number[][], epsilon: number): tf.TensorInfo[] => {
    floatInputs(inputs, kernel);
    const x = inputs[0];
    const channels = x.shape[x.shape.length - 1];
    const rows = tf.util.sizeFromShape(x.shape) / channels;
    const { outputs, views } = allocateAndView(heapBackend(backend, kernel), inputs, outputShapes);
    layerNorm(kind, views as Float32Array[], rows, channels, epsilon);
    return outputs;
  };
  const rowsOf = (x: tf.TensorInfo): number[] => [tf.util.sizeFromShape(x.shape.slice(0, -1))];
  return [
    {
      kernelName: NATIVE_LAYER_NORM,
      backendName: 'wasm',
      kernelFunc: ({ inputs, attrs, backend }) => {
        const { x, scale, offset } = inputs as Record<string, tf.TensorInfo>;
        return run(0, NATIVE_LAYER_NORM, backend, [x, scale, offset], [x.shape, rowsOf(x), rowsOf(x)], (attrs as { epsilon: number }).epsilon);
      },
    },
    {
      kernelName: NATIVE_LAYER_NORM_GRAD,
      backendName: 'wasm',
      kernelFunc: ({ inputs, attrs, backend }) => {
        const { x, dy, mean, variance, scale } = inputs as Record<string, tf.TensorInfo>;
        return run(1, NATIVE_LAYER_NORM_GRAD, backend, [x, dy, mean, variance, scale], [x.shape, scale.shape, scale.shape], (attrs as { epsilon: number }).epsilon);
      },
    },
  ];
}
