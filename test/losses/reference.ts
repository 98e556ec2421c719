// Plain-JS (float64) reference math for the face-loss tests: the formulas of
// the papers written out directly, finite differences, and comparisons.
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';

export type Matrix = number[][];

export function normalizeRow(v: number[], eps = 1e-5): number[] {
  const n = Math.max(Math.hypot(...v), eps);
  return v.map((x) => x / n);
}

export function dot(a: number[], b: number[]): number {
  return a.reduce((s, x, i) => s + x * b[i], 0);
}

/** cos(x_i, w_j). */
export function cosines(x: Matrix, w: Matrix): Matrix {
  const xn = x.map((r) => normalizeRow(r));
  const wn = w.map((r) => normalizeRow(r));
  return xn.map((r) => wn.map((c) => dot(r, c)));
}

export function softplus(z: number): number {
  return z > 30 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

export function logSumExp(v: number[]): number {
  const m = Math.max(...v);
  return m + Math.log(v.reduce((s, x) => s + Math.exp(x - m), 0));
}

/** Mean softmax cross-entropy of per-row logits. */
export function crossEntropy(logits: Matrix, labels: number[]): number {
  return logits.reduce((s, row, i) => s + logSumExp(row) - row[labels[i]], 0) / logits.length;
}

/** Central finite differences of f with respect to every entry of m. */
export function finiteDifferences(f: (m: Matrix) => number, m: Matrix, h = 1e-6): Matrix {
  return m.map((row, i) =>
    row.map((_, j) => {
      const plus = m.map((r) => r.slice());
      const minus = m.map((r) => r.slice());
      plus[i][j] += h;
      minus[i][j] -= h;
      return (f(plus) - f(minus)) / (2 * h);
    }),
  );
}

function flat(v: number | number[] | Matrix | Float32Array): number[] {
  if (typeof v === 'number') return [v];
  return (Array.from(v as ArrayLike<number | number[]>) as (number | number[])[]).flat() as number[];
}

/** |a − e| ≤ atol + rtol·max|e| element-wise. */
export function assertClose(actual: number | number[] | Matrix | Float32Array, expected: number | number[] | Matrix | Float32Array, rtol: number, atol: number, message: string): void {
  const a = flat(actual);
  const e = flat(expected);
  assert.equal(a.length, e.length, `${message}: length ${a.length} vs ${e.length}`);
  const scale = Math.max(...e.map(Math.abs), 1e-30);
  for (let i = 0; i < a.length; i++) {
    const tol = atol + rtol * scale;
    assert.ok(Math.abs(a[i] - e[i]) <= tol, `${message}: entry ${i}: ${a[i]} vs ${e[i]} (tolerance ${tol})`);
  }
}

export function toMatrix(t: tf.Tensor): Matrix {
  return t.arraySync() as Matrix;
}

/** Gradients of `f` w.r.t. the given variables, as nested arrays; disposes everything. */
export function gradientsOf(f: () => tf.Scalar, variables: tf.Variable[]): { value: number; grads: Array<Matrix | number[]> } {
  const { value, grads } = tf.variableGrads(f, variables);
  const out = { value: value.dataSync()[0], grads: variables.map((v) => (grads[v.name] ? (grads[v.name].arraySync() as Matrix | number[]) : [])) };
  value.dispose();
  tf.dispose(Object.values(grads));
  return out;
}

/** Gradient of `f(x)` w.r.t. a constant input x, as nested arrays. */
export function inputGradient(f: (x: tf.Tensor2D) => tf.Scalar, x: Matrix): { value: number; grad: Matrix } {
  return tf.tidy(() => {
    const input = tf.tensor2d(x);
    const { value, grad } = tf.valueAndGrad(f)(input);
    return { value: value.dataSync()[0], grad: grad.arraySync() as Matrix };
  });
}

/** The hand-made case shared by the loss tests: 2-D features of 4 samples, 3 classes. */
export const TOY_FEATURES: Matrix = [
  [1.0, 0.2],
  [-0.3, 0.9],
  [0.5, -0.8],
  [0.7, 0.7],
];
export const TOY_CLASS_WEIGHTS: Matrix = [
  [1.0, 0.0],
  [0.0, 1.0],
  [0.6, -0.8],
];
export const TOY_LABELS = [0, 1, 2, 1];
