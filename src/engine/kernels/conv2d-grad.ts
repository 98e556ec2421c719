/**
 * Both gradients of `conv2d` written as forward convolutions, which the wasm
 * backend runs through XNNPACK (see `conv-plan.ts` for the index arithmetic,
 * after Dumoulin & Visin 2016, §4, and the sub-pixel phase split of Shi et al.,
 * CVPR 2016).
 *
 * - `Conv2DBackpropFilter` is missing on wasm (tensorflow/tfjs#8474). Here
 *   ∂W[kh,kw,C,F] = conv2d(xᵀ[C,H,W,N], dyᵀ[oh,ow,N,F], stride = d, dilation = s),
 *   transposed back.
 * - `Conv2DBackpropInput` exists on wasm but runs a naive loop 5–10× slower
 *   than the forward conv (measured: 8.6 s against 0.14 s forward for
 *   64×32×32×64 → 64, 3×3); here it is, per stride phase, one stride-1 conv2d
 *   of dy with that phase's flipped sub-filter, the phases then interleaved
 *   (reshape + transpose: a depth-to-space).
 *
 * Alternatives measured on wasm (CPU ms, batch 64, 3×3, one core):
 * - ∂W for 64×32×32×64 → 64: this conv 219 (+32 for transposing x), forward
 *   139; im2col + matMul is dominated by wasm's Slice (9 tap windows: 2841);
 *   one plain matMul per tap 26 each (234 for 9, before the windows);
 *   splitting the batch into chunks (XNNPACK does not block K): no gain.
 * - ∂x for 64×32×32×64 → 128, stride 2: per-phase convs 125, one conv with
 *   the phases stacked as output channels (zero-padded 2×2 sub-filters, 16/9
 *   of the multiplies) 300, forward 90; convolving a zero-upsampled dy would
 *   do 4× the multiplies of the phase split.
 *
 * Both kernels also accept a `dilations` attribute (absent from the tfjs kernel
 * contract; our choice) so that dilated convolutions can be trained: see
 * `../gradients.ts`. The functions are plain tfjs op compositions: they run on
 * any backend, which is how the tests compare them with the cpu kernels.
 */
import * as tf from '@tensorflow/tfjs';
import { filterGradAxis, inputGradAxis, type InputGradAxis } from './conv-plan.js';
import { padOrCrop } from './tensor-util.js';

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;
type Pair = [number, number];

/** Splits pads into a crop of the tensor (negative parts) and explicit conv padding. */
export function cropThenPad(t: tf.Tensor4D, h: Pair, w: Pair): { input: tf.Tensor4D; pad: tf.backend_util.ExplicitPadding } {
  const crop = (p: Pair): Pair => [Math.min(0, p[0]), Math.min(0, p[1])];
  const input = padOrCrop(t, [[0, 0], crop(h), crop(w), [0, 0]]);
  const pos = (p: Pair): Pair => [Math.max(0, p[0]), Math.max(0, p[1])];
  return { input, pad: [[0, 0], pos(h), pos(w), [0, 0]] };
}

/**
 * [N,H,W,C] → [C,H,W,N] as a 2-D transpose ([N, H·W·C] → [H·W·C, N]) and a
 * transpose that moves whole rows of N ([H·W, C, N] → [C, H·W, N]): 3.5× faster
 * on wasm than the single 4-D transpose, which moves single floats (measured,
 * 64×32×32×64: 8 ms against 29 ms; our choice).
 */
function channelsToBatch(x: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  return tf.tidy(() => {
    const flat = tf.transpose(tf.reshape(x, [n, h * w * c]));
    return tf.reshape(tf.transpose(tf.reshape(flat, [h * w, c, n]), [1, 0, 2]), [c, h, w, n]);
  });
}

/**
 * The operands of a filter-gradient correlation (`conv-plan.ts`): `image`
 * (x laid out as the image) padded or cropped as the plans `h`, `w` say, and
 * `dyFilter` (dy as the filter, spatial axes 0 and 1). Rows of x that no
 * output reads (negative trailing pad, e.g. a 1×1 stride-2 conv of an even
 * size) are not cropped from the large image: dy gets zero taps instead,
 * which is much cheaper than wasm's Slice.
 */
export function filterGradOperands(
  image: tf.Tensor4D,
  dyFilter: tf.Tensor4D,
  h: { padBefore: number; padAfter: number },
  w: { padBefore: number; padAfter: number },
  strideH: number,
  strideW: number,
): { input: tf.Tensor4D; filter: tf.Tensor4D; pad: tf.backend_util.ExplicitPadding } {
  const extraH = h.padAfter < 0 ? Math.ceil(-h.padAfter / strideH) : 0;
  const extraW = w.padAfter < 0 ? Math.ceil(-w.padAfter / strideW) : 0;
  const filter = extraH > 0 || extraW > 0 ? (tf.pad(dyFilter, [[0, extraH], [0, extraW], [0, 0], [0, 0]]) as tf.Tensor4D) : dyFilter;
  const { input, pad } = cropThenPad(image, [h.padBefore, h.padAfter + extraH * strideH], [w.padBefore, w.padAfter + extraW * strideW]);
  return { input, filter, pad };
}

/**
 * ∂loss/∂filter of `tf.conv2d(x, filter, strides, pad, 'NHWC', dilations)` (NHWC).
 * Same contract as `tf.conv2DBackpropFilter`, plus dilations.
 */
export function conv2dFilterGrad(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  strides: number | Pair,
  pad: Pad,
  dilations: number | Pair = 1,
  dimRoundingMode?: Rounding,
): tf.Tensor4D {
  const info = tf.backend_util.computeConv2DInfo(x.shape, filterShape, strides, dilations, pad, dimRoundingMode);
  return tf.tidy(() => {
    const h = filterGradAxis(info.inHeight, info.filterHeight, info.outHeight, info.strideHeight, info.dilationHeight, info.padInfo.top);
    const w = filterGradAxis(info.inWidth, info.filterWidth, info.outWidth, info.strideWidth, info.dilationWidth, info.padInfo.left);
    // x as a batch of C single images with N channels; dy as an oh×ow filter N→F.
    const { input, filter, pad: explicit } = filterGradOperands(channelsToBatch(x), tf.transpose(dy, [1, 2, 0, 3]), h, w, info.strideHeight, info.strideWidth);
    const g = tf.conv2d(input, filter, [info.dilationHeight, info.dilationWidth], explicit, 'NHWC', [
      info.strideHeight,
      info.strideWidth,
    ]);
    return tf.transpose(g, [1, 2, 0, 3]);
  });
}

/**
 * Flipped sub-filters of every stride phase, transposed for the input-gradient
 * conv: phase (a, b) gets P[u, v, f, c] = W[sh·(th−1−u) + a, sw·(tw−1−v) + b, c, f]
 * with th = ⌈(kh − a)/sh⌉ taps (tw likewise). The tap selection and reversal of
 * all phases is ONE matMul of a 0/1 selection matrix with W viewed as
 * [kh·kw, C·F] (exact: each output sums one weight and zeros), then a
 * Transpose swaps [C,F] → [F,C]. Measured on wasm for 3×3×512×512: 4 ms for the
 * matMul, against 72 ms for tf.reverse, 75 ms for tf.gather and ~100 ms for a
 * JS copy loop (fresh JS memory page-faults; our choice). With `depthwise`,
 * W is [kh,kw,C,M] and each phase is [th,tw,C·M,1], the filter of a depthwise
 * conv over the C·M channels of dy (taps flipped, not transposed).
 */
export function flippedPhaseFilters(filter: tf.Tensor4D, h: InputGradAxis, w: InputGradAxis, depthwise = false): tf.Tensor4D[] {
  const [kh, kw, c, f] = filter.shape;
  const phases: Array<{ th: number; tw: number }> = [];
  const rows: number[] = [];
  for (let a = 0; a < h.phases; a++) {
    const th = Math.ceil((kh - a) / h.stride);
    for (let b = 0; b < w.phases; b++) {
      const tw = Math.ceil((kw - b) / w.stride);
      phases.push({ th, tw });
      for (let u = 0; u < th; u++) for (let v = 0; v < tw; v++) rows.push((h.stride * (th - 1 - u) + a) * kw + w.stride * (tw - 1 - v) + b);
    }
  }
  return tf.tidy(() => {
    const select = tf.buffer([rows.length, kh * kw], 'float32');
    rows.forEach((src, r) => select.set(1, r, src));
    const taps = tf.matMul(select.toTensor(), tf.reshape(filter, [kh * kw, c * f]));
    const parts = phases.length === 1 ? [taps] : tf.split(taps, phases.map((p) => p.th * p.tw), 0);
    return parts.map((part, i) => {
      const { th, tw } = phases[i];
      if (depthwise) return tf.reshape(part, [th, tw, c * f, 1]) as tf.Tensor4D;
      return tf.transpose(tf.reshape(part, [th, tw, c, f]), [0, 1, 3, 2]) as tf.Tensor4D;
    });
  });
}

/**
 * Interleaves phase results (phase-major list, each [N, rh, rw, C]) into
 * [N, rh·sh, rw·sw, C]; phases without a filter tap (K < s) are zero. A
 * reshape/transpose: measured 35× faster than the wasm DepthToSpace kernel.
 */
export function interleavePhases(parts: tf.Tensor4D[], h: { phases: number; stride: number }, w: { phases: number; stride: number }): tf.Tensor4D {
  const [n, rh, rw, c] = parts[0].shape;
  if (h.stride === 1 && w.stride === 1) return parts[0];
  let g: tf.Tensor = parts.length === 1 ? parts[0] : tf.concat(parts, 3);
  g = tf.reshape(g, [n, rh, rw, h.phases, w.phases, c]);
  if (h.phases < h.stride || w.phases < w.stride) {
    g = tf.pad(g, [
      [0, 0],
      [0, 0],
      [0, 0],
      [0, h.stride - h.phases],
      [0, w.stride - w.phases],
      [0, 0],
    ]);
  }
  g = tf.transpose(g, [0, 1, 3, 2, 4, 5]);
  return tf.reshape(g, [n, rh * h.stride, rw * w.stride, c]);
}

/**
 * Pads of dy for phase r of an axis. The phase's sub-filter has
 * ceil((K − r)/s) taps; the leading taps it lacks against the common
 * `taps`-long flipped filter are zeros, skipped by starting later in dy (the
 * trailing pad is unchanged).
 */
export function phasePads(axis: InputGradAxis, K: number, r: number): Pair {
  const taps = Math.ceil((K - r) / axis.stride);
  return [axis.padBefore - (axis.taps - taps) * axis.dilation, axis.padAfter];
}

/**
 * ∂loss/∂x of `tf.conv2d(x, filter, strides, pad, 'NHWC', dilations)` (NHWC).
 * Same contract as `tf.conv2DBackpropInput`, plus dilations. One stride-1
 * conv2d per stride phase with that phase's exact sub-filter, so the multiply
 * count equals the forward one (a single conv with all phases stacked as
 * output channels and zero-padded sub-filters measured 2× slower for 3×3/s2).
 */
export function conv2dInputGrad(
  inputShape: [number, number, number, number],
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  strides: number | Pair,
  pad: Pad,
  dilations: number | Pair = 1,
  dimRoundingMode?: Rounding,
): tf.Tensor4D {
  const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape, strides, dilations, pad, dimRoundingMode);
  return tf.tidy(() => {
    const h = inputGradAxis(info.inHeight, info.filterHeight, info.outHeight, info.strideHeight, info.dilationHeight, info.padInfo.top);
    const w = inputGradAxis(info.inWidth, info.filterWidth, info.outWidth, info.strideWidth, info.dilationWidth, info.padInfo.left);
    const filters = flippedPhaseFilters(filter, h, w);
    const parts: tf.Tensor4D[] = [];
    for (let a = 0; a < h.phases; a++) {
      const ph = phasePads(h, info.filterHeight, a);
      for (let b = 0; b < w.phases; b++) {
        const pw = phasePads(w, info.filterWidth, b);
        const { input, pad: explicit } = cropThenPad(dy, ph, pw);
        parts.push(tf.conv2d(input, filters[a * w.phases + b], 1, explicit, 'NHWC', [h.dilation, w.dilation]));
      }
    }
    const full = interleavePhases(parts, h, w);
    if (h.offset === 0 && w.offset === 0 && full.shape[1] === info.inHeight && full.shape[2] === info.inWidth) return full;
    return tf.slice(full, [0, h.offset, w.offset, 0], [info.batchSize, info.inHeight, info.inWidth, info.inChannels]);
  });
}

const toNHWC = (t: tf.Tensor4D): tf.Tensor4D => tf.transpose(t, [0, 2, 3, 1]);
const toNCHW = (t: tf.Tensor4D): tf.Tensor4D => tf.transpose(t, [0, 3, 1, 2]);

interface ConvGradAttrs {
  strides: number | Pair;
  pad: Pad;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: Rounding;
  dilations?: number | Pair;
}

/** `Conv2DBackpropFilter` for `backendName`, built on its forward conv2d. */
export function conv2dBackpropFilterKernel(backendName: string): tf.KernelConfig {
  return {
    kernelName: tf.Conv2DBackpropFilter,
    backendName,
    kernelFunc: ({ inputs, attrs }) => {
      const a = attrs as unknown as ConvGradAttrs & { filterShape: [number, number, number, number] };
      const nchw = a.dataFormat === 'NCHW';
      return tf.tidy(() => {
        let x = inputs.x as tf.Tensor4D;
        let dy = inputs.dy as tf.Tensor4D;
        if (nchw) {
          x = toNHWC(x);
          dy = toNHWC(dy);
        }
        return conv2dFilterGrad(x, dy, a.filterShape, a.strides, a.pad, a.dilations ?? 1, a.dimRoundingMode);
      });
    },
  };
}

/** `Conv2DBackpropInput` for `backendName`, built on its forward conv2d. */
export function conv2dBackpropInputKernel(backendName: string): tf.KernelConfig {
  return {
    kernelName: tf.Conv2DBackpropInput,
    backendName,
    kernelFunc: ({ inputs, attrs }) => {
      const a = attrs as unknown as ConvGradAttrs & { inputShape: [number, number, number, number] };
      const nchw = a.dataFormat === 'NCHW';
      return tf.tidy(() => {
        let dy = inputs.dy as tf.Tensor4D;
        let shape = a.inputShape;
        if (nchw) {
          dy = toNHWC(dy);
          shape = [shape[0], shape[2], shape[3], shape[1]];
        }
        const dx = conv2dInputGrad(shape, dy, inputs.filter as tf.Tensor4D, a.strides, a.pad, a.dilations ?? 1, a.dimRoundingMode);
        return nchw ? toNCHW(dx) : dx;
      });
    },
  };
}
