/**
 * Both gradients of `depthwiseConv2d` (any channel multiplier M) written as
 * forward depthwise convolutions, which the wasm backend runs through XNNPACK.
 * Neither kernel exists on wasm in tfjs 4.22. Index arithmetic: `conv-plan.ts`.
 *
 * Forward: y[n,o,c·M+m] = Σ_k x[n, o·s + k·d − p, c] · W[k,c,m].
 *
 * - ∂W: the N images become N·C channels of one image, dy the oh×ow depthwise
 *   filter (N·C → multiplier M), stride d and dilation s; the result
 *   [kh,kw,N·C·M] is summed over N.
 * - ∂x: per stride phase, one stride-1 depthwise conv of dy (C·M channels)
 *   with the flipped phase sub-filter, a sum over m, then the phase interleave.
 *
 * Dilations are supported (the tfjs kernels accept them; the core gradient
 * refuses them, see `../gradients.ts`).
 */
import * as tf from '@tensorflow/tfjs';
import { filterGradAxis, inputGradAxis } from './conv-plan.js';
import { cropThenPad, filterGradOperands, flippedPhaseFilters, interleavePhases, phasePads } from './conv2d-grad.js';

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;
type Pair = [number, number];

/** ∂loss/∂filter of `tf.depthwiseConv2d(x, filter, strides, pad, 'NHWC', dilations)`. */
export function depthwiseFilterGrad(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  strides: number | Pair,
  pad: Pad,
  dilations: number | Pair = 1,
  dimRoundingMode?: Rounding,
): tf.Tensor4D {
  const info = tf.backend_util.computeConv2DInfo(x.shape, filterShape, strides, dilations, pad, dimRoundingMode, true);
  const [n, height, width, c] = x.shape;
  const [kh, kw, , m] = filterShape;
  return tf.tidy(() => {
    const h = filterGradAxis(info.inHeight, kh, info.outHeight, info.strideHeight, info.dilationHeight, info.padInfo.top);
    const w = filterGradAxis(info.inWidth, kw, info.outWidth, info.strideWidth, info.dilationWidth, info.padInfo.left);
    const xr = tf.reshape(tf.transpose(x, [1, 2, 0, 3]), [1, height, width, n * c]) as tf.Tensor4D;
    const dyr = tf.reshape(tf.transpose(dy, [1, 2, 0, 3]), [info.outHeight, info.outWidth, n * c, m]) as tf.Tensor4D;
    const { input, filter, pad: explicit } = filterGradOperands(xr, dyr, h, w, info.strideHeight, info.strideWidth);
    const g = tf.depthwiseConv2d(input, filter, [info.dilationHeight, info.dilationWidth], explicit, 'NHWC', [
      info.strideHeight,
      info.strideWidth,
    ]);
    if (n === 1) return tf.reshape(g, [kh, kw, c, m]);
    return tf.sum(tf.reshape(g, [kh, kw, n, c, m]), 2);
  });
}

/** ∂loss/∂x of `tf.depthwiseConv2d(x, filter, strides, pad, 'NHWC', dilations)`. */
export function depthwiseInputGrad(
  inputShape: [number, number, number, number],
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  strides: number | Pair,
  pad: Pad,
  dilations: number | Pair = 1,
  dimRoundingMode?: Rounding,
): tf.Tensor4D {
  const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape, strides, dilations, pad, dimRoundingMode, true);
  const [kh, kw, c, m] = filter.shape;
  return tf.tidy(() => {
    const h = inputGradAxis(info.inHeight, kh, info.outHeight, info.strideHeight, info.dilationHeight, info.padInfo.top);
    const w = inputGradAxis(info.inWidth, kw, info.outWidth, info.strideWidth, info.dilationWidth, info.padInfo.left);
    const filters = flippedPhaseFilters(filter, h, w, true);
    const parts: tf.Tensor4D[] = [];
    for (let a = 0; a < h.phases; a++) {
      for (let b = 0; b < w.phases; b++) {
        const { input, pad: explicit } = cropThenPad(dy, phasePads(h, kh, a), phasePads(w, kw, b));
        let z: tf.Tensor4D = tf.depthwiseConv2d(input, filters[a * w.phases + b], 1, explicit, 'NHWC', [h.dilation, w.dilation]);
        if (m > 1) {
          const [n, rh, rw] = z.shape;
          z = tf.sum(tf.reshape(z, [n, rh, rw, c, m]), 4) as tf.Tensor4D;
        }
        parts.push(z);
      }
    }
    const full = interleavePhases(parts, h, w);
    if (h.offset === 0 && w.offset === 0 && full.shape[1] === info.inHeight && full.shape[2] === info.inWidth) return full;
    return tf.slice(full, [0, h.offset, w.offset, 0], [info.batchSize, info.inHeight, info.inWidth, c]);
  });
}

interface DepthwiseGradAttrs {
  strides: number | Pair;
  pad: Pad;
  dilations?: number | Pair;
  dimRoundingMode?: Rounding;
}

/** `DepthwiseConv2dNativeBackpropFilter` for `backendName`. */
export function depthwiseBackpropFilterKernel(backendName: string): tf.KernelConfig {
  return {
    kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
    backendName,
    kernelFunc: ({ inputs, attrs }) => {
      const a = attrs as unknown as DepthwiseGradAttrs & { filterShape: [number, number, number, number] };
      return depthwiseFilterGrad(inputs.x as tf.Tensor4D, inputs.dy as tf.Tensor4D, a.filterShape, a.strides, a.pad, a.dilations ?? 1, a.dimRoundingMode);
    },
  };
}

/** `DepthwiseConv2dNativeBackpropInput` for `backendName`. */
export function depthwiseBackpropInputKernel(backendName: string): tf.KernelConfig {
  return {
    kernelName: tf.DepthwiseConv2dNativeBackpropInput,
    backendName,
    kernelFunc: ({ inputs, attrs }) => {
      const a = attrs as unknown as DepthwiseGradAttrs & { inputShape: [number, number, number, number] };
      return depthwiseInputGrad(a.inputShape, inputs.dy as tf.Tensor4D, inputs.filter as tf.Tensor4D, a.strides, a.pad, a.dilations ?? 1, a.dimRoundingMode);
    },
  };
}
