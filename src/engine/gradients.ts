/**
 * Gradients that tfjs-core 4.22 lacks or refuses, registered for every backend
 * by {@link registerTrainingGradients} (called from `registerTrainingKernels`).
 * Each is the adjoint of its linear forward op; the tests check
 * ⟨dy, op(x)⟩ = ⟨op*(dy), x⟩ and compare with the cpu backend.
 *
 * - `Conv2D`, `DepthwiseConv2dNative`: core asserts dilation 1 in the
 *   gradient; here dilated convolutions train too (the undilated path is
 *   core's, unchanged). The dilated gradients are the backend-agnostic op
 *   compositions of `kernels/conv2d-grad.ts` / `kernels/depthwise-grad.ts`,
 *   because the cpu depthwise backprop kernels silently ignore dilations.
 *   `tf.layers.conv2d` with a dilation rate and a linear activation still
 *   goes through `tf.fused.conv2d`, whose own custom gradient refuses
 *   dilations; that path is tfjs's and is not patched.
 * - `Conv3DBackpropInputV2` (the op behind `tf.conv3dTranspose` and
 *   `tf.layers.conv3dTranspose`): no gradient in core, so 3-D decoders could
 *   not train. For z ↦ Bᵀz (the transposed convolution of dy = z by W):
 *   ∂/∂z = conv3d(g, W) and ∂/∂W = Conv3DBackpropFilterV2(g, z), the 3-D form of
 *   core's own `Conv2DBackpropInput` gradient.
 * - `DepthToSpace`: its adjoint is space-to-depth, written as reshape +
 *   transpose (tfjs has no SpaceToDepth op).
 * - `GatherNd`: ∂x = scatterND(indices, dy, x.shape) (scatterND sums repeats).
 * - `StridedSlice`: ∂x scatters dy back onto the sliced positions; the flat
 *   positions are enumerated in JS from tfjs's own dense slice spec
 *   (`slice_util.sliceInfo`), which covers masks, negative strides,
 *   new and shrunk axes. (tfjs's forward kernels mis-slice a shrunk axis
 *   combined with a stride ≠ 1 elsewhere; this gradient follows TensorFlow's
 *   semantics, so it is the adjoint only where the forward is right.)
 * - `FusedBatchNorm` (`tf.batchNorm`, `tf.layers.batchNormalization`): core's
 *   gradient tiles rsqrt(variance + ε) up to the size of x, and `Tile` is slow
 *   on wasm (~40 % of an iresnet-tiny training step). Here the same partial
 *   derivatives of y = (x − μ)·s·(σ² + ε)^(−1/2) + o (Ioffe & Szegedy 2015,
 *   eq. in Alg. 1; μ, σ² treated as inputs, not as functions of x, exactly as
 *   core does, so a moments → batchNorm graph still differentiates through
 *   the moments) are computed by broadcasting, for x of any rank. My choice:
 *   when μ, σ², s share one shape (per-channel stats), the per-element
 *   factors are reduced first (∂μ = −Σdy·r·s, ∂o = Σdy from one sum), and every
 *   partial is summed back onto μ's shape, which also covers stats shaped
 *   [1,1,1,C] or scalars, where core's reshape throws.
 * - `Sum`, `Mean`: core spreads dy over x's shape by multiplying with
 *   `tf.ones(x.shape)`, which is filled in JavaScript and copied into the
 *   backend (on wasm 4–50 ms for 2M values, most of the backward pass of
 *   `sum(y · w)` over a 4×128×128×32 wavelet transform); here the same
 *   product uses `tf.fill(x.shape, 1)`, which the backend fills itself
 *   (0.3 ms). Same values (∂/∂x Σ x = 1, ∂/∂x mean x = 1/count along the
 *   reduced axes).
 * - `Tile` (the op behind `tf.tile`, and behind `tf.layers.layerNormalization`,
 *   which tiles its mean, variance, γ and β up to the input's shape): core
 *   sums dy back with one `slice` + `add` per repetition — for a ViT-S layer
 *   norm on [8, 197, 384] tokens 2·8·197 + 2·384 of them, 98,000 kernels
 *   and over 2 GiB of wasm heap per training step, which made ViT-S/16 at
 *   224×224 batch 8 abort. Here the output index i·s + j of an axis of size
 *   s tiled r times is split into (i, j) by one reshape of dy to
 *   [r₀, s₀, r₁, s₁, …] and the repetition axes are summed: one Sum.
 *   Axes with r = 1 or s = 1 are left out and neighbouring kept (or
 *   summed) axes are merged, so the reshape has as few axes as the tiling
 *   pattern needs (the wasm backend transposes at most a few axes fast).
 * - `WavecvWarp` (wavecv's own sampling kernel, `kernels/warp.ts`): both
 *   partials from one `WavecvWarpGrad` pass.
 * Not covered (documented gaps): `CropAndResize`, `Transform`, `Einsum`,
 * complex/FFT ops.
 */
import * as tf from '@tensorflow/tfjs';
import { conv2dFilterGrad, conv2dInputGrad } from './kernels/conv2d-grad.js';
import { depthwiseFilterGrad, depthwiseInputGrad } from './kernels/depthwise-grad.js';
import { allOne } from './kernels/tensor-util.js';
import { warpGradConfig } from './kernels/warp.js';

type Pair = [number, number];
type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;

const pairOf = (v: number | Pair | null | undefined): Pair => (v == null ? [1, 1] : typeof v === 'number' ? [v, v] : v);

interface Conv2DAttrs {
  strides: number | Pair;
  pad: Pad;
  dataFormat: 'NHWC' | 'NCHW';
  dilations: number | Pair;
  dimRoundingMode?: Rounding;
}

/** Conv2D: core's gradient for dilation 1, the op compositions for dilations > 1. */
const conv2dGrad: tf.GradConfig = {
  kernelName: tf.Conv2D,
  inputsToSave: ['x', 'filter'],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
    const a = attrs as unknown as Conv2DAttrs;
    const g = dy as tf.Tensor4D;
    const dilations = pairOf(a.dilations);
    if (allOne(dilations)) {
      const common = { strides: a.strides, pad: a.pad, dataFormat: a.dataFormat, dimRoundingMode: a.dimRoundingMode };
      return {
        x: () => tf.engine().runKernel(tf.Conv2DBackpropInput, { dy: g, filter }, { ...common, inputShape: x.shape } as unknown as tf.NamedAttrMap) as tf.Tensor,
        filter: () => tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy: g }, { ...common, filterShape: filter.shape } as unknown as tf.NamedAttrMap) as tf.Tensor,
      };
    }
    // The compositions work in NHWC; each partial transposes only what it reads.
    const nchw = a.dataFormat === 'NCHW';
    const toNHWC = (t: tf.Tensor4D): tf.Tensor4D => (nchw ? tf.transpose(t, [0, 2, 3, 1]) : t);
    const s = x.shape;
    const xShapeNHWC: [number, number, number, number] = nchw ? [s[0], s[2], s[3], s[1]] : s;
    return {
      x: () => {
        const dx = conv2dInputGrad(xShapeNHWC, toNHWC(g), filter, a.strides, a.pad, dilations, a.dimRoundingMode);
        return nchw ? tf.transpose(dx, [0, 3, 1, 2]) : dx;
      },
      filter: () => conv2dFilterGrad(toNHWC(x), toNHWC(g), filter.shape, a.strides, a.pad, dilations, a.dimRoundingMode),
    };
  },
};

/** DepthwiseConv2dNative: as core for dilation 1, the op compositions for dilations > 1. */
const depthwiseGrad: tf.GradConfig = {
  kernelName: tf.DepthwiseConv2dNative,
  inputsToSave: ['x', 'filter'],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
    const a = attrs as unknown as Omit<Conv2DAttrs, 'dataFormat'>;
    const g = dy as tf.Tensor4D;
    const dilations = pairOf(a.dilations);
    if (allOne(dilations)) {
      const common = { strides: a.strides, pad: a.pad, dilations, dimRoundingMode: a.dimRoundingMode };
      return {
        x: () => tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropInput, { dy: g, filter }, { ...common, inputShape: x.shape } as unknown as tf.NamedAttrMap) as tf.Tensor,
        filter: () => tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropFilter, { x, dy: g }, { ...common, filterShape: filter.shape } as unknown as tf.NamedAttrMap) as tf.Tensor,
      };
    }
    return {
      x: () => depthwiseInputGrad(x.shape, g, filter, a.strides, a.pad, dilations, a.dimRoundingMode),
      filter: () => depthwiseFilterGrad(x, g, filter.shape, a.strides, a.pad, dilations, a.dimRoundingMode),
    };
  },
};

/** Conv3DBackpropInputV2 (transposed 3-D convolution), see the module comment. */
const conv3dBackpropInputGrad: tf.GradConfig = {
  kernelName: tf.Conv3DBackpropInputV2,
  inputsToSave: ['dy', 'filter'],
  gradFunc: (g, saved, attrs) => {
    const [z, filter] = saved as [tf.Tensor5D, tf.Tensor5D];
    const { strides, pad } = attrs as unknown as { strides: number | [number, number, number]; pad: 'valid' | 'same' };
    const upstream = g as tf.Tensor5D;
    return {
      dy: () => tf.conv3d(upstream, filter, strides, pad),
      filter: () => tf.engine().runKernel(tf.Conv3DBackpropFilterV2, { x: upstream, dy: z }, { strides, pad, filterShape: filter.shape } as unknown as tf.NamedAttrMap) as tf.Tensor,
    };
  },
};

/** Space-to-depth, the adjoint of `tf.depthToSpace` (same block order, DCR). */
function spaceToDepth(t: tf.Tensor4D, blockSize: number, dataFormat: 'NHWC' | 'NCHW' = 'NHWC'): tf.Tensor4D {
  return tf.tidy((): tf.Tensor4D => {
    const x = dataFormat === 'NCHW' ? tf.transpose(t, [0, 2, 3, 1]) : t;
    const [n, h, w, c] = x.shape;
    const b = blockSize;
    const y = tf.reshape(tf.transpose(tf.reshape(x, [n, h / b, b, w / b, b, c]), [0, 1, 3, 2, 4, 5]), [n, h / b, w / b, b * b * c]) as tf.Tensor4D;
    return dataFormat === 'NCHW' ? tf.transpose(y, [0, 3, 1, 2]) : y;
  });
}

const depthToSpaceGrad: tf.GradConfig = {
  kernelName: tf.DepthToSpace,
  gradFunc: (dy, _saved, attrs) => {
    const { blockSize, dataFormat } = attrs as unknown as { blockSize: number; dataFormat: 'NHWC' | 'NCHW' };
    return { x: () => spaceToDepth(dy as tf.Tensor4D, blockSize, dataFormat) };
  },
};

const gatherNdGrad: tf.GradConfig = {
  kernelName: tf.GatherNd,
  inputsToSave: ['params', 'indices'],
  gradFunc: (dy, saved) => {
    const [params, indices] = saved;
    return {
      params: () => tf.scatterND(indices, dy as tf.Tensor, params.shape),
      indices: () => tf.zerosLike(indices),
    };
  },
};

interface StridedSliceAttrs {
  begin: number[];
  end: number[];
  strides: number[];
  beginMask: number;
  endMask: number;
  ellipsisMask: number;
  newAxisMask: number;
  shrinkAxisMask: number;
}

/** Flat positions in x (row-major) of the elements a strided slice takes, in output order. */
function stridedSlicePositions(xShape: number[], a: StridedSliceAttrs): Int32Array {
  const info = tf.slice_util.sliceInfo(xShape, a.begin, a.end, a.strides, a.beginMask, a.endMask, a.ellipsisMask, a.newAxisMask, a.shrinkAxisMask);
  const rank = xShape.length;
  const sizes = xShape.map((_, i) => {
    const interval = info.end[i] - info.begin[i];
    const s = info.strides[i];
    return interval === 0 || interval < 0 !== s < 0 ? 0 : Math.ceil(interval / s);
  });
  const total = sizes.reduce((p, n) => p * n, 1);
  const pitch = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) pitch[i] = pitch[i + 1] * xShape[i + 1];
  const out = new Int32Array(total);
  const idx = new Array<number>(rank).fill(0);
  for (let k = 0; k < total; k++) {
    let flat = 0;
    for (let i = 0; i < rank; i++) flat += (info.begin[i] + idx[i] * info.strides[i]) * pitch[i];
    out[k] = flat;
    for (let i = rank - 1; i >= 0; i--) {
      if (++idx[i] < sizes[i]) break;
      idx[i] = 0;
    }
  }
  return out;
}

const stridedSliceGrad: tf.GradConfig = {
  kernelName: tf.StridedSlice,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved;
    return {
      x: () =>
        tf.tidy(() => {
          const positions = stridedSlicePositions(x.shape, attrs as unknown as StridedSliceAttrs);
          const flat = tf.scatterND(tf.tensor2d(positions, [positions.length, 1], 'int32'), tf.reshape(dy as tf.Tensor, [positions.length]), [x.size]);
          return tf.reshape(flat, x.shape);
        }),
    };
  },
};

/** Sums `t` over the axes it was broadcast along from `shape`, then gives it that shape. */
function sumTo(t: tf.Tensor, shape: number[]): tf.Tensor {
  const axes = tf.backend_util.getReductionAxes(shape, t.shape);
  return tf.reshape(axes.length > 0 ? tf.sum(t, axes) : t, shape);
}

/** FusedBatchNorm without Tile; see the module comment. */
const fusedBatchNormGrad: tf.GradConfig = {
  kernelName: tf.FusedBatchNorm,
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: (dy, saved, attrs) => {
    const [x, mean, variance, scale] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor | undefined];
    const { varianceEpsilon } = attrs as unknown as { varianceEpsilon: number };
    const g = dy as tf.Tensor;
    const statsShape = mean.shape;
    // r = (σ² + ε)^(−1/2), rs = r·s: stats-sized unless the stats are full-sized.
    const r = () => tf.rsqrt(tf.add(variance, tf.scalar(varianceEpsilon)));
    const rs = () => (scale == null ? r() : tf.mul(r(), scale));
    // ∂σ² factor −½·r³ (·s).
    const varianceFactor = (rv: tf.Tensor) => {
      const factor = tf.mul(tf.mul(tf.mul(rv, rv), rv), tf.scalar(-0.5));
      return scale == null ? factor : tf.mul(factor, scale);
    };
    // Σ dy·(x − μ) onto the stats' shape (or the full product, unfactored).
    const dyCentred = () => tf.mul(g, tf.sub(x, mean));
    // Stats, scale and offset constant along the summed axes: reduce dy first.
    const factored = tf.util.arraysEqual(variance.shape, statsShape) && (scale == null || tf.util.arraysEqual(scale.shape, statsShape));
    if (!factored) {
      return {
        x: () => tf.reshape(tf.mul(g, rs()), x.shape),
        mean: () => sumTo(tf.mul(g, tf.neg(rs())), statsShape),
        variance: () => sumTo(tf.mul(dyCentred(), varianceFactor(r())), statsShape),
        scale: () => sumTo(tf.mul(dyCentred(), r()), statsShape),
        offset: () => sumTo(g, statsShape),
      };
    }
    // The two full-size reductions (Σdy, Σdy·(x − μ)) and r, once for all five
    // partials: the engine runs each partial in its own tidy, so sharing has to
    // happen here (the stats-sized results live until the backward pass ends).
    const { sumDy, sumDyCentred, rv, rsv } = tf.tidy(() => {
      const rOnce = r();
      return {
        sumDy: sumTo(g, statsShape),
        sumDyCentred: sumTo(dyCentred(), statsShape),
        rv: rOnce,
        rsv: scale == null ? rOnce : tf.mul(rOnce, scale),
      };
    });
    return {
      x: () => tf.reshape(tf.mul(g, rsv), x.shape),
      mean: () => tf.neg(tf.mul(sumDy, rsv)),
      variance: () => tf.mul(sumDyCentred, varianceFactor(rv)),
      scale: () => tf.mul(sumDyCentred, rv),
      offset: () => tf.clone(sumDy),
    };
  },
};

/** dy of a reduction over `axis` of `x`, spread back over x's shape and scaled by `scale`; see the module comment. */
function spreadReduction(dy: tf.Tensor, x: tf.Tensor, axis: number | number[], scale: (axes: number[]) => number): tf.Tensor {
  const axes = tf.util.parseAxisParam(axis, x.shape);
  const expanded = x.shape.map((size, i) => (axes.includes(i) ? 1 : size));
  const spread = tf.mul(tf.reshape(dy, expanded), tf.fill(x.shape, 1, 'float32'));
  const factor = scale(axes);
  return factor === 1 ? spread : tf.div(spread, factor);
}

const sumGrad: tf.GradConfig = {
  kernelName: tf.Sum,
  inputsToSave: ['x'],
  gradFunc: (dy, [x], attrs) => ({ x: () => spreadReduction(dy as tf.Tensor, x, (attrs as unknown as { axis: number | number[] }).axis, () => 1) }),
};

const meanGrad: tf.GradConfig = {
  kernelName: tf.Mean,
  inputsToSave: ['x'],
  gradFunc: (dy, [x], attrs) => ({
    x: () => spreadReduction(dy as tf.Tensor, x, (attrs as unknown as { axis: number | number[] }).axis, (axes) => axes.reduce((p, a) => p * x.shape[a], 1)),
  }),
};

/** Σ over the repetitions of tiled `dy` onto `x`'s shape; see the module comment. */
function untile(dy: tf.Tensor, xShape: number[], reps: number[]): tf.Tensor {
  // (size, summed) pairs in row-major order, 1s dropped, neighbours of one kind merged.
  const groups: Array<{ size: number; summed: boolean }> = [];
  const push = (size: number, summed: boolean) => {
    if (size === 1) return;
    const last = groups[groups.length - 1];
    if (last && last.summed === summed) last.size *= size;
    else groups.push({ size, summed });
  };
  xShape.forEach((s, i) => {
    push(reps[i], true);
    push(s, false);
  });
  const axes = groups.flatMap((g, i) => (g.summed ? [i] : []));
  if (axes.length === 0) return tf.reshape(dy, xShape);
  return tf.reshape(tf.sum(tf.reshape(dy, groups.map((g) => g.size)), axes), xShape);
}

const tileGrad: tf.GradConfig = {
  kernelName: tf.Tile,
  inputsToSave: ['x'],
  gradFunc: (dy, [x], attrs) => ({ x: () => untile(dy as tf.Tensor, x.shape, (attrs as unknown as { reps: number[] }).reps) }),
};

const TRAINING_GRADIENTS: tf.GradConfig[] = [tileGrad, sumGrad, meanGrad, conv2dGrad, depthwiseGrad, conv3dBackpropInputGrad, depthToSpaceGrad, gatherNdGrad, stridedSliceGrad, fusedBatchNormGrad, warpGradConfig];

let gradientsRegistered = false;

/** Registers (once) the gradients above, replacing core's where one exists. */
export function registerTrainingGradients(): void {
  if (gradientsRegistered) return;
  gradientsRegistered = true;
  for (const config of TRAINING_GRADIENTS) {
    if (tf.getGradient(config.kernelName)) tf.unregisterGradient(config.kernelName);
    tf.registerGradient(config);
  }
}
