/**
 * Small tensor helpers for the training kernels. Every function here is a plain
 * composition of tfjs ops, so it runs on any backend and is tested on cpu.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * Pads (positive entries) or crops (negative entries) each axis of `t`:
 * `pads[i] = [before, after]`. Returns `t` itself when nothing changes.
 */
export function padOrCrop<T extends tf.Tensor>(t: T, pads: Array<[number, number]>): T {
  const begin = pads.map(([b]) => Math.max(0, -b));
  const size = t.shape.map((n, i) => n - begin[i] - Math.max(0, -pads[i][1]));
  let out: tf.Tensor = t;
  if (begin.some((b) => b > 0) || size.some((n, i) => n !== t.shape[i])) out = tf.slice(t, begin, size);
  const positive = pads.map(([b, a]) => [Math.max(0, b), Math.max(0, a)] as [number, number]);
  if (positive.some(([b, a]) => b > 0 || a > 0)) out = tf.pad(out, positive);
  return out as T;
}

/** True when every entry is 1. */
export function allOne(values: readonly number[]): boolean {
  return values.every((v) => v === 1);
}
