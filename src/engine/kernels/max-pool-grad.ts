/**
 * `MaxPoolGrad` (2-D): the gradient of max pooling routes each output
 * gradient dy[b, y, x, c] to the input position that was the window's
 * maximum (the first one in row-major window order on ties, as TF.js's cpu
 * backend and PyTorch choose). TF.js 4.22's wasm kernel gets this wrong for
 * some shapes — e.g. input [2, 4, 8, C], 2×2 stride 2, C ∈ {1, 4, 6, 8}: up to
 * 0.64 off against the cpu backend — so wavecv replaces it.
 *
 * It routes through {@link poolArgMax} (2-D pooling as 3-D with depth 1),
 * on the backend's memory, no intermediate tensors.
 */
import * as tf from '@tensorflow/tfjs';
import { allocateAndView, heapBackend } from './heap.js';
import { poolArgMax, routeToArgMax } from './pool-arg-max.js';

interface MaxPoolGradAttrs {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** `MaxPoolGrad` for `backendName` (NHWC, no dilation, as tf.maxPool). */
export function maxPoolGradKernel(backendName: string): tf.KernelConfig {
  return {
    kernelName: tf.MaxPoolGrad,
    backendName,
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
      const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as MaxPoolGradAttrs;
      const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
      const heap = heapBackend(backend, `MaxPoolGrad on '${backendName}'`);
      const { outputs, views } = allocateAndView(heap, [dy, input], [input.shape], 'float32');
      const [dyValues, x, dx] = views;
      const at = poolArgMax(
        {
          batch: info.batchSize,
          channels: info.inChannels,
          input: [1, info.inHeight, info.inWidth],
          output: [1, info.outHeight, info.outWidth],
          filter: [1, info.filterHeight, info.filterWidth],
          strides: [1, info.strideHeight, info.strideWidth],
          padBefore: [0, info.padInfo.top, info.padInfo.left],
        },
        x,
      );
      routeToArgMax(at, dyValues, dx);
      return outputs[0];
    },
  };
}
