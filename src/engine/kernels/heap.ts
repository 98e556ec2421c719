/**
 * Kernels that read and write a backend's memory directly (the wasm heap):
 * the backend interface they rely on, and the one rule that keeps them
 * correct — allocate every output first, take the views after, because
 * growing the heap detaches views taken earlier.
 */
import * as tf from '@tensorflow/tfjs';

/** Backends that expose their memory as typed arrays (the wasm heap). */
export interface HeapBackend {
  typedArrayFromHeap(t: tf.TensorInfo): tf.backend_util.TypedArray;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
}

/** `backend` as a {@link HeapBackend}, or an error naming `kernel` when it is not one. */
export function heapBackend(backend: unknown, kernel: string): HeapBackend {
  const o = backend as Partial<HeapBackend>;
  if (typeof o.typedArrayFromHeap !== 'function' || typeof o.makeOutput !== 'function') {
    throw new Error(`${kernel}: the backend does not expose its memory as typed arrays`);
  }
  return backend as HeapBackend;
}

/**
 * Allocates outputs of `outputShapes` (dtype `dtype`), then returns them with
 * views of `inputs` followed by views of the outputs.
 */
export function allocateAndView(
  backend: HeapBackend,
  inputs: tf.TensorInfo[],
  outputShapes: number[][],
  dtype: tf.DataType = 'float32',
): { outputs: tf.TensorInfo[]; views: tf.backend_util.TypedArray[] } {
  const outputs = outputShapes.map((shape) => backend.makeOutput(shape, dtype));
  const views = [...inputs, ...outputs].map((t) => backend.typedArrayFromHeap(t));
  return { outputs, views };
}
