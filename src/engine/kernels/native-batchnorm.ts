/**
 * Training-mode batch normalisation (Ioffe & Szegedy, ICML 2015, Algorithm 1,
 * and its gradient through the batch statistics) on the wasm backend through
 * wavecv's native oneDNN addon (`../native.ts`), in place on the wasm heap.
 *
 * Two kernels of wavecv's own, registered only where the addon is loaded
 * (wasm in Node): {@link NATIVE_BATCH_NORM} and {@link NATIVE_BATCH_NORM_GRAD}.
 * `src/nn/norm.ts` (`batchNormTraining`) runs them when
 * {@link hasNativeBatchNorm} says so and its tfjs op composition otherwise;
 * both compute the same function (tested against each other).
 *
 * With the attribute `relu`, the ReLU after the normalisation is computed in
 * the same oneDNN pass (`fuse_norm_relu`): the forward kernel returns a fourth
 * output, oneDNN's workspace (the ReLU's mask, a `bool` tensor of
 * `batchNormWorkspaceBytes` bytes), and the gradient kernel takes it as input
 * `workspace`; without `relu` that output is an empty `bool` tensor. Fused,
 * a conv → BN → ReLU block saves the separate ReLU and ReLU-gradient passes
 * of the wasm backend.
 *
 * Why: with the convolutions native, the batch statistics and the closed-form
 * gradient (a dozen reductions and element-wise passes on single-threaded
 * wasm) were the largest remaining cost of a ResNet-18 step (measured by
 * `npm run bench -- train --profile`).
 */
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '../native.js';
import { allocateAndView, heapBackend, type HeapBackend } from './heap.js';

/** Inputs x [..., C], scale [C], offset [C]; attrs epsilon, relu; outputs y, mean, variance (biased), workspace. */
export const NATIVE_BATCH_NORM = 'WavecvNativeBatchNorm';
/** Inputs x, dy, mean, variance, scale, workspace; attrs epsilon, relu; outputs dx, dscale, doffset. */
export const NATIVE_BATCH_NORM_GRAD = 'WavecvNativeBatchNormGrad';

/** True when the current backend has the native batch-norm kernels. */
export function hasNativeBatchNorm(): boolean {
  return tf.getKernel(NATIVE_BATCH_NORM, tf.getBackend()) !== undefined;
}

interface Attrs {
  epsilon: number;
  relu?: boolean;
}

/** Rows and channels of x seen as [rows, channels]. */
function rowsAndChannels(x: tf.TensorInfo): [number, number] {
  const channels = x.shape[x.shape.length - 1];
  return [tf.util.sizeFromShape(x.shape) / channels, channels];
}

/**
 * Runs `kind` on the float `inputs`, allocating float outputs shaped like
 * `outputsLike`. Fused with ReLU, the forward pass also allocates the
 * workspace and returns it last, the gradient pass reads `workspace`.
 */
function run(addon: NativeAddon, backend: HeapBackend, kind: 0 | 1, inputs: tf.TensorInfo[], outputsLike: tf.TensorInfo[], attrs: Attrs, workspace?: tf.TensorInfo): tf.TensorInfo[] {
  const [rows, channels] = rowsAndChannels(inputs[0]);
  const relu = attrs.relu === true;
  // Every output, the workspace included, is allocated before any view is taken (heap.ts).
  const newWorkspace = kind === 0 ? backend.makeOutput([relu ? addon.batchNormWorkspaceBytes(rows, channels, attrs.epsilon) : 0], 'bool') : undefined;
  const { outputs, views } = allocateAndView(backend, inputs, outputsLike.map((t) => t.shape));
  const mask = relu ? [backend.typedArrayFromHeap(newWorkspace ?? workspace!)] : [];
  addon.batchNorm(kind, [...views, ...mask], rows, channels, attrs.epsilon, relu);
  return newWorkspace ? [...outputs, newWorkspace] : outputs;
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
        return run(addon, heapBackend(backend, NATIVE_BATCH_NORM), 0, [x, scale, offset], [x, scale, scale], attrs as unknown as Attrs);
      },
    },
    {
      kernelName: NATIVE_BATCH_NORM_GRAD,
      backendName: 'wasm',
      kernelFunc: ({ inputs, attrs, backend }) => {
        const { x, dy, mean, variance, scale, workspace } = inputs as Record<string, tf.TensorInfo>;
        floatInputs([x, dy, mean, variance, scale], NATIVE_BATCH_NORM_GRAD);
        return run(addon, heapBackend(backend, NATIVE_BATCH_NORM_GRAD), 1, [x, dy, mean, variance, scale], [x, scale, scale], attrs as unknown as Attrs, workspace);
      },
    },
  ];
}
