/**
 * `UnsortedSegmentSum` (TensorFlow semantics: out[s, …] = Σ_{i: ids[i] = s} x[i, …];
 * ids outside [0, numSegments) are dropped). It is missing on wasm in tfjs 4.22
 * (tensorflow/tfjs#8082) and it is what the gradient of `tf.gather` calls, so
 * embeddings and gather-based warps cannot train there without it.
 *
 * One pass over the rows with typed arrays, O(size of x), reading and writing the
 * backend's memory (the wasm heap) directly. A one-hot matMul would cost
 * O(N·S·D) instead (our choice).
 */
import * as tf from '@tensorflow/tfjs';
import { allocateAndView, heapBackend } from './heap.js';

/** Sums rows of `values` (rows × inner, flat) into `out` (numSegments × inner, zeroed). */
export function segmentSumInto(
  values: ArrayLike<number>,
  ids: ArrayLike<number>,
  inner: number,
  numSegments: number,
  out: { [i: number]: number },
): void {
  const rows = ids.length;
  for (let r = 0; r < rows; r++) {
    const s = ids[r];
    if (s < 0 || s >= numSegments) continue;
    const src = r * inner;
    const dst = s * inner;
    for (let j = 0; j < inner; j++) out[dst + j] += values[src + j];
  }
}

/** `UnsortedSegmentSum` for `backendName`. */
export function unsortedSegmentSumKernel(backendName: string): tf.KernelConfig {
  return {
    kernelName: tf.UnsortedSegmentSum,
    backendName,
    kernelFunc: ({ inputs, attrs, backend }) => {
      const x = inputs.x as tf.TensorInfo;
      const ids = inputs.segmentIds as tf.TensorInfo;
      const numSegments = (attrs as unknown as { numSegments: number }).numSegments;
      const rows = tf.util.sizeFromShape(ids.shape);
      const rank = ids.shape.length;
      const outShape = [numSegments, ...x.shape.slice(rank)];
      const inner = tf.util.sizeFromShape(x.shape.slice(rank));
      const heap = heapBackend(backend, `UnsortedSegmentSum on '${backendName}'`);
      const { outputs, views } = allocateAndView(heap, [x, ids], [outShape], x.dtype);
      const [xValues, idValues, outValues] = views;
      outValues.fill(0);
      if (rows > 0 && inner > 0) segmentSumInto(xValues, idValues, inner, numSegments, outValues);
      return outputs[0];
    },
  };
}
