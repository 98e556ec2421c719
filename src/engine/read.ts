/**
 * Reading tensors back to JavaScript without blocking: the one way that works
 * on every backend. On a GPU backend (`webgpu`) a read waits for the queued
 * work and copies a buffer back; the synchronous `dataSync` is not available
 * there in Node (TF.js reads through an `OffscreenCanvas`), and where it is it
 * stalls the queue once per call. So hot paths read asynchronously, and read
 * the scalars of a step together, in one transfer.
 */
import * as tf from '@tensorflow/tfjs';
import { WavecvError } from '../errors.js';

/**
 * The values of scalar tensors, in order, read in one asynchronous transfer
 * (stacked as float32, so an int32 count reads exactly up to 2^24). The
 * tensors stay with the caller.
 */
export async function readScalars(scalars: readonly tf.Tensor[]): Promise<number[]> {
  if (scalars.length === 0) return [];
  const stacked = tf.tidy(() => tf.stack(scalars.map((s) => tf.cast(tf.reshape(s, []), 'float32'))));
  try {
    return Array.from(await stacked.data());
  } finally {
    stacked.dispose();
  }
}

type HostValues = Float32Array | Int32Array | Uint8Array;

/**
 * Host copies of tensors made from host arrays ({@link tensorFromHost}): a
 * batch's labels are known in JavaScript before they are uploaded, so code
 * that needs them as numbers (a loss that picks the rows of each class) takes
 * them from here instead of reading the device back. Keyed weakly by the
 * tensor object, so an entry goes with its tensor.
 */
const hostCopies = new WeakMap<tf.Tensor, HostValues>();

/** A tensor of `values` that remembers them as its host copy (the array is not copied: do not change it). */
export function tensorFromHost(values: Float32Array | Int32Array, shape: number[], dtype: 'float32' | 'int32'): tf.Tensor {
  const t = tf.tensor(values, shape, dtype);
  hostCopies.set(t, values);
  return t;
}

/** Backends whose tensors can be read synchronously (their memory is the host's or the wasm heap). */
const SYNC_READABLE = new Set(['cpu', 'wasm', 'tensorflow']);

/**
 * The values of `t` without a device read when they are known on the host
 * ({@link tensorFromHost}); otherwise read synchronously on a backend that
 * can, and refused (a {@link WavecvError} naming `argument`) on one that
 * cannot (webgpu in Node). For small integer tensors a caller passes in
 * (labels); hot paths give tensors with host copies.
 */
export function hostValues(t: tf.Tensor, argument: string): HostValues {
  const known = hostCopies.get(t);
  if (known) return known;
  const backend = tf.getBackend();
  if (!SYNC_READABLE.has(backend)) {
    throw new WavecvError(argument, `a tensor on ${backend}`, `host values (an Int32Array, or a tensor of a DataLoader batch): the ${backend} backend cannot read tensors synchronously`);
  }
  // allowed-sync-read: the caller's own tensor on a backend that reads synchronously (see the doc comment).
  return t.dataSync() as HostValues;
}
