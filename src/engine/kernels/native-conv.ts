/**
 * The convolution kernels of the wasm backend run through wavecv's native
 * oneDNN addon (`../native.ts`), which reads and writes the tensors where they
 * live, in the wasm heap: `Conv2D`, `FusedConv2D`, `Conv2DBackpropInput`,
 * `Conv2DBackpropFilter`, `Conv3D`, `Conv3DBackpropInputV2`,
 * `Conv3DBackpropFilterV2`.
 *
 * The native path takes float32 channels-last convolutions whose padding is
 * non-negative on every side (all that 'same', 'valid' and ordinary explicit
 * pads give); anything else (NCHW, crops from negative pads) goes to the
 * kernel registered before it, so results never depend on whether the addon
 * is there. `FusedConv2D` adds its bias and activation with the wasm backend's
 * own kernels after the native convolution. The gradient kernels also read the
 * `dilations` attribute that `../gradients.ts` passes (as the fallbacks do).
 *
 * Measured: `npm run bench -- train` (README, "Benchmarks").
 */
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '../native.js';
import { allocateAndView, heapBackend, type HeapBackend } from './heap.js';

interface ConvAttrs {
  strides: number | number[];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat?: string;
  dilations?: number | number[];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** One spatial axis of a convolution, as the addon wants it. */
interface Axis {
  size: number;
  kernel: number;
  out: number;
  stride: number;
  dilation: number;
  padBefore: number;
}

/** The addon's dims (see native/wavecv_native.cc), or undefined when an axis needs a crop. */
function packDims(batch: number, inChannels: number, outChannels: number, axes: Axis[]): Int32Array | undefined {
  const padAfter = axes.map((a) => (a.out - 1) * a.stride + (a.kernel - 1) * a.dilation + 1 - a.size - a.padBefore);
  if (axes.some((a) => a.padBefore < 0 || a.out <= 0) || padAfter.some((p) => p < 0) || batch <= 0) return undefined;
  const field = (f: (a: Axis) => number): number[] => axes.map(f);
  return Int32Array.from([
    axes.length, batch, inChannels, outChannels,
    ...field((a) => a.size), ...field((a) => a.kernel), ...field((a) => a.out),
    ...field((a) => a.stride), ...field((a) => a.dilation), ...field((a) => a.padBefore), ...padAfter,
  ]);
}

/**
 * The addon's dims for a 2-D convolution of x (NHWC) with filter (HWIO), or
 * undefined when the native path does not take it. The trailing pads are
 * re-derived from the output size, so padding that no output reads is dropped,
 * as oneDNN expects.
 */
export function nativeConv2dDims(xShape: number[], filterShape: number[], attrs: ConvAttrs): Int32Array | undefined {
  if (attrs.dataFormat === 'NCHW') return undefined;
  const i = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number], filterShape as [number, number, number, number],
    attrs.strides as number | [number, number], (attrs.dilations ?? 1) as number | [number, number], attrs.pad, attrs.dimRoundingMode,
  );
  return packDims(i.batchSize, i.inChannels, i.outChannels, [
    { size: i.inHeight, kernel: i.filterHeight, out: i.outHeight, stride: i.strideHeight, dilation: i.dilationHeight, padBefore: i.padInfo.top },
    { size: i.inWidth, kernel: i.filterWidth, out: i.outWidth, stride: i.strideWidth, dilation: i.dilationWidth, padBefore: i.padInfo.left },
  ]);
}

/** The addon's dims for a 3-D convolution of x (NDHWC) with filter (DHWIO), or undefined. */
export function nativeConv3dDims(xShape: number[], filterShape: number[], attrs: ConvAttrs): Int32Array | undefined {
  if (attrs.dataFormat === 'NCDHW') return undefined;
  const i = tf.backend_util.computeConv3DInfo(
    xShape as [number, number, number, number, number], filterShape as [number, number, number, number, number],
    attrs.strides as number | [number, number, number], (attrs.dilations ?? 1) as number | [number, number, number], attrs.pad as 'valid' | 'same',
  );
  return packDims(i.batchSize, i.inChannels, i.outChannels, [
    { size: i.inDepth, kernel: i.filterDepth, out: i.outDepth, stride: i.strideDepth, dilation: i.dilationDepth, padBefore: i.padInfo.front },
    { size: i.inHeight, kernel: i.filterHeight, out: i.outHeight, stride: i.strideHeight, dilation: i.dilationHeight, padBefore: i.padInfo.top },
    { size: i.inWidth, kernel: i.filterWidth, out: i.outWidth, stride: i.strideWidth, dilation: i.dilationWidth, padBefore: i.padInfo.left },
  ]);
}

/** Output shape of the forward convolution described by `dims`: [N, ...out, F]. */
function forwardShape(dims: Int32Array): number[] {
  const rank = dims[0];
  return [dims[1], ...dims.slice(4 + 2 * rank, 4 + 3 * rank), dims[3]];
}

const allFloat = (...ts: tf.TensorInfo[]): boolean => ts.every((t) => t.dtype === 'float32');

/** Runs one native convolution of `kind` into a new output of `outShape`. */
function runNative(addon: NativeAddon, backend: HeapBackend, kind: 0 | 1 | 2, a: tf.TensorInfo, b: tf.TensorInfo, outShape: number[], dims: Int32Array): tf.TensorInfo {
  const { outputs, views } = allocateAndView(backend, [a, b], [outShape]);
  const [aValues, bValues, outValues] = views as Float32Array[];
  addon.conv(kind, aValues, bValues, outValues, dims);
  return outputs[0];
}

/** Runs the wasm kernel `name` directly (no engine bookkeeping: the caller owns the result). */
export function wasmKernel(name: string, backend: HeapBackend, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap = {}): tf.TensorInfo {
  const kernel = tf.getKernel(name, 'wasm');
  if (!kernel) throw new Error(`native fused kernel: the wasm backend has no ${name} kernel`);
  return kernel.kernelFunc({ inputs, attrs, backend: backend as unknown as tf.KernelBackend }) as tf.TensorInfo;
}

/** The fused kernels' activations (FusedConv2D, _FusedMatMul) and the wasm kernel each runs on. */
export const ACTIVATIONS: Record<string, (y: tf.TensorInfo, prelu: tf.TensorInfo | undefined, alpha: number | undefined) => [string, tf.NamedTensorInfoMap, tf.NamedAttrMap]> = {
  relu: (y) => [tf.Relu, { x: y }, {}],
  relu6: (y) => [tf.Relu6, { x: y }, {}],
  elu: (y) => [tf.Elu, { x: y }, {}],
  sigmoid: (y) => [tf.Sigmoid, { x: y }, {}],
  leakyrelu: (y, _p, alpha) => [tf.LeakyRelu, { x: y }, { alpha: alpha ?? 0.2 }],
  prelu: (y, prelu) => [tf.Prelu, { x: y, alpha: prelu! }, {}],
};

type Fallbacks = Record<string, tf.KernelFunc>;

/** A kernel that runs `kind` natively when `plan` gives dims, else the fallback. */
function nativeKernel(
  addon: NativeAddon,
  kernelName: string,
  fallbacks: Fallbacks,
  kind: 0 | 1 | 2,
  plan: (inputs: Record<string, tf.TensorInfo>, attrs: ConvAttrs & Record<string, unknown>) => { a: tf.TensorInfo; b: tf.TensorInfo; dims?: Int32Array; outShape?: number[] },
): tf.KernelConfig {
  return {
    kernelName,
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { a, b, dims, outShape } = plan(args.inputs as Record<string, tf.TensorInfo>, args.attrs as unknown as ConvAttrs & Record<string, unknown>);
      if (!dims || !allFloat(a, b)) return fallbacks[kernelName](args);
      return runNative(addon, heapBackend(args.backend, kernelName), kind, a, b, outShape ?? forwardShape(dims), dims);
    },
  };
}

function fusedConv2dKernel(addon: NativeAddon, fallbacks: Fallbacks): tf.KernelConfig {
  return {
    kernelName: tf.FusedConv2D,
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { x, filter, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
      const attrs = args.attrs as unknown as ConvAttrs & { activation: string; leakyreluAlpha?: number };
      const backend = heapBackend(args.backend, tf.FusedConv2D);
      const dims = nativeConv2dDims(x!.shape, filter!.shape, attrs);
      const activation = attrs.activation === 'linear' ? undefined : ACTIVATIONS[attrs.activation];
      const supported = attrs.activation === 'linear' || (activation && (attrs.activation !== 'prelu' || preluActivationWeights));
      if (!dims || !supported || !allFloat(x!, filter!)) return fallbacks[tf.FusedConv2D](args);
      let y = runNative(addon, backend, 0, x!, filter!, forwardShape(dims), dims);
      const then = (name: string, inputs: tf.NamedTensorInfoMap, a: tf.NamedAttrMap): void => {
        const next = wasmKernel(name, backend, inputs, a);
        backend.disposeData(y.dataId);
        y = next;
      };
      if (bias) then(tf.Add, { a: y, b: bias }, {});
      if (activation) then(...activation(y, preluActivationWeights, attrs.leakyreluAlpha));
      return y;
    },
  };
}

type DimsOf = (xShape: number[], filterShape: number[], attrs: ConvAttrs) => Int32Array | undefined;

/** A convolution's forward kernel and both gradient kernels, for one rank. */
function convKernels(addon: NativeAddon, fallbacks: Fallbacks, names: [string, string, string], dimsOf: DimsOf): tf.KernelConfig[] {
  const [forward, inputGrad, filterGrad] = names;
  return [
    nativeKernel(addon, forward, fallbacks, 0, ({ x, filter }, attrs) => ({ a: x, b: filter, dims: dimsOf(x.shape, filter.shape, attrs) })),
    nativeKernel(addon, inputGrad, fallbacks, 1, ({ dy, filter }, attrs) => {
      const inputShape = attrs.inputShape as number[];
      return { a: dy, b: filter, dims: dimsOf(inputShape, filter.shape, attrs), outShape: inputShape };
    }),
    nativeKernel(addon, filterGrad, fallbacks, 2, ({ x, dy }, attrs) => {
      const filterShape = attrs.filterShape as number[];
      return { a: x, b: dy, dims: dimsOf(x.shape, filterShape, attrs), outShape: filterShape };
    }),
  ];
}

/** The seven kernels, each falling back to `fallbacks[kernelName]` where the native path does not apply. */
export function nativeConvKernels(addon: NativeAddon, fallbacks: Fallbacks): tf.KernelConfig[] {
  return [
    ...convKernels(addon, fallbacks, [tf.Conv2D, tf.Conv2DBackpropInput, tf.Conv2DBackpropFilter], nativeConv2dDims),
    fusedConv2dKernel(addon, fallbacks),
    ...convKernels(addon, fallbacks, [tf.Conv3D, tf.Conv3DBackpropInputV2, tf.Conv3DBackpropFilterV2], nativeConv3dDims),
  ];
}

/** Names of the kernels {@link nativeConvKernels} replaces. */
export const NATIVE_CONV_KERNEL_NAMES = [
  tf.Conv2D, tf.FusedConv2D, tf.Conv2DBackpropInput, tf.Conv2DBackpropFilter,
  tf.Conv3D, tf.Conv3DBackpropInputV2, tf.Conv3DBackpropFilterV2,
];
