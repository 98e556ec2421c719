/**
 * Classification metrics from logits: how many rows rank their label among
 * the k largest logits, and top-k accuracy.
 */
import * as tf from '@tensorflow/tfjs';
import { check } from '../errors.js';

/**
 * How many rows have their label among the `k` largest logits (ties broken
 * towards the lower class index, as tf.topk does). The indices are read
 * asynchronously, which every backend supports (webgpu in Node has no
 * synchronous read).
 */
export async function countTopK(logits: tf.Tensor2D, labels: Int32Array, k: number): Promise<number> {
  check(logits.rank === 2, 'logits', logits, 'a [batch, classes] tensor');
  check(labels.length === logits.shape[0], 'labels', labels.length, `${logits.shape[0]} labels (one per row of logits)`);
  check(Number.isInteger(k) && k >= 1, 'k', k, 'a positive integer');
  const kk = Math.min(k, logits.shape[1]);
  const indices = tf.tidy(() => tf.topk(logits, kk).indices);
  let top: Int32Array;
  try {
    top = (await indices.data()) as Int32Array;
  } finally {
    indices.dispose();
  }
  let correct = 0;
  for (let row = 0; row < labels.length; row++) {
    for (let j = 0; j < kk; j++) {
      if (top[row * kk + j] === labels[row]) {
        correct++;
        break;
      }
    }
  }
  return correct;
}

/** Top-k accuracy (fraction in [0, 1]) of logits against labels. */
export async function topKAccuracy(logits: tf.Tensor2D, labels: Int32Array, k = 1): Promise<number> {
  return labels.length === 0 ? NaN : (await countTopK(logits, labels, k)) / labels.length;
}
