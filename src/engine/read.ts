/**
 * Reading tensors back to JavaScript without blocking: the one way that works
 * on every backend. On a GPU backend (`webgpu`) a read waits for the queued
 * work and copies a buffer back; the synchronous `dataSync` is not available
 * there in Node (TF.js reads through an `OffscreenCanvas`), and where it is it
 * stalls the queue once per call. So hot paths read asynchronously, and read
 * the scalars of a step together, in one transfer.
 */
import * as tf from '@tensorflow/tfjs';

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
