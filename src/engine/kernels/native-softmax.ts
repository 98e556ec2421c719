/**
 * Softmax over the last axis, y_i = exp(x_i) / Σ_j exp(x_j), and its gradient
 * from the output, ∂x = y ⊙ (dy − Σ_j dy_j y_j) (the Jacobian diag(y) − y yᵀ
 * applied to dy), on the wasm backend through wavecv's native oneDNN addon
 * (`../native.ts`, `softmax` in native/wavecv_native.cc), in place on the
 * wasm heap: the backend's `Softmax` kernel (taken natively for float32 on
 * the last axis, else the kernel registered before it) and wavecv's
 * {@link NATIVE_SOFTMAX_GRAD}. {@link softmaxGradConfig} replaces
 * tfjs-core's gradient of `Softmax` (for every backend, once the addon is
 * loaded): it runs the native gradient kernel where the current backend has
 * it and core's formula as tfjs ops elsewhere, so the values are the same.
 *
 * Why: attention maps are the largest tensors of a ViT step ([H, B, N, N],
 * 1.9 M floats per ViT-S/16 block at 224×224 batch 8); core's gradient is
 * four wasm passes over them (multiply, sum, subtract, multiply), the
 * native one one pass.
 */
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '../native.js';
import { allocateAndView, heapBackend } from './heap.js';

/** Inputs y (the softmax output), dy; output ∂x; softmax over the last axis. */
export const NATIVE_SOFTMAX_GRAD = 'WavecvNativeSoftmaxGrad';

type SoftmaxFn = NonNullable<NativeAddon['softmax']>;

function rowsAndCols(t: tf.TensorInfo): [number, number] {
  const cols = t.shape[t.shape.length - 1];
  return [tf.util.sizeFromShape(t.shape) / cols, cols];
}

/** `Softmax` (falling back to `fallback` off the last axis or for empty / non-float tensors) and its gradient kernel. */
export function nativeSoftmaxKernels(softmax: SoftmaxFn, fallback: tf.KernelFunc): tf.KernelConfig[] {
  const run = (kind: 0 | 1, kernel: string, backend: unknown, a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo => {
    const { outputs, views } = allocateAndView(heapBackend(backend, kernel), [a, b], [a.shape]);
    softmax(kind, views[0] as Float32Array, views[1] as Float32Array, views[2] as Float32Array, ...rowsAndCols(a));
    return outputs[0];
  };
  return [
    {
      kernelName: tf.Softmax,
      backendName: 'wasm',
      kernelFunc: (args) => {
        const logits = args.inputs.logits!;
        const dim = (args.attrs as unknown as { dim: number }).dim;
        const last = dim === -1 || dim === logits.shape.length - 1;
        if (!last || logits.dtype !== 'float32' || tf.util.sizeFromShape(logits.shape) === 0) return fallback(args);
        return run(0, tf.Softmax, args.backend, logits, logits);
      },
    },
    {
      kernelName: NATIVE_SOFTMAX_GRAD,
      backendName: 'wasm',
      kernelFunc: ({ inputs, backend }) => run(1, NATIVE_SOFTMAX_GRAD, backend, inputs.y!, inputs.dy!),
    },
  ];
}

/** The gradient of `Softmax` from its output; see the module comment. */
export const softmaxGradConfig: tf.GradConfig = {
  kernelName: tf.Softmax,
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    const [y] = saved;
    const g = dy as tf.Tensor;
    const dim = (attrs as unknown as { dim: number }).dim;
    const native = tf.getKernel(NATIVE_SOFTMAX_GRAD, tf.getBackend()) !== undefined && y.size > 0 && (dim === -1 || dim === y.rank - 1);
    return {
      logits: () => (native ? (tf.engine().runKernel(NATIVE_SOFTMAX_GRAD, { y, dy: g }) as tf.Tensor) : tf.mul(y, tf.sub(g, tf.sum(tf.mul(g, y), [dim], true)))),
    };
  },
};
