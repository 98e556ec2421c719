/**
 * Inputs of the face metrics: score matrices (samples × classes, probes ×
 * gallery), score vectors and labels, accepted as tensors, nested arrays or
 * flat typed arrays, read once into plain float64 arrays; and the cosine
 * similarity of two embedding sets. The metrics compute on the host: a
 * tensor given to them is read synchronously where the backend can (cpu,
 * wasm; `hostValues`), and refused with the reason on webgpu, so wavecv's
 * own evaluation passes host arrays it has read asynchronously.
 */
import * as tf from '@tensorflow/tfjs';
import { hostValues } from '../engine/read.js';
import { check } from '../errors.js';
import { l2Normalize } from '../nn/l2-normalize.js';

/** A matrix of scores: a rank-2 tensor, rows of numbers, or flat row-major values with their shape. */
export type ScoreMatrix = tf.Tensor2D | readonly (readonly number[])[] | { values: ArrayLike<number>; rows: number; cols: number };

/** A score matrix read into row-major float64 values. */
export interface DenseMatrix {
  values: Float64Array;
  rows: number;
  cols: number;
}

/** Reads and checks a {@link ScoreMatrix} (finite values, at least one row and column). */
export function readScoreMatrix(m: ScoreMatrix, argument: string): DenseMatrix {
  let out: DenseMatrix;
  if (m instanceof tf.Tensor) {
    check(m.rank === 2, argument, m, 'a rank-2 tensor');
    out = { values: Float64Array.from(hostValues(m, argument)), rows: m.shape[0], cols: m.shape[1] };
  } else if (Array.isArray(m)) {
    const rows = m as readonly (readonly number[])[];
    const cols = rows.length > 0 ? rows[0].length : 0;
    check(rows.every((r) => Array.isArray(r) && r.length === cols), argument, m, 'rows of equal length');
    out = { values: Float64Array.from(rows.flat()), rows: rows.length, cols };
  } else {
    const f = m as { values: ArrayLike<number>; rows: number; cols: number };
    check(Number.isInteger(f.rows) && Number.isInteger(f.cols) && f.values.length === f.rows * f.cols, argument, `${f.rows}×${f.cols} with ${f.values.length} values`, 'rows·cols values');
    out = { values: Float64Array.from(f.values), rows: f.rows, cols: f.cols };
  }
  check(out.rows > 0 && out.cols > 0, argument, `${out.rows}×${out.cols}`, 'at least one row and one column');
  check(out.values.every(Number.isFinite), argument, 'a non-finite score', 'finite scores');
  return out;
}

/** Reads a vector of finite numbers of length `length` (when given). */
export function readVector(v: tf.Tensor | ArrayLike<number>, argument: string, length?: number): Float64Array {
  const values = v instanceof tf.Tensor ? Float64Array.from(hostValues(v, argument)) : Float64Array.from(v);
  if (length !== undefined) check(values.length === length, argument, `${values.length} values`, `${length} values`);
  check(values.every(Number.isFinite), argument, 'a non-finite value', 'finite numbers');
  return values;
}

/** Reads integer labels (class or identity indices) of length `length`. */
export function readLabelVector(v: tf.Tensor | ArrayLike<number>, argument: string, length: number): Int32Array {
  const values = readVector(v, argument, length);
  check(values.every(Number.isInteger), argument, 'a non-integer label', 'integer labels');
  return Int32Array.from(values);
}

/** Reads same/different flags (booleans or 0/1). */
export function readFlags(v: tf.Tensor | ArrayLike<boolean | number>, argument: string, length: number): Uint8Array {
  const raw = v instanceof tf.Tensor ? Array.from(hostValues(v, argument)) : Array.from(v as ArrayLike<boolean | number>);
  check(raw.length === length, argument, `${raw.length} flags`, `${length} flags (one per pair)`);
  check(raw.every((x) => x === true || x === false || x === 0 || x === 1), argument, raw, 'booleans or 0/1');
  return Uint8Array.from(raw, (x) => (x ? 1 : 0));
}

/**
 * Cosine similarities cos(a_i, b_j) of two embedding sets ([P, D] and [G, D]),
 * as a dense [P, G] matrix (rows are L2-normalised first), read back asynchronously.
 */
export async function cosineSimilarityMatrix(a: tf.Tensor2D | number[][], b: tf.Tensor2D | number[][]): Promise<DenseMatrix> {
  const values = tf.tidy(() => {
    const ta = a instanceof tf.Tensor ? a : tf.tensor2d(a);
    const tb = b instanceof tf.Tensor ? b : tf.tensor2d(b);
    check(ta.rank === 2 && tb.rank === 2 && ta.shape[1] === tb.shape[1], 'embeddings', `${ta.shape} and ${tb.shape}`, 'two [n, D] sets with the same D');
    return tf.matMul(l2Normalize(ta), l2Normalize(tb), false, true) as tf.Tensor2D;
  });
  try {
    return { values: Float64Array.from(await values.data()), rows: values.shape[0], cols: values.shape[1] as number };
  } finally {
    values.dispose();
  }
}
