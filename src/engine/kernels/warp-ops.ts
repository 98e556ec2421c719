/**
 * `WavecvWarp` and `WavecvWarpGrad` (`warp.ts`: Jaderberg et al. 2015,
 * "Spatial Transformer Networks", Eq. 5 bilinear sampling and its partial
 * derivatives, Eqs. 6–7, in 2-D and 3-D) for a backend whose memory the host
 * cannot touch (webgpu), written with TF.js ops that every backend has: the
 * same conventions, the same results within float32 rounding (`warp.ts`
 * computes in float64).
 *
 * The sampling position of every output voxel is p = grid + field; for each
 * of the 2ⁿ corners of the cell around p (n spatial axes) one `gather` reads
 * the image rows (all channels) at the corner's flat index and adds them with
 * the corner's weight Π_k w_k (w_k = t_k or 1 − t_k). A corner outside the
 * image reads row 0 with weight 0 (zeros padding); with border padding p is
 * clamped first. `nearest` reads the one voxel at round(p) (ties to even, as
 * `tf.round`). The gradient:
 *  - image: every corner's weighted dy, scattered onto its voxel by one
 *    `unsortedSegmentSum` over all corners (the adjoint of the gathers);
 *  - field, along axis k: Σ_corners ±Π_{j≠k} w_j · ⟨image(corner), dy⟩ (the
 *    sign is + for the upper corner along k), times 0 where border padding
 *    clamps p_k or p_k lies on the border (as `warp.ts`, PyTorch's
 *    `clip_coordinates_set_grad`); zero for `nearest`.
 *
 * Decisions: one gather per corner rather than a custom WGSL program: the
 * gathers and the segment sum are kernels the webgpu backend has (its
 * `UnsortedSegmentSum` as corrected in `webgpu-fixes.ts`), and the composition
 * stays correct wherever TF.js is; it holds 2ⁿ corner tensors of the output's
 * size at once, which the registration models' sizes afford.
 */
import * as tf from '@tensorflow/tfjs';
import { WARP, WARP_GRAD, type WarpAttrs } from './warp.js';

/** What every corner of every output voxel needs: flat image row, weight, per-axis weight factors. */
interface Corners {
  /** Flat row index into the image viewed as [B·Π in, C], one [B·P] int32 tensor per corner. */
  rows: tf.Tensor1D[];
  /** Weight of each corner, [B·P] (0 outside the image). */
  weights: tf.Tensor1D[];
  /** Per corner and axis, the derivative of its weight along that axis (linear only), [B·P]. */
  slopes: tf.Tensor1D[][];
  /** Per axis, the factor (0 or 1) of the field gradient through border clamping, [B·P]. */
  clampFactors: tf.Tensor1D[];
}

/** The spatial sizes of the image and field, and the batch and channel counts. */
function geometry(image: tf.Tensor, field: tf.Tensor) {
  const axes = field.rank - 2;
  return {
    axes,
    batch: image.shape[0],
    channels: image.shape[image.rank - 1],
    inSize: image.shape.slice(1, 1 + axes),
    outSize: field.shape.slice(1, 1 + axes),
  };
}

/** Voxel coordinate along `axis` of every output voxel, as [P] float32 (row-major over `outSize`). */
function coordinate(outSize: number[], axis: number): tf.Tensor1D {
  const inner = outSize.slice(axis + 1).reduce((a, b) => a * b, 1);
  const total = outSize.reduce((a, b) => a * b, 1);
  return tf.tensor1d(Float32Array.from({ length: total }, (_, p) => Math.floor(p / inner) % outSize[axis]));
}

/** Rows, weights, slopes and clamp factors of the corners (see the file comment). */
function corners(image: tf.Tensor, field: tf.Tensor, attrs: WarpAttrs): Corners {
  const { axes, batch, inSize, outSize } = geometry(image, field);
  const voxels = outSize.reduce((a, b) => a * b, 1);
  const perImage = inSize.reduce((a, b) => a * b, 1);
  const flatField = tf.reshape(field, [batch, voxels, axes]);
  const base = tf.reshape(tf.mul(tf.range(0, batch, 1, 'int32'), tf.scalar(perImage, 'int32')), [batch, 1]);
  const lower: tf.Tensor[] = [];
  const fraction: tf.Tensor[] = [];
  const clampFactors: tf.Tensor1D[] = [];
  for (let k = 0; k < axes; k++) {
    const n = inSize[k];
    const p = tf.add(tf.reshape(coordinate(outSize, k), [1, voxels]), tf.squeeze(tf.slice(flatField, [0, 0, k], [batch, voxels, 1]), [2]));
    const c = attrs.border ? tf.clipByValue(p, 0, n - 1) : p;
    clampFactors.push(tf.reshape(attrs.border ? tf.cast(tf.logicalAnd(tf.greater(p, 0), tf.less(p, n - 1)), 'float32') : tf.onesLike(p), [-1]) as tf.Tensor1D);
    if (attrs.linear) {
      const f = tf.floor(c);
      lower.push(f);
      fraction.push(tf.sub(c, f));
    } else {
      lower.push(tf.round(c));
    }
  }
  const cornerCount = attrs.linear ? 1 << axes : 1;
  const rows: tf.Tensor1D[] = [];
  const weights: tf.Tensor1D[] = [];
  const slopes: tf.Tensor1D[][] = [];
  for (let m = 0; m < cornerCount; m++) {
    let inside: tf.Tensor = tf.onesLike(lower[0]);
    let row: tf.Tensor = base;
    const factors: tf.Tensor[] = [];
    for (let k = 0; k < axes; k++) {
      const upper = (m >> (axes - 1 - k)) & 1;
      const index = upper ? tf.add(lower[k], 1) : lower[k];
      inside = tf.mul(inside, tf.cast(tf.logicalAnd(tf.greaterEqual(index, 0), tf.lessEqual(index, inSize[k] - 1)), 'float32'));
      const stride = inSize.slice(k + 1).reduce((a, b) => a * b, 1);
      row = tf.add(row, tf.mul(tf.cast(tf.clipByValue(index, 0, inSize[k] - 1), 'int32'), tf.scalar(stride, 'int32')));
      if (attrs.linear) factors.push(upper ? fraction[k] : tf.sub(1, fraction[k]));
    }
    const product = (skip: number) => factors.reduce<tf.Tensor>((acc, w, j) => (j === skip ? acc : tf.mul(acc, w)), inside);
    rows.push(tf.reshape(row, [-1]) as tf.Tensor1D);
    weights.push(tf.reshape(product(-1), [-1]) as tf.Tensor1D);
    if (attrs.linear) {
      slopes.push(Array.from({ length: axes }, (_, k) => {
        const upper = (m >> (axes - 1 - k)) & 1;
        const slope = product(k);
        return tf.reshape(upper ? slope : tf.neg(slope), [-1]) as tf.Tensor1D;
      }));
    }
  }
  return { rows, weights, slopes, clampFactors };
}

/** The image as [B·Π in, C] rows. */
function imageRows(image: tf.Tensor): tf.Tensor2D {
  return tf.reshape(image, [-1, image.shape[image.rank - 1]]);
}

/** `WavecvWarp` by gathers: Σ_corners weight · image(corner). */
export function warpByGather(image: tf.Tensor, field: tf.Tensor, attrs: WarpAttrs): tf.Tensor {
  return tf.tidy(() => {
    const { channels } = geometry(image, field);
    const { rows, weights } = corners(image, field, attrs);
    const source = imageRows(image);
    const sampled = rows.map((r, i) => tf.mul(tf.gather(source, r), tf.reshape(weights[i], [-1, 1])));
    return tf.reshape(sampled.length === 1 ? sampled[0] : tf.addN(sampled), [...field.shape.slice(0, -1), channels]);
  });
}

/** `WavecvWarpGrad` by the adjoint of the gathers: [dImage, dField]. */
export function warpGradByGather(image: tf.Tensor, field: tf.Tensor, dy: tf.Tensor, attrs: WarpAttrs): [tf.Tensor, tf.Tensor] {
  return tf.tidy(() => {
    const { axes, channels } = geometry(image, field);
    const { rows, weights, slopes, clampFactors } = corners(image, field, attrs);
    const source = imageRows(image);
    const upstream = tf.reshape(dy, [-1, channels]);
    const scattered = tf.concat(weights.map((w) => tf.mul(upstream, tf.reshape(w, [-1, 1]))), 0);
    const dImage = tf.reshape(tf.unsortedSegmentSum(scattered, tf.concat(rows, 0), source.shape[0]), image.shape);
    if (!attrs.linear) return [dImage, tf.zerosLike(field)];
    const dots = rows.map((r) => tf.sum(tf.mul(tf.gather(source, r), upstream), 1));
    const perAxis = Array.from({ length: axes }, (_, k) => {
      const terms = dots.map((d, m) => tf.mul(slopes[m][k], d));
      return tf.mul(tf.addN(terms), clampFactors[k]);
    });
    return [dImage, tf.reshape(tf.stack(perAxis, 1), field.shape)];
  });
}

/** `WavecvWarp` by gathers for `backendName`. */
export function warpByGatherKernel(backendName: string): tf.KernelConfig {
  return {
    kernelName: WARP,
    backendName,
    kernelFunc: ({ inputs, attrs }) => {
      const { image, field } = inputs as unknown as { image: tf.Tensor; field: tf.Tensor };
      return warpByGather(image, field, attrs as unknown as WarpAttrs);
    },
  };
}

/** `WavecvWarpGrad` by gathers for `backendName`. */
export function warpGradByGatherKernel(backendName: string): tf.KernelConfig {
  return {
    kernelName: WARP_GRAD,
    backendName,
    kernelFunc: ({ inputs, attrs }) => {
      const { image, field, dy } = inputs as unknown as { image: tf.Tensor; field: tf.Tensor; dy: tf.Tensor };
      return warpGradByGather(image, field, dy, attrs as unknown as WarpAttrs);
    },
  };
}
