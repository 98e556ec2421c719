// The one-axis building blocks exported for layers: dwtAxis/idwtAxis on any
// axis of an NHWC tensor (int32 input cast), and cropAxis with its gradient.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { cropAxis, dwtAxis, idwtAxis } from '../../src/wavelets/transform.js';
import { dwt } from '../../src/wavelets/multidim.js';
import { pseudoRandom } from './helpers.js';

before(async () => {
  await initEngine();
});

const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

test('dwtAxis/idwtAxis on every axis of an NHWC tensor agree with dwt and reconstruct; int32 input is cast', () => {
  const x = tf.tensor(pseudoRandom(2 * 9 * 7 * 3, 1), [2, 9, 7, 3]);
  const before = tf.memory().numTensors;
  for (const axis of [0, 1, 2, 3, -1]) {
    tf.tidy(() => {
      const [a, d] = dwtAxis(x, 'sym3', 'antireflect', axis);
      const [ra, rd] = dwt(x, 'sym3', { mode: 'antireflect', axis });
      assert.ok(maxDiff(a, ra) === 0 && maxDiff(d, rd) === 0, `axis ${axis}: dwtAxis equals dwt`);
      const rec = idwtAxis(a, d, 'sym3', 'antireflect', axis);
      const n = x.shape[axis < 0 ? axis + 4 : axis];
      assert.ok(maxDiff(cropAxis(rec, axis < 0 ? axis + 4 : axis, n), x) < 1e-5, `axis ${axis}: reconstruction`);
    });
  }
  assert.equal(tf.memory().numTensors, before);
  tf.tidy(() => {
    const ints = tf.tensor1d([1, 5, -2, 7, 3], 'int32');
    const [a] = dwtAxis(ints, 'haar', 'periodization');
    assert.equal(a.dtype, 'float32');
    assert.ok(maxDiff(a, dwtAxis(tf.cast(ints, 'float32'), 'haar', 'periodization')[0]) === 0);
  });
  x.dispose();
});

test('cropAxis keeps the leading samples and its gradient zero-pads', () => {
  tf.tidy(() => {
    const x = tf.tensor(pseudoRandom(4 * 6 * 5, 2), [4, 6, 5]);
    for (const [axis, count] of [
      [0, 3],
      [1, 5],
      [2, 1],
    ] as [number, number][]) {
      const size = x.shape.slice();
      size[axis] = count;
      assert.equal(maxDiff(cropAxis(x, axis, count), tf.slice(x, [0, 0, 0], size)), 0, `axis ${axis}`);
      const w = tf.tensor(pseudoRandom(size.reduce((p, q) => p * q, 1), 3), size);
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(cropAxis(t, axis, count), w)))(x);
      const pads = x.shape.map((s, i) => [0, s - size[i]] as [number, number]);
      assert.equal(maxDiff(g, tf.pad(w, pads)), 0, `axis ${axis} gradient`);
    }
  });
});
