/**
 * The d-dimensional periodized analysis (A) and synthesis (S) of
 * filter-bank-conv.ts on wavecv's native one-axis kernels
 * (`src/engine/kernels/native-filter-bank.ts`), used when the backend has
 * them (wasm in Node with the native addon built). Same conventions, same
 * results: a d-dimensional transform is d one-axis passes, axis 1 first for
 * the analysis (each band splits in two, so bands come out in product order,
 * first axis most significant) and axis d first for the synthesis (each
 * consecutive group of `filters.length` bands merges along it).
 *
 * Design: each pass runs directly on the `[B, s1…sd, C]` tensor (the kernel
 * sees it as `[outer, n, inner]` around the axis), so there is no reshape,
 * padding, interleave or crop around it; the periodic extension and the
 * odd-size rules are index arithmetic inside the kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { NATIVE_ANALYSIS, NATIVE_SYNTHESIS } from '../engine/kernels/native-filter-bank.js';
import type { FilterList, OddInput, OddOutput } from './filter-bank-types.js';

function bankAttrs(filters: FilterList, axis: number) {
  return { taps: filters.flat(), filterCount: filters.length, axis };
}

/** (A) over spatial axes 1…dims of `x`, one native pass per axis: `filters.length ** dims` bands in product order. */
export function nativeAnalysisND(x: tf.Tensor, filters: FilterList, dims: number, odd: OddInput): tf.Tensor[] {
  let bands: tf.Tensor[] = [x];
  for (let axis = 1; axis <= dims; axis++) {
    bands = bands.flatMap((b) => tf.engine().runKernel(NATIVE_ANALYSIS, { x: b }, { ...bankAttrs(filters, axis), odd }) as tf.Tensor[]);
  }
  return bands;
}

/** (S) of `bands` (product order) to `[B, sizes…, C]`, one native pass per axis, the last axis first. */
export function nativeSynthesisND(bands: tf.Tensor[], filters: FilterList, dims: number, sizes: readonly number[], odd: OddOutput): tf.Tensor {
  const f = filters.length;
  let current = bands;
  for (let axis = dims; axis >= 1; axis--) {
    current = Array.from({ length: current.length / f }, (_, i) => {
      const group: tf.NamedTensorMap = {};
      current.slice(i * f, (i + 1) * f).forEach((b, k) => (group[k] = b));
      return tf.engine().runKernel(NATIVE_SYNTHESIS, group, { ...bankAttrs(filters, axis), size: sizes[axis - 1], odd }) as tf.Tensor;
    });
  }
  return current[0];
}
