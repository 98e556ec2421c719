/**
 * `MaxPool3D` and its gradient `MaxPool3DGrad` (NDHWC, no dilation, as
 * tf.maxPool3d). TF.js 4.22's wasm forward kernel is wrong for some shapes —
 * e.g. input [1, 4, 4, 8, C], 2×2×2 stride 2, C ∈ {1, 2, 16}: up to 0.30 off
 * against the cpu backend — and so is its gradient, so wavecv replaces both.
 *
 * Both run on the backend's memory through {@link poolArgMax}: the forward
 * copies each window's maximum, the gradient adds dy[o] at that position
 * (first maximum on ties, as PyTorch; a window entirely in the padding gives
 * -Infinity forward, as the cpu backend, and routes nothing back).
 */
import * as tf from '@tensorflow/tfjs';
import { allocateAndView, heapBackend } from './heap.js';
import { poolArgMax, routeToArgMax, type PoolGeometry } from './pool-arg-max.js';

interface MaxPool3DAttrs {
  filterSize: [number, number, number] | number;
  strides: [number, number, number] | number;
  pad: 'valid' | 'same' | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function geometry(input: tf.TensorInfo, attrs: MaxPool3DAttrs): PoolGeometry {
  const { filterSize, strides, pad, dimRoundingMode } = attrs;
  const info = tf.backend_util.computePool3DInfo(input.shape as [number, number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  return {
    batch: info.batchSize,
    channels: info.inChannels,
    input: [info.inDepth, info.inHeight, info.inWidth],
    output: [info.outDepth, info.outHeight, info.outWidth],
    filter: [info.filterDepth, info.filterHeight, info.filterWidth],
    strides: [info.strideDepth, info.strideHeight, info.strideWidth],
    padBefore: [info.padInfo.front, info.padInfo.top, info.padInfo.left],
  };
}

/** `MaxPool3D` for `backendName`. */
export function maxPool3DKernel(backendName: string): tf.KernelConfig {
  return {
    kernelName: tf.MaxPool3D,
    backendName,
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { x } = inputs as { x: tf.TensorInfo };
      const g = geometry(x, attrs as unknown as MaxPool3DAttrs);
      const heap = heapBackend(backend, `MaxPool3D on '${backendName}'`);
      const { outputs, views } = allocateAndView(heap, [x], [[g.batch, ...g.output, g.channels]], x.dtype);
      const [xValues, y] = views;
      const at = poolArgMax(g, xValues);
      for (let o = 0; o < at.length; o++) y[o] = at[o] >= 0 ? xValues[at[o]] : -Infinity;
      return outputs[0];
    },
  };
}

/** `MaxPool3DGrad` for `backendName`: dx = Σ over windows of dy routed to the arg-max. */
export function maxPool3DGradKernel(backendName: string): tf.KernelConfig {
  return {
    kernelName: tf.MaxPool3DGrad,
    backendName,
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
      const g = geometry(input, attrs as unknown as MaxPool3DAttrs);
      const heap = heapBackend(backend, `MaxPool3DGrad on '${backendName}'`);
      const { outputs, views } = allocateAndView(heap, [dy, input], [input.shape], 'float32');
      const [dyValues, x, dx] = views;
      routeToArgMax(poolArgMax(g, x), dyValues, dx);
      return outputs[0];
    },
  };
}
