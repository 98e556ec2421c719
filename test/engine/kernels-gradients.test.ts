// The gradients of src/engine/gradients.ts by the adjoint (dot-product)
// identity ⟨g, A x⟩ = ⟨A* g, x⟩ on the backend under test (wasm, or webgpu
// with WAVECV_TEST_BACKEND=webgpu: test/helpers/backend.ts), and an end-to-end
// gradient of a small network (conv2d s1/s2, depthwise, conv3d, gather) equal
// there and on cpu. Every read is asynchronous (webgpu has no dataSync in Node).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { readScalars } from '../../src/engine/read.js';
import { Rng } from '../../src/engine/random.js';
import { backendSkip, initTestBackend, TEST_BACKEND } from '../helpers/backend.js';
import { uniform } from './helpers.js';

/** Checks ⟨g, f(x)⟩ = ⟨∇ₓ⟨g, f(x)⟩, x⟩ for a linear f, leaking no tensors. */
async function assertAdjoint(label: string, f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor, rng: Rng): Promise<void> {
  const before = tf.memory().numTensors;
  const products = tf.tidy(() => {
    const y = f(x);
    const g = uniform(rng, y.shape);
    const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(f(a), g)))(x);
    assert.deepEqual(dx.shape, x.shape, `${label}: gradient shape`);
    return [tf.sum(tf.mul(g, y)), tf.sum(tf.mul(dx, x))];
  });
  const [lhs, rhs] = await readScalars(products);
  tf.dispose(products);
  assert.equal(tf.memory().numTensors, before, `${label}: leaked tensors`);
  assert.ok(Math.abs(lhs - rhs) <= 1e-4 * Math.max(1, Math.abs(lhs)), `${label}: <g,Ax> ${lhs} vs <A*g,x> ${rhs}`);
}

test('stridedSlice gradient is the adjoint of the slice (masks, negative strides, new and shrunk axes)', { skip: backendSkip }, async () => {
  await initTestBackend();
  const rng = new Rng(3);
  const x = uniform(rng, [5, 7, 4]);
  const specs: Array<[number[], number[], number[], number, number, number, number, number]> = [
    [[1, 0, 0], [4, 7, 4], [1, 2, 1], 0, 0, 0, 0, 0],
    [[4, 6, 3], [0, 0, 0], [-1, -2, -1], 0, 0, 0, 0, 0],
    [[0, 1], [0, 6], [1, 3], 1, 1, 0, 0, 0],
    // tfjs's forward stridedSlice mis-slices shrunk axes combined with strides ≠ 1
    // (cpu and wasm), so the shrink case keeps unit strides.
    [[0, 2, 0], [5, 3, 4], [1, 1, 1], 0, 0, 0, 0, 2],
    [[0, 0, 0], [5, 0, 4], [2, 1, 1], 0, 0, 0, 2, 0],
    [[1, 0], [2, 3], [1, 1], 0, 0, 1, 0, 0],
  ];
  for (const [begin, end, strides, beginMask, endMask, ellipsisMask, newAxisMask, shrinkAxisMask] of specs) {
    const label = `stridedSlice ${JSON.stringify({ begin, end, strides, beginMask, endMask, ellipsisMask, newAxisMask, shrinkAxisMask })}`;
    await assertAdjoint(label, (a) => tf.stridedSlice(a, begin, end, strides, beginMask, endMask, ellipsisMask, newAxisMask, shrinkAxisMask), x, rng);
  }
  x.dispose();
});

test('depthToSpace and gatherND gradients are adjoints', { skip: backendSkip }, async () => {
  await initTestBackend();
  const rng = new Rng(5);
  const x = uniform(rng, [2, 3, 4, 12]);
  await assertAdjoint('depthToSpace b=2', (a) => tf.depthToSpace(a as tf.Tensor4D, 2), x, rng);
  const params = uniform(rng, [4, 5, 3]);
  const indices = tf.tensor2d([0, 1, 3, 4, 0, 1, 2, 2], [4, 2], 'int32');
  await assertAdjoint('gatherND with a repeated index', (a) => tf.gatherND(a, indices), params, rng);
  tf.dispose([x, params, indices]);
});

test('conv3dTranspose trains: gradients w.r.t. input and filter are adjoints', { skip: backendSkip }, async () => {
  await initTestBackend();
  const rng = new Rng(7);
  // Output shapes whose forward conv3d (filter 3×2×3) maps back onto z's 3×4×3.
  const cases: Array<[number, 'same' | 'valid', [number, number, number, number, number]]> = [
    [2, 'same', [2, 6, 8, 6, 2]],
    [1, 'valid', [2, 5, 5, 5, 2]],
    [2, 'valid', [2, 7, 8, 7, 2]],
  ];
  for (const [stride, pad, outShape] of cases) {
    const z = uniform(rng, [2, 3, 4, 3, 4]) as tf.Tensor5D;
    const w = uniform(rng, [3, 2, 3, 2, 4]) as tf.Tensor5D;
    const info = tf.backend_util.computeConv3DInfo(outShape, w.shape, stride, 1, pad);
    assert.deepEqual(info.outShape.slice(1, 4), [3, 4, 3], 'test set-up: output shape');
    const label = `conv3dTranspose s${stride} ${pad}`;
    await assertAdjoint(`${label} w.r.t. input`, (a) => tf.conv3dTranspose(a as tf.Tensor5D, w, outShape, stride, pad), z, rng);
    await assertAdjoint(`${label} w.r.t. filter`, (a) => tf.conv3dTranspose(z, a as tf.Tensor5D, outShape, stride, pad), w, rng);
    tf.dispose([z, w]);
  }
});

test(`dilated conv2d and depthwiseConv2d train: gradients are adjoints on ${TEST_BACKEND} and cpu`, { skip: backendSkip }, async () => {
  for (const backend of [TEST_BACKEND, 'cpu']) {
    await initEngine({ backend });
    const rng = new Rng(11);
    const x = uniform(rng, [2, 9, 8, 3]) as tf.Tensor4D;
    const w = uniform(rng, [3, 2, 3, 4]) as tf.Tensor4D;
    const dw = uniform(rng, [3, 3, 3, 2]) as tf.Tensor4D;
    for (const pad of ['same', 'valid'] as const) {
      const label = `${backend} dilation 2 ${pad}`;
      await assertAdjoint(`conv2d ${label} w.r.t. x`, (a) => tf.conv2d(a as tf.Tensor4D, w, 1, pad, 'NHWC', 2), x, rng);
      await assertAdjoint(`conv2d ${label} w.r.t. W`, (a) => tf.conv2d(x, a as tf.Tensor4D, 1, pad, 'NHWC', [2, 1]), w, rng);
      await assertAdjoint(`depthwise ${label} w.r.t. x`, (a) => tf.depthwiseConv2d(a as tf.Tensor4D, dw, 1, pad, 'NHWC', 2), x, rng);
      await assertAdjoint(`depthwise ${label} w.r.t. W`, (a) => tf.depthwiseConv2d(x, a as tf.Tensor4D, 1, pad, 'NHWC', [1, 2]), dw, rng);
    }
    tf.dispose([x, w, dw]);
  }
});

test(`gradients of a small conv2d/depthwise/conv3d/gather network are equal on ${TEST_BACKEND} and cpu, no tensors leaked`, { skip: backendSkip }, async () => {
  const grads: Record<string, Float32Array[]> = {};
  for (const backend of ['cpu', TEST_BACKEND]) {
    await initEngine({ backend });
    const rng = new Rng(13);
    const x = uniform(rng, [2, 9, 9, 3]);
    const table = uniform(rng, [6, 4]);
    const ids = tf.tensor1d([0, 5, 2, 5], 'int32');
    const weights = [uniform(rng, [3, 3, 3, 4]), uniform(rng, [3, 3, 4, 4]), uniform(rng, [3, 3, 4, 2]), uniform(rng, [2, 3, 3, 8, 4]), table];
    const before = tf.memory().numTensors;
    const g = tf.grads((xi: tf.Tensor, w1: tf.Tensor, w2: tf.Tensor, dw: tf.Tensor, w3: tf.Tensor, emb: tf.Tensor) => {
      let h = tf.relu(tf.conv2d(xi as tf.Tensor4D, w1 as tf.Tensor4D, 1, 'same'));
      h = tf.conv2d(h, w2 as tf.Tensor4D, 2, 'same');
      h = tf.depthwiseConv2d(h, dw as tf.Tensor4D, 1, 'valid');
      // [2, 3, 3, 8] → volume [1, 2, 3, 3, 8] for a 2×3×3 conv3d.
      const v = tf.conv3d(tf.reshape(h, [1, 2, 3, 3, 8]), w3 as tf.Tensor5D, 1, 'same');
      const e = tf.gather(emb, ids);
      return tf.sum(tf.mul(tf.reshape(v, [-1, 4]).slice([0, 0], [4, 4]), e));
    });
    const result = g([x, ...weights]);
    grads[backend] = await Promise.all(result.map(async (t) => Float32Array.from(await t.data())));
    tf.dispose(result);
    assert.equal(tf.memory().numTensors, before, `${backend}: tf.grads leaked tensors`);
    tf.dispose([x, ids, ...weights]);
  }
  grads.cpu.forEach((want, i) => {
    const scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 1e-6);
    const err = want.reduce((m, v, j) => Math.max(m, Math.abs(v - grads[TEST_BACKEND][i][j])), 0);
    assert.ok(err <= 1e-4 * Math.max(1, scale), `gradient ${i}: max |cpu − ${TEST_BACKEND}| ${err} (scale ${scale})`);
  });
});

test(`a tf.layers depthwise convolution (which passes dilations: null) trains on ${TEST_BACKEND}`, { skip: backendSkip }, async () => {
  await initTestBackend();
  const rng = new Rng(11);
  const layer = tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', useBias: false });
  const x = uniform(rng, [2, 7, 7, 3]);
  tf.dispose(layer.apply(x) as tf.Tensor); // builds the kernel variable
  const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(layer.apply(x) as tf.Tensor)) as tf.Scalar);
  const kernelGrad = Object.values(grads)[0];
  assert.deepEqual(kernelGrad.shape, [3, 3, 3, 2]);
  const largest = tf.max(tf.abs(kernelGrad));
  const [loss, largestGrad] = await readScalars([value, largest]);
  assert.ok(Number.isFinite(loss) && largestGrad > 0);
  largest.dispose();
  tf.dispose([x, value, ...Object.values(grads)]);
  layer.dispose();
});

test('sum and mean gradients (filled by the backend, not tf.ones) are adjoints and equal 1 / the reduced count, on wasm and cpu', async () => {
  const rng = new Rng(8);
  // [label, reduction, ∂/∂x of 2.5 · Σ reduction(x)] for x of shape [3, 5, 4]
  const cases: Array<[string, (a: tf.Tensor) => tf.Tensor, number]> = [
    ['sum all', (a) => tf.sum(a), 2.5],
    ['sum axis 1', (a) => tf.sum(a, 1), 2.5],
    ['sum axes [0, 2] keepDims', (a) => tf.sum(a, [0, 2], true), 2.5],
    ['mean all', (a) => tf.mean(a), 2.5 / 60],
    ['mean axis -1', (a) => tf.mean(a, -1), 2.5 / 4],
    ['mean axes [1, 2] keepDims', (a) => tf.mean(a, [1, 2], true), 2.5 / 20],
  ];
  for (const backend of ['wasm', 'cpu'] as const) {
    await initEngine({ backend });
    const x = uniform(new Rng(4), [3, 5, 4]);
    for (const [label, f, expected] of cases) {
      await assertAdjoint(`${backend} ${label}`, f, x, rng);
      const dx = tf.tidy(() => tf.grad((a: tf.Tensor) => tf.mul(tf.sum(f(a)), 2.5))(x).dataSync() as Float32Array);
      dx.forEach((v) => assert.ok(Math.abs(v - expected) <= 1e-6, `${backend} ${label}: ${v}, expected ${expected}`));
    }
    x.dispose();
  }
  await initEngine({ backend: 'wasm' });
});

test('tile gradient (one reshape + sum, not a slice per repetition) is the adjoint of tile, and a layer norm trains through it', { skip: backendSkip }, async () => {
  await initTestBackend();
  const rng = new Rng(8);
  const cases: Array<[number[], number[]]> = [
    [[3], [4]],
    [[2, 1, 5], [1, 3, 1]],
    [[1, 1, 6], [2, 3, 1]],
    [[2, 3, 1], [1, 1, 7]],
    [[2, 3, 4], [2, 1, 3]],
    [[1, 2, 1, 3], [2, 2, 2, 1]],
  ];
  for (const [shape, reps] of cases) {
    const x = uniform(rng, shape);
    await assertAdjoint(`tile ${JSON.stringify(shape)} × ${JSON.stringify(reps)}`, (a) => tf.tile(a, reps), x, rng);
    x.dispose();
  }
  // tf.layers.layerNormalization tiles γ, β, mean and variance: its backward pass now runs a handful of kernels.
  const norm = tf.layers.layerNormalization({ epsilon: 1e-6 });
  const x = uniform(rng, [2, 5, 8]);
  norm.build(x.shape);
  const before = tf.memory().numTensors;
  const info = await tf.profile(() => tf.dispose(tf.grads((a: tf.Tensor) => tf.sum(tf.square(norm.apply(a) as tf.Tensor)))([x])));
  assert.ok(info.kernels.filter((k) => k.name === 'Slice').length === 0, 'layer norm backward: no per-repetition slices');
  assert.equal(tf.memory().numTensors, before, 'layer norm backward: leaked tensors');
  x.dispose();
  for (const w of norm.weights) w.dispose();
});
