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

/** Backends that expose their memory as typed arrays (the wasm heap). */
interface HeapBackend {
  typedArrayFromHeap(t: tf.TensorInfo): tf.backend_util.TypedArray;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

function isHeapBackend(b: unknown): b is HeapBackend {
  const o = b as Partial<HeapBackend>;
  return typeof o.typedArrayFromHeap === 'function' && typeof o.makeOutput === 'function';
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
      if (!isHeapBackend(backend)) throw new Error(`UnsortedSegmentSum: backend '${backendName}' does not expose its memory as typed arrays`);
      const out = backend.makeOutput(outShape, x.dtype);
      // Views taken after the allocation: growing the heap detaches older views.
      const outValues = backend.typedArrayFromHeap(out);
      outValues.fill(0);
      if (rows > 0 && inner > 0) segmentSumInto(backend.typedArrayFromHeap(x), backend.typedArrayFromHeap(ids), inner, numSegments, outValues);
      return out;
    },
  };
}
