// wavecv's wasm Concat, SplitV (block copies on the heap) and Sum over leading
// axes against the cpu backend's kernels: random shapes, axes, split sizes
// (with -1 and empty pieces), dtypes, the gradients that run through them, the
// reductions that go to the backend's own Sum, and the tensors they leave.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine, type BackendName } from '../../src/engine/backend.js';
import { Rng } from '../../src/engine/random.js';
import { TEST_BACKEND } from '../helpers/backend.js';

const skip = TEST_BACKEND === 'wasm' ? false : `these kernels are wasm's; the backend under test is ${TEST_BACKEND}`;

type Values = { values: number[]; shape: number[]; dtype: tf.DataType };

function randomShape(rng: Rng, rank: number, maxDim = 5): number[] {
  return Array.from({ length: rank }, () => 1 + rng.int(maxDim));
}

function randomValues(rng: Rng, size: number, dtype: tf.DataType): number[] {
  return Array.from({ length: size }, () => (dtype === 'float32' ? rng.normal() : dtype === 'int32' ? rng.int(1000) - 500 : rng.int(2)));
}

/** Runs `fn` on `backend` with tensors made from `inputs`; returns every output's values, all tensors disposed. */
async function on(backend: BackendName, inputs: Values[], fn: (xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[]): Promise<Values[]> {
  await initEngine({ backend });
  const xs = inputs.map((v) => tf.tensor(v.values, v.shape, v.dtype));
  const before = tf.memory().numTensors;
  const out = fn(xs);
  const outs = Array.isArray(out) ? out : [out];
  assert.equal(tf.memory().numTensors, before + outs.length, `${backend}: tensors left besides the outputs`);
  const result = outs.map((t) => ({ values: Array.from(t.dataSync() as ArrayLike<number>), shape: t.shape, dtype: t.dtype }));
  tf.dispose([...xs, ...outs]);
  return result;
}

test('wasm Concat equals cpu on random shapes, axes and dtypes, with empty inputs', { skip }, async () => {
  const rng = new Rng(5);
  for (let k = 0; k < 40; k++) {
    const rank = 1 + rng.int(4);
    const axis = rng.int(rank);
    const dtype = (['float32', 'int32', 'bool'] as const)[rng.int(3)];
    const base = randomShape(rng, rank);
    const inputs = Array.from({ length: 1 + rng.int(4) }, () => {
      const shape = base.map((d, i) => (i === axis ? rng.int(4) : d));
      return { shape, dtype, values: randomValues(rng, shape.reduce((a, b) => a * b, 1), dtype) };
    });
    const signed = rng.int(2) ? axis : axis - rank;
    const fn = (xs: tf.Tensor[]) => tf.concat(xs, signed);
    assert.deepEqual(await on('wasm', inputs, fn), await on('cpu', inputs, fn), `concat ${JSON.stringify({ shapes: inputs.map((v) => v.shape), axis: signed, dtype })}`);
  }
});

test('wasm SplitV equals cpu on random shapes, axes and sizes (with -1 and empty pieces)', { skip }, async () => {
  const rng = new Rng(6);
  for (let k = 0; k < 40; k++) {
    const rank = 1 + rng.int(4);
    const axis = rng.int(rank);
    const dtype = (['float32', 'int32', 'bool'] as const)[rng.int(3)];
    const shape = randomShape(rng, rank, 7);
    const sizes: number[] = [];
    for (let left = shape[axis]; left > 0; ) {
      const s = Math.min(left, rng.int(4));
      sizes.push(s);
      left -= s;
    }
    // -1 (the rest) not first: tfjs-core's prepareSplitSize miscounts a leading -1 on every backend.
    if (sizes.length > 1 && rng.int(2)) sizes[1 + rng.int(sizes.length - 1)] = -1;
    const input = [{ shape, dtype, values: randomValues(rng, shape.reduce((a, b) => a * b, 1), dtype) }];
    const fn = (xs: tf.Tensor[]) => tf.split(xs[0], sizes, axis);
    assert.deepEqual(await on('wasm', input, fn), await on('cpu', input, fn), `split ${JSON.stringify({ shape, sizes, axis, dtype })}`);
  }
});

test('wasm Concat and SplitV still take strings (the backend kernels)', { skip }, async () => {
  await initEngine({ backend: 'wasm' });
  const before = tf.memory().numTensors;
  const joined = tf.tidy(() => tf.concat([tf.tensor1d(['a', 'b'], 'string'), tf.tensor1d(['c'], 'string')]));
  // tf.split refuses strings; the kernel itself is reachable through the engine.
  const parts = tf.engine().runKernel(tf.SplitV, { x: joined }, { numOrSizeSplits: [1, 2], axis: 0 }) as tf.Tensor[];
  assert.deepEqual(joined.dataSync(), ['a', 'b', 'c']);
  assert.deepEqual(parts.map((p) => p.dataSync()), [['a'], ['b', 'c']]);
  tf.dispose([joined, ...parts]);
  assert.equal(tf.memory().numTensors, before);
});

test('wasm Sum over leading axes equals cpu (keepDims, axis order, negative axes); other reductions go to the backend kernel', { skip }, async () => {
  const rng = new Rng(7);
  const cases: Array<{ shape: number[]; axes: number[]; keepDims: boolean; dtype: tf.DataType }> = [
    { shape: [4, 9, 7, 5], axes: [0, 1, 2], keepDims: false, dtype: 'float32' },
    { shape: [4, 9, 7, 5], axes: [2, 0, 1], keepDims: true, dtype: 'float32' },
    { shape: [3, 6, 2], axes: [0], keepDims: false, dtype: 'float32' },
    { shape: [3, 6, 2], axes: [-3, -2], keepDims: true, dtype: 'float32' },
    { shape: [2000, 3], axes: [0], keepDims: false, dtype: 'float32' },
    { shape: [4, 9, 7, 5], axes: [1, 2], keepDims: false, dtype: 'float32' },
    { shape: [4, 9, 7, 5], axes: [0, 1, 2, 3], keepDims: false, dtype: 'float32' },
    { shape: [4, 9, 7, 5], axes: [3, 1, 0, 2], keepDims: true, dtype: 'float32' },
    { shape: [4, 9, 5], axes: [0, 1], keepDims: false, dtype: 'int32' },
  ];
  for (const c of cases) {
    const input = [{ shape: c.shape, dtype: c.dtype, values: randomValues(rng, c.shape.reduce((a, b) => a * b, 1), c.dtype) }];
    const fn = (xs: tf.Tensor[]) => tf.sum(xs[0], c.axes, c.keepDims);
    const [got] = await on('wasm', input, fn);
    const [want] = await on('cpu', input, fn);
    assert.deepEqual(got.shape, want.shape, JSON.stringify(c));
    assert.equal(got.dtype, want.dtype, JSON.stringify(c));
    const scale = Math.max(1, ...want.values.map(Math.abs));
    for (let i = 0; i < want.values.length; i++) assert.ok(Math.abs(got.values[i] - want.values[i]) <= 1e-5 * scale, `${JSON.stringify(c)} [${i}]: ${got.values[i]} vs ${want.values[i]}`);
  }
});

test('wasm Sum over all axes of 2M values is the float64 sum rounded once (a loss over every voxel)', { skip }, async () => {
  const n = 1 << 21;
  const rng = new Rng(9);
  const values = Float32Array.from({ length: n }, () => 0.5 + rng.next() * 0.01);
  let exact = 0;
  for (const v of values) exact += v;
  const [got] = await on('wasm', [{ shape: [32, n / 32], dtype: 'float32', values: Array.from(values) }], (xs) => tf.sum(xs[0]));
  assert.ok(Math.abs(got.values[0] - exact) <= 1e-7 * exact, `${got.values[0]} vs ${exact}`);
});

test('gradients through concat, split and a bias-style sum on wasm equal cpu', { skip }, async () => {
  const rng = new Rng(8);
  const inputs: Values[] = [
    { shape: [2, 5, 6, 3], dtype: 'float32', values: randomValues(rng, 180, 'float32') },
    { shape: [2, 5, 6, 4], dtype: 'float32', values: randomValues(rng, 240, 'float32') },
    { shape: [7], dtype: 'float32', values: randomValues(rng, 7, 'float32') },
  ];
  const fn = ([a, b, bias]: tf.Tensor[]) =>
    tf.grads((p: tf.Tensor, q: tf.Tensor, r: tf.Tensor) => {
      const joined = tf.add(tf.concat([p, q], 3), r);
      const [left, right] = tf.split(tf.square(joined), [2, 5], 3);
      return tf.add(tf.sum(tf.mul(left, 3)), tf.sum(tf.sin(right)));
    })([a, b, bias]);
  const got = await on('wasm', inputs, fn);
  const want = await on('cpu', inputs, fn);
  for (let t = 0; t < want.length; t++) {
    assert.deepEqual(got[t].shape, want[t].shape);
    for (let i = 0; i < want[t].values.length; i++) assert.ok(Math.abs(got[t].values[i] - want[t].values[i]) <= 1e-4 * Math.max(1, Math.abs(want[t].values[i])), `grad ${t} [${i}]`);
  }
});
