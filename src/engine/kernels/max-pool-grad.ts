/**
 * `MaxPoolGrad` (2-D): the gradient of max pooling routes each output
 * gradient dy[b, y, x, c] to the input position that was the window's
 * maximum (the first one in row-major window order on ties, as TF.js's cpu
 * backend and PyTorch choose). TF.js 4.22's wasm kernel gets this wrong for
 * some shapes — e.g. input [2, 4, 8, C], 2×2 stride 2, C ∈ {1, 4, 6, 8}: up to
 * 0.64 off against the cpu backend — so wavecv replaces it.
 *
 * One pass over the output positions with typed arrays on the backend's
 * memory: for each window it finds the arg-max in the input and adds dy
 * there; O(output size × window size), no intermediate tensors.
 */
import * as tf from '@tensorflow/tfjs';
import { allocateAndView, heapBackend } from './heap.js';

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
      dx.fill(0);
      const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth } = info;
      const { top, left } = info.padInfo;
      for (let b = 0; b < batchSize; b++) {
        for (let oy = 0; oy < outHeight; oy++) {
          const y0 = oy * strideHeight - top;
          for (let ox = 0; ox < outWidth; ox++) {
            const x0 = ox * strideWidth - left;
            const outBase = ((b * outHeight + oy) * outWidth + ox) * channels;
            for (let c = 0; c < channels; c++) {
              let best = -Infinity;
              let at = -1;
              for (let fy = 0; fy < filterHeight; fy++) {
                const y = y0 + fy;
                if (y < 0 || y >= inHeight) continue;
                for (let fx = 0; fx < filterWidth; fx++) {
                  const xx = x0 + fx;
                  if (xx < 0 || xx >= inWidth) continue;
                  const i = ((b * inHeight + y) * inWidth + xx) * channels + c;
                  if (x[i] > best || at < 0) {
                    best = x[i];
                    at = i;
                  }
                }
              }
              if (at >= 0) dx[at] += dyValues[outBase + c];
            }
          }
        }
      }
      return outputs[0];
    },
  };
}
