/**
 * Matrix products of the wasm backend through wavecv's native oneDNN addon
 * (`../native.ts`, `matMul` in native/wavecv_native.cc), in place on the wasm
 * heap: `BatchMatMul` (`tf.matMul` of any rank, with its transpose flags)
 * and `_FusedMatMul` (`tf.fused.matMul`, what `tf.layers.dense` runs: the
 * product, its bias and a ReLU in one oneDNN call; the other activations
 * run after it with the wasm backend's own kernels, as in FusedConv2D of
 * `native-conv.ts`).
 *
 * Their gradients need no kernel of their own: tfjs-core writes the gradient
 * of both as matrix products with transpose flags (∂A = dY Bᵀ, ∂B = Aᵀ dY),
 * which come back here, and the transposes are read through oneDNN's strides
 * instead of being copied.
 *
 * The native path takes float32 operands whose batch dimensions (all but the
 * last two) are equal, or whose batch is 1 on one side (that matrix is shared
 * by every product: the [D, 3D] kernel of a ViT's qkv projection, for one);
 * other broadcasts go to the kernel registered before it. The wasm
 * backend's own `_FusedMatMul` is wrong when both operands are transposed
 * (tfjs 4.22: [[1,2,3],[4,5,-6]] · [[1,-2],[3,4],[5,6]] + [-30, 1], both
 * passed transposed, gives −10 for entry (1, 0) instead of −41), so every
 * `_FusedMatMul` the native path takes is computed right; it stays wrong
 * without the addon (a tfjs bug, not patched here).
 *
 * Why: a ViT-S/16 training step is mostly matrix products (qkv, projection,
 * MLP, attention scores and values, and their gradients); the wasm backend
 * runs them with XNNPACK's 128-bit SIMD on one core, oneDNN with the CPU's
 * widest vectors (AVX-512 where present), as PyTorch does (measured by
 * `npm run bench -- vit`).
 */
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '../native.js';
import { allocateAndView, heapBackend } from './heap.js';
import { ACTIVATIONS, wasmKernel } from './native-conv.js';

interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
  activation?: string;
}

/** The addon's dims and the output shape for a × b, or undefined when the native path does not take them. */
export function nativeMatMulDims(aShape: number[], bShape: number[], transposeA: boolean, transposeB: boolean, relu: boolean): { dims: Int32Array; outShape: number[] } | undefined {
  if (aShape.length < 2 || bShape.length < 2) return undefined;
  const [aRows, aCols] = aShape.slice(-2);
  const [bRows, bCols] = bShape.slice(-2);
  const [m, k] = transposeA ? [aCols, aRows] : [aRows, aCols];
  const [kb, n] = transposeB ? [bCols, bRows] : [bRows, bCols];
  const outerA = aShape.slice(0, -2);
  const outerB = bShape.slice(0, -2);
  const batchA = tf.util.sizeFromShape(outerA);
  const batchB = tf.util.sizeFromShape(outerB);
  if (k !== kb || m * n * k === 0 || batchA === 0 || batchB === 0) return undefined;
  let outer: number[];
  if (tf.util.arraysEqual(outerA, outerB)) outer = outerA;
  else if (batchB === 1 && outerB.length <= outerA.length) outer = outerA;
  else if (batchA === 1 && outerA.length <= outerB.length) outer = outerB;
  else return undefined;
  return { dims: Int32Array.from([batchA, batchB, m, k, n, transposeA ? 1 : 0, transposeB ? 1 : 0, relu ? 1 : 0]), outShape: [...outer, m, n] };
}

type Fallbacks = Record<string, tf.KernelFunc>;
type MatMulFn = NonNullable<NativeAddon['matMul']>;

/** Runs the product natively when it qualifies, else the fallback. */
function matMulKernel(matMul: MatMulFn, kernelName: string, fallbacks: Fallbacks): tf.KernelConfig {
  return {
    kernelName,
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
      const attrs = args.attrs as unknown as MatMulAttrs & { leakyreluAlpha?: number };
      const activation = attrs.activation ?? 'linear';
      const relu = activation === 'relu';
      const after = relu || activation === 'linear' ? undefined : ACTIVATIONS[activation];
      const supported = relu || activation === 'linear' || (after && (activation !== 'prelu' || preluActivationWeights));
      const plan = nativeMatMulDims(a!.shape, b!.shape, attrs.transposeA, attrs.transposeB, relu);
      const biasFits = !bias || (bias.shape.length === 1 && plan !== undefined && bias.shape[0] === plan.dims[4]);
      const floats = [a!, b!, ...(bias ? [bias] : [])].every((t) => t.dtype === 'float32');
      if (!plan || !floats || !biasFits || !supported) return fallbacks[kernelName](args);
      const backend = heapBackend(args.backend, kernelName);
      const inputs = bias ? [a!, b!, bias] : [a!, b!];
      const { outputs, views } = allocateAndView(backend, inputs, [plan.outShape]);
      const [aView, bView, ...rest] = views as Float32Array[];
      matMul(aView, bView, rest[rest.length - 1], plan.dims, bias ? rest[0] : null);
      if (!after) return outputs[0];
      const [name, kernelInputs, kernelAttrs] = after(outputs[0], preluActivationWeights, attrs.leakyreluAlpha);
      const activated = wasmKernel(name, backend, kernelInputs, kernelAttrs);
      backend.disposeData(outputs[0].dataId);
      return activated;
    },
  };
}

/** Names of the kernels {@link nativeMatMulKernels} replaces. */
export const NATIVE_MATMUL_KERNEL_NAMES = [tf.BatchMatMul, tf._FusedMatMul];

/** `BatchMatMul` and `_FusedMatMul` through the addon's `matMul`, each falling back to `fallbacks[kernelName]` where the native path does not apply. */
export function nativeMatMulKernels(matMul: MatMulFn, fallbacks: Fallbacks): tf.KernelConfig[] {
  return NATIVE_MATMUL_KERNEL_NAMES.map((name) => matMulKernel(matMul, name, fallbacks));
}
