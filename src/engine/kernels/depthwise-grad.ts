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
 * - ∂x: one stride-1 depthwise conv of dy (C·M channels) whose multiplier is the
 *   number of stride phases, then a sum over m and the phase interleave.
 *
 * Dilations are supported (the tfjs kernels accept them; the core gradient
 * refuses them, see `../gradients.ts`).
 */
import * as tf from '@tensorflow/tfjs';
import { filterGradAxis, inputGradAxis } from './conv-plan.js';
import { interleavePhases } from './conv2d-grad.js';
import { padOrCrop } from './tensor-util.js';

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;
type Pair = [number, number];

function cropThenPad(t: tf.Tensor4D, h: Pair, w: Pair): { input: tf.Tensor4D; pad: tf.backend_util.ExplicitPadding } {
  const crop = (p: Pair): Pair => [Math.min(0, p[0]), Math.min(0, p[1])];
  const pos = (p: Pair): Pair => [Math.max(0, p[0]), Math.max(0, p[1])];
  return { input: padOrCrop(t, [[0, 0], crop(h), crop(w), [0, 0]]), pad: [[0, 0], pos(h), pos(w), [0, 0]] };
}

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
    const dyr = tf.reshape(tf.transpose(dy, [1, 2, 0, 3]), [info.outHeight, info.outWidth, n * c, m]);
    const { input, pad: explicit } = cropThenPad(xr, [h.padBefore, h.padAfter], [w.padBefore, w.padAfter]);
    const g = tf.depthwiseConv2d(input as tf.Tensor4D, dyr as tf.Tensor4D, [info.dilationHeight, info.dilationWidth], explicit, 'NHWC', [
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
    const phases = h.phases * w.phases;
    // Filter [th,tw,C·M,Ph·Pw]: output group (c,m,a,b) is the flipped phase-(a,b) sub-filter of W[:,:,c,m].
    let g: tf.Tensor = tf.pad(filter, [
      [0, h.taps * h.stride - kh],
      [0, w.taps * w.stride - kw],
      [0, 0],
      [0, 0],
    ]);
    g = tf.reshape(g, [h.taps, h.stride, w.taps, w.stride, c, m]);
    if (h.phases < h.stride || w.phases < w.stride) g = tf.slice(g, [0, 0, 0, 0, 0, 0], [h.taps, h.phases, w.taps, w.phases, c, m]);
    g = tf.reverse(g, [0, 2]);
    g = tf.reshape(tf.transpose(g, [0, 2, 4, 5, 1, 3]), [h.taps, w.taps, c * m, phases]);
    const { input, pad: explicit } = cropThenPad(dy, [h.padBefore, h.padAfter], [w.padBefore, w.padAfter]);
    let z: tf.Tensor = tf.depthwiseConv2d(input, g as tf.Tensor4D, 1, explicit, 'NHWC', [h.dilation, w.dilation]);
    const [n, rh, rw] = z.shape;
    if (m > 1) z = tf.sum(tf.reshape(z, [n, rh, rw, c, m, phases]), 4);
    // [N,rh,rw,C,P] → [N,rh,rw,P,C] for the interleave.
    if (phases > 1) z = tf.transpose(tf.reshape(z, [n, rh, rw, c, phases]), [0, 1, 2, 4, 3]);
    const full = interleavePhases(tf.reshape(z, [n, rh, rw, phases * c]), h, w, c);
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
