// wavecv's MaxPool3D and MaxPool3DGrad on wasm against the cpu backend: TF.js
// 4.22's own wasm kernels are wrong for some shapes (e.g. [1, 4, 4, 8, C],
// C ∈ {1, 2, 16}, 2×2×2 stride 2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { Rng } from '../../src/engine/random.js';

type Shape5 = [number, number, number, number, number];
type Triple = [number, number, number];
type Case = { shape: Shape5; size: number | Triple; stride: number | Triple; pad: 'valid' | 'same' | number };

function values(rng: Rng, n: number): Float32Array {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = rng.next() * 2 - 1;
  return v;
}

/** maxPool3d(x) and ∂/∂x Σ g·maxPool3d(x) on the current backend. */
function pool(x: Float32Array, g: Float32Array, c: Case, outShape: number[]): [Float32Array, Float32Array] {
  return tf.tidy(() => {
    const input = tf.tensor5d(x, c.shape);
    const weights = tf.tensor(g, outShape);
    const f = (a: tf.Tensor) => tf.maxPool3d(a as tf.Tensor5D, c.size, c.stride, c.pad);
    const y = f(input).dataSync() as Float32Array;
    const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(f(a), weights)))(input).dataSync() as Float32Array;
    return [y, dx];
  });
}

function worst(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let w = 0;
  for (let i = 0; i < a.length; i++) w = Math.max(w, Math.abs(a[i] - b[i]));
  return w;
}

test('MaxPool3D and its gradient on wasm equal the cpu backend (channels 1–8, 16; valid, same, explicit padding; anisotropic windows)', async () => {
  const rng = new Rng(5);
  const cases: Case[] = [];
  for (const channels of [1, 2, 3, 4, 5, 6, 7, 8, 16]) cases.push({ shape: [1, 4, 4, 8, channels], size: 2, stride: 2, pad: 'valid' });
  cases.push(
    { shape: [2, 5, 6, 7, 3], size: 3, stride: 2, pad: 'same' },
    { shape: [1, 4, 4, 4, 6], size: 2, stride: 1, pad: 'valid' },
    { shape: [2, 6, 6, 6, 4], size: 3, stride: 2, pad: 1 },
    { shape: [1, 3, 8, 8, 2], size: [1, 2, 2], stride: [1, 2, 2], pad: 'valid' },
    { shape: [2, 7, 5, 6, 5], size: [3, 2, 2], stride: [2, 1, 2], pad: 'same' },
  );
  for (const c of cases) {
    const x = values(rng, c.shape.reduce((a, b) => a * b, 1));
    await initEngine({ backend: 'cpu' });
    const outShape = tf.tidy(() => tf.maxPool3d(tf.zeros(c.shape) as tf.Tensor5D, c.size, c.stride, c.pad).shape);
    const g = values(rng, outShape.reduce((a, b) => a * b, 1));
    const [y, dx] = pool(x, g, c, outShape);
    await initEngine({ backend: 'wasm' });
    const before = tf.memory().numTensors;
    const [wasmY, wasmDx] = pool(x, g, c, outShape);
    assert.equal(tf.memory().numTensors, before, `${JSON.stringify(c)}: leaked tensors`);
    assert.ok(worst(y, wasmY) === 0, `${JSON.stringify(c)}: wasm and cpu max pools differ by ${worst(y, wasmY)}`);
    assert.ok(worst(dx, wasmDx) <= 1e-6, `${JSON.stringify(c)}: wasm and cpu gradients differ by ${worst(dx, wasmDx)}`);
  }
});
