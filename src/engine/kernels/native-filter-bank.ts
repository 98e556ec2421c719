/**
 * One axis of a periodized wavelet filter bank (pywt mode `periodization`;
 * S. Mallat, IEEE TPAMI 11(7), 1989, eqs. 35–36 (analysis) and 41
 * (synthesis) on a circle) on the wasm backend through wavecv's native addon
 * (`../native.ts`, `filterBank` in native/wavecv_native.cc), in place on the
 * wasm heap. Two kernels of wavecv's own, registered only where the addon is
 * loaded (wasm in Node) and has `filterBank` (an addon built before it had
 * none): {@link NATIVE_ANALYSIS} and {@link NATIVE_SYNTHESIS}.
 * `src/wavelets/filter-bank-conv.ts` runs its transforms through them when
 * {@link hasNativeFilterBank} says so, and through strided depthwise
 * convolutions otherwise; the two compute the same function (tested against
 * each other and against pywt).
 *
 * Both take the transformed axis as an attribute and see the tensor as
 * `[outer, n, inner]` around it (a view, no copy): `inner` holds the samples
 * after the axis, channels included, so every output row is one contiguous
 * multiply-add over `inner` floats.
 *
 * Why: on wasm every separable pass of the convolution form costs pads,
 * concats and interleaves around XNNPACK's depthwise kernels; a gather over
 * rows computes each band sample once from the input, at memory speed.
 */
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '../native.js';
import { allocateAndView, heapBackend } from './heap.js';

/** Input x; attrs taps (F filters of one even length, flattened), filterCount F, axis, odd ('extend' | 'zero'); outputs F bands, ⌈n/2⌉ along axis. */
export const NATIVE_ANALYSIS = 'WavecvNativeAnalysis';
/** Inputs '0'…'F−1' (bands of one shape); attrs taps, filterCount, axis, size (2nb or 2nb − 1), odd ('crop' | 'fold'); output [.., size, ..]. */
export const NATIVE_SYNTHESIS = 'WavecvNativeSynthesis';

/** True when the current backend has the native filter-bank kernels. */
export function hasNativeFilterBank(): boolean {
  return tf.getKernel(NATIVE_ANALYSIS, tf.getBackend()) !== undefined;
}

interface FilterBankAttrs {
  taps: number[];
  filterCount: number;
  axis: number;
  size?: number;
  odd: 'extend' | 'zero' | 'crop' | 'fold';
}

/** `[outer, n, inner]` around `axis` of `shape`. */
function around(shape: readonly number[], axis: number): [number, number, number] {
  const size = (s: readonly number[]) => s.reduce((p, v) => p * v, 1);
  return [size(shape.slice(0, axis)), shape[axis], size(shape.slice(axis + 1))];
}

function withAxis(shape: readonly number[], axis: number, size: number): number[] {
  const out = [...shape];
  out[axis] = size;
  return out;
}

/** Both kernels for the wasm backend (only when the addon has `filterBank`). */
export function nativeFilterBankKernels(addon: NativeAddon): tf.KernelConfig[] {
  const filterBank = addon.filterBank;
  if (!filterBank) return [];
  return [
    {
      kernelName: NATIVE_ANALYSIS,
      backendName: 'wasm',
      kernelFunc: ({ inputs, attrs, backend }) => {
        const { x } = inputs as { x: tf.TensorInfo };
        const a = attrs as unknown as FilterBankAttrs;
        const [outer, n, inner] = around(x.shape, a.axis);
        const bandShape = withAxis(x.shape, a.axis, Math.ceil(n / 2));
        const { outputs, views } = allocateAndView(heapBackend(backend, NATIVE_ANALYSIS), [x], Array.from({ length: a.filterCount }, () => bandShape));
        filterBank(0, [views[0] as Float32Array], views.slice(1) as Float32Array[], Float32Array.from(a.taps), Int32Array.from([outer, n, inner, a.odd === 'zero' ? 1 : 0]));
        return outputs;
      },
    },
    {
      kernelName: NATIVE_SYNTHESIS,
      backendName: 'wasm',
      kernelFunc: ({ inputs, attrs, backend }) => {
        const a = attrs as unknown as FilterBankAttrs;
        const bands = Array.from({ length: a.filterCount }, (_, i) => (inputs as Record<string, tf.TensorInfo>)[i]);
        const [outer, nb, inner] = around(bands[0].shape, a.axis);
        const size = a.size ?? 2 * nb;
        const { outputs, views } = allocateAndView(heapBackend(backend, NATIVE_SYNTHESIS), bands, [withAxis(bands[0].shape, a.axis, size)]);
        filterBank(1, views.slice(0, -1) as Float32Array[], [views[views.length - 1] as Float32Array], Float32Array.from(a.taps), Int32Array.from([outer, nb, inner, size, a.odd === 'fold' ? 1 : 0]));
        return outputs[0];
      },
    },
  ];
}
