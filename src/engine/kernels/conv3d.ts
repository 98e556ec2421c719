/**
 * 3-D convolution and both of its gradients as 2-D convolutions (XNNPACK on
 * wasm), by stacking the kd depth taps on the channel axis ("im2col along
 * depth", our choice):
 *
 *   X″[n·Do + z, h, w, (k, c)] = x[n, z·s_d + k·d_d − p_front, h, w, c]   (0 outside)
 *   y[n, z] = conv2d(X″, W″),   W″[i, j, (k, c), f] = W[k, i, j, c, f]
 *
 * so ∂W is the 2-D filter gradient of that conv2d (reshaped back) and ∂x is the
 * 2-D input gradient scattered back onto the depth positions with
 * UnsortedSegmentSum (the adjoint of the tap gather; out-of-range taps are
 * dropped there, which is the zero padding).
 *
 * Why on wasm (measured, tfjs-backend-wasm 4.22): its `Conv3D` is a scalar
 * loop (~0.6 GFLOP/s, 2×16³×16→16 3×3×3 in 180 ms); its
 * `Conv3DBackpropInputV2` returns wrong values (against the cpu backend and
 * against the adjoint identity ⟨dy, conv3d(x)⟩ = ⟨dx, x⟩, on every shape we
 * tried, e.g. `tf.grads` of a 1×4³×2 → 2 'same' conv3d), and its
 * `Conv3DBackpropFilterV2` is wrong for stride 2. 3-D networks trained there
 * would silently learn from wrong gradients; test/engine/kernels.test.ts
 * checks ours against cpu and by the adjoint identity.
 */
import * as tf from '@tensorflow/tfjs';
import { conv2dFilterGrad, conv2dInputGrad } from './conv2d-grad.js';

type Triple = [number, number, number];
type Shape5 = [number, number, number, number, number];
type Pad3 = 'valid' | 'same';

interface DepthPlan {
  info: tf.backend_util.Conv3DInfo;
  /** Source depth of tap k for output depth z, at index z·kd + k (may be out of range). */
  ids: Int32Array;
  /** True when X″ is x itself with depth folded into batch (kd = 1, s_d = 1, no depth pad). */
  plain: boolean;
  pad2d: tf.backend_util.ExplicitPadding;
}

function plan(xShape: Shape5, filterShape: Shape5, strides: number | Triple, pad: Pad3, dilations: number | Triple): DepthPlan {
  const info = tf.backend_util.computeConv3DInfo(xShape, filterShape, strides, dilations, pad);
  const { outDepth, filterDepth, strideDepth, dilationDepth } = info;
  const ids = new Int32Array(outDepth * filterDepth);
  for (let z = 0; z < outDepth; z++) for (let k = 0; k < filterDepth; k++) ids[z * filterDepth + k] = z * strideDepth + k * dilationDepth - info.padInfo.front;
  const plain = filterDepth === 1 && strideDepth === 1 && info.padInfo.front === 0 && outDepth === info.inDepth;
  const p = info.padInfo;
  return {
    info,
    ids,
    plain,
    pad2d: [
      [0, 0],
      [p.top, p.bottom],
      [p.left, p.right],
      [0, 0],
    ],
  };
}

/** X″ of the module comment, [N·Do, H, W, kd·C]. */
function stackDepthTaps(x: tf.Tensor5D, p: DepthPlan): tf.Tensor4D {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outDepth, filterDepth: kd, inDepth } = p.info;
  if (p.plain) return tf.reshape(x, [n * outDepth, h, w, c]);
  const front = p.info.padInfo.front;
  const last = p.ids.reduce((m, v) => Math.max(m, v), 0);
  const xp = tf.pad(x, [
    [0, 0],
    [front, Math.max(0, last + 1 - inDepth)],
    [0, 0],
    [0, 0],
    [0, 0],
  ]);
  const taps = tf.gather(xp, tf.tensor1d(p.ids.map((v) => v + front), 'int32'), 1);
  const g = tf.transpose(tf.reshape(taps, [n, outDepth, kd, h, w, c]), [0, 1, 3, 4, 2, 5]);
  return tf.reshape(g, [n * outDepth, h, w, kd * c]);
}

/** W″ of the module comment, [kh, kw, kd·C, F]. */
function foldFilter(filter: tf.Tensor5D): tf.Tensor4D {
  const [kd, kh, kw, c, f] = filter.shape;
  return tf.reshape(tf.transpose(filter, [1, 2, 0, 3, 4]), [kh, kw, kd * c, f]);
}

/** `tf.conv3d(x, filter, strides, pad, 'NDHWC', dilations)` through conv2d. */
function conv3dViaConv2d(x: tf.Tensor5D, filter: tf.Tensor5D, strides: number | Triple, pad: Pad3, dilations: number | Triple = 1): tf.Tensor5D {
  const p = plan(x.shape, filter.shape, strides, pad, dilations);
  const i = p.info;
  return tf.tidy(() => {
    const y = tf.conv2d(stackDepthTaps(x, p), foldFilter(filter), [i.strideHeight, i.strideWidth], p.pad2d, 'NHWC', [i.dilationHeight, i.dilationWidth]);
    return tf.reshape(y, [i.batchSize, i.outDepth, i.outHeight, i.outWidth, i.outChannels]);
  });
}

/** ∂loss/∂filter of `tf.conv3d` (NDHWC), via the 2-D filter gradient. */
function conv3dFilterGrad(x: tf.Tensor5D, dy: tf.Tensor5D, filterShape: Shape5, strides: number | Triple, pad: Pad3, dilations: number | Triple = 1): tf.Tensor5D {
  const p = plan(x.shape, filterShape, strides, pad, dilations);
  const i = p.info;
  const [kd, kh, kw, c, f] = filterShape;
  return tf.tidy(() => {
    const dy2 = tf.reshape(dy, [i.batchSize * i.outDepth, i.outHeight, i.outWidth, f]) as tf.Tensor4D;
    const g = conv2dFilterGrad(stackDepthTaps(x, p), dy2, [kh, kw, kd * c, f], [i.strideHeight, i.strideWidth], p.pad2d, [i.dilationHeight, i.dilationWidth]);
    return tf.transpose(tf.reshape(g, [kh, kw, kd, c, f]), [2, 0, 1, 3, 4]);
  });
}

/** ∂loss/∂x of `tf.conv3d` (NDHWC), via the 2-D input gradient and a depth scatter. */
function conv3dInputGrad(inputShape: Shape5, dy: tf.Tensor5D, filter: tf.Tensor5D, strides: number | Triple, pad: Pad3, dilations: number | Triple = 1): tf.Tensor5D {
  const p = plan(inputShape, filter.shape, strides, pad, dilations);
  const i = p.info;
  const [n, depth, h, w, c] = inputShape;
  const kd = filter.shape[0];
  return tf.tidy(() => {
    const dy2 = tf.reshape(dy, [n * i.outDepth, i.outHeight, i.outWidth, i.outChannels]) as tf.Tensor4D;
    const g = conv2dInputGrad([n * i.outDepth, h, w, kd * c], dy2, foldFilter(filter), [i.strideHeight, i.strideWidth], p.pad2d, [i.dilationHeight, i.dilationWidth]);
    if (p.plain) return tf.reshape(g, inputShape);
    // [N, Do, H, W, kd, C] → [Do·kd, N·H·W·C], rows summed onto their source depth.
    const rows = tf.reshape(tf.transpose(tf.reshape(g, [n, i.outDepth, h, w, kd, c]), [1, 4, 0, 2, 3, 5]), [i.outDepth * kd, n * h * w * c]);
    const summed = tf.unsortedSegmentSum(rows, tf.tensor1d(p.ids, 'int32'), depth);
    return tf.transpose(tf.reshape(summed, [depth, n, h, w, c]), [1, 0, 2, 3, 4]);
  });
}

interface Conv3DAttrs {
  strides: number | Triple;
  pad: Pad3;
  dilations?: number | Triple;
  dataFormat?: 'NDHWC' | 'NCDHW';
}

function checkLayout(a: Conv3DAttrs, kernel: string): void {
  if (a.dataFormat !== undefined && a.dataFormat !== 'NDHWC') throw new Error(`${kernel}: only NDHWC is supported, got ${a.dataFormat}`);
}

/** `Conv3D` for `backendName`, through conv2d. */
export function conv3dKernel(backendName: string): tf.KernelConfig {
  return {
    kernelName: tf.Conv3D,
    backendName,
    kernelFunc: ({ inputs, attrs }) => {
      const a = attrs as unknown as Conv3DAttrs;
      checkLayout(a, 'Conv3D');
      return conv3dViaConv2d(inputs.x as tf.Tensor5D, inputs.filter as tf.Tensor5D, a.strides, a.pad, a.dilations ?? 1);
    },
  };
}

/** `Conv3DBackpropFilterV2` for `backendName`, through conv2d. */
export function conv3dBackpropFilterKernel(backendName: string): tf.KernelConfig {
  return {
    kernelName: tf.Conv3DBackpropFilterV2,
    backendName,
    kernelFunc: ({ inputs, attrs }) => {
      const a = attrs as unknown as Conv3DAttrs & { filterShape: Shape5 };
      return conv3dFilterGrad(inputs.x as tf.Tensor5D, inputs.dy as tf.Tensor5D, a.filterShape, a.strides, a.pad, a.dilations ?? 1);
    },
  };
}

/** `Conv3DBackpropInputV2` for `backendName`, through conv2d. */
export function conv3dBackpropInputKernel(backendName: string): tf.KernelConfig {
  return {
    kernelName: tf.Conv3DBackpropInputV2,
    backendName,
    kernelFunc: ({ inputs, attrs }) => {
      const a = attrs as unknown as Conv3DAttrs & { inputShape: Shape5 };
      return conv3dInputGrad(a.inputShape, inputs.dy as tf.Tensor5D, inputs.filter as tf.Tensor5D, a.strides, a.pad, a.dilations ?? 1);
    },
  };
}
