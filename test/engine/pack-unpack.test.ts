// wavecv's wasm Pack and Unpack (block copies, concat-split.ts) against the
// cpu backend: every axis of inputs of ranks 1–5 (negative axes too), int32 and bool
// tensors, and the gradients that run through them (stack ↔ unstack); no
// tensor leaks; string tensors still go to the backend's own kernel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { Rng } from '../../src/engine/random.js';

type Result = { values: number[]; shape: number[]; dtype: string }[];

/** Runs `f` on both backends with the same random inputs of `shapes`; returns [cpu, wasm]. */
async function onBoth(shapes: number[][], f: (inputs: tf.Tensor[]) => tf.Tensor[], dtype: 'float32' | 'int32' | 'bool' = 'float32'): Promise<[Result, Result]> {
  const rng = new Rng(shapes.flat().reduce((a, b) => a * 31 + b, 7));
  const data = shapes.map((s) => Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => (dtype === 'float32' ? rng.normal() : Math.floor(rng.next() * (dtype === 'bool' ? 2 : 100)))));
  const results: Result[] = [];
  for (const backend of ['cpu', 'wasm'] as const) {
    await initEngine({ backend });
    const before = tf.memory().numTensors;
    results.push(
      tf.tidy(() => {
        const inputs = shapes.map((s, i) => tf.tensor(data[i], s, dtype));
        return f(inputs).map((t) => ({ values: Array.from(t.dataSync()), shape: t.shape, dtype: t.dtype }));
      }),
    );
    assert.equal(tf.memory().numTensors, before, `${backend}: tensors leaked`);
  }
  return results as [Result, Result];
}

function assertSame(cpu: Result, wasm: Result, what: string, tol = 0): void {
  assert.equal(wasm.length, cpu.length, `${what}: output count`);
  cpu.forEach((c, i) => {
    assert.deepEqual(wasm[i].shape, c.shape, `${what}[${i}]: shape`);
    assert.equal(wasm[i].dtype, c.dtype, `${what}[${i}]: dtype`);
    const worst = c.values.reduce((w, v, j) => Math.max(w, Math.abs(v - wasm[i].values[j])), 0);
    const scale = c.values.reduce((m, v) => Math.max(m, Math.abs(v)), 1);
    assert.ok(worst <= tol * scale, `${what}[${i}]: off by ${worst}`);
  });
}

test('Pack and Unpack on wasm equal the cpu backend on every axis (inputs of ranks 1–5), with their gradients', async () => {
  // inputs up to rank 5: stacks up to rank 6, the ranks the 3-D models stack at
  const shapes = [[5], [3, 4], [2, 3, 4], [2, 3, 2, 5], [2, 3, 4, 2, 3]];
  for (const shape of shapes) {
    for (let axis = 0; axis <= shape.length; axis++) {
      const what = `shape [${shape}] axis ${axis}`;
      const [cpu, wasm] = await onBoth([shape, shape, shape], ([a, b, c]) => {
        const stacked = tf.stack([a, b, c], axis);
        const weights = tf.range(0, stacked.size).reshape(stacked.shape);
        const [da, db] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(tf.stack([p, q, c], axis), weights)))([a, b]);
        const unstacked = axis < shape.length ? tf.unstack(a, axis) : [];
        const dUnstack = tf.grad((p: tf.Tensor) => tf.addN(tf.unstack(p, axis).map((t, i) => tf.mul(t, i + 1))).sum())(stacked);
        return [stacked, ...tf.unstack(stacked, axis), ...unstacked, da, db, dUnstack, tf.stack([a], -1), ...tf.unstack(a, -1)];
      });
      assertSame(cpu, wasm, what);
    }
  }
  for (const dtype of ['int32', 'bool'] as const) {
    const [cpu, wasm] = await onBoth([[2, 3, 2, 2, 4]], ([a]) => [tf.stack([a, a], 2), ...tf.unstack(a, 1), ...tf.unstack(a, 4)], dtype);
    assertSame(cpu, wasm, dtype);
  }
  const [cpuEmpty, wasmEmpty] = await onBoth([[2, 0, 3]], ([a]) => [tf.stack([a, a], 1), ...tf.unstack(a, 0)]);
  assertSame(cpuEmpty, wasmEmpty, 'empty parts');
  await initEngine({ backend: 'wasm' });
  assert.deepEqual(tf.tidy(() => tf.stack([tf.tensor(['a', 'b']), tf.tensor(['c', 'd'])]).arraySync()), [['a', 'b'], ['c', 'd']]);
});
