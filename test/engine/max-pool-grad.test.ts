// wavecv's MaxPoolGrad on wasm against the cpu backend: TF.js 4.22's own wasm
// kernel is wrong for some shapes (e.g. [2, 4, 8, C], C ∈ {1, 4, 6, 8}).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { Rng } from '../../src/engine/random.js';

type Case = { shape: [number, number, number, number]; size: number; stride: number; pad: 'valid' | 'same' | number };

function values(rng: Rng, n: number): Float32Array {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = rng.next() * 2 - 1;
  return v;
}

/** ∂/∂x Σ g·maxPool(x) on the current backend. */
function maxPoolGradient(x: Float32Array, g: Float32Array, c: Case, outShape: number[]): Float32Array {
  return tf.tidy(() => {
    const input = tf.tensor4d(x, c.shape);
    const weights = tf.tensor(g, outShape);
    return tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, c.size, c.stride, c.pad), weights)))(input).dataSync() as Float32Array;
  });
}

test('MaxPoolGrad on wasm equals the cpu backend (channels 1–8, 16, 64; valid, same and explicit padding; ResNet stem)', async () => {
  const rng = new Rng(11);
  const cases: Case[] = [];
  for (const channels of [1, 2, 3, 4, 5, 6, 7, 8, 16, 64]) cases.push({ shape: [2, 4, 8, channels], size: 2, stride: 2, pad: 'valid' });
  cases.push({ shape: [2, 9, 7, 6], size: 3, stride: 2, pad: 'same' }, { shape: [1, 8, 8, 4], size: 3, stride: 2, pad: 1 }, { shape: [3, 5, 5, 3], size: 2, stride: 1, pad: 'valid' });
  for (const c of cases) {
    const x = values(rng, c.shape.reduce((a, b) => a * b, 1));
    await initEngine({ backend: 'cpu' });
    const outShape = tf.tidy(() => tf.maxPool(tf.zeros(c.shape) as tf.Tensor4D, c.size, c.stride, c.pad).shape);
    const g = values(rng, outShape.reduce((a, b) => a * b, 1));
    const expected = maxPoolGradient(x, g, c, outShape);
    await initEngine({ backend: 'wasm' });
    const before = tf.memory().numTensors;
    const actual = maxPoolGradient(x, g, c, outShape);
    assert.equal(tf.memory().numTensors, before, `${JSON.stringify(c)}: leaked tensors`);
    let worst = 0;
    for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
    assert.ok(worst <= 1e-6, `${JSON.stringify(c)}: wasm and cpu gradients differ by ${worst}`);
  }
});
