// The one-axis building blocks exported for layers: dwtAxis/idwtAxis on any
// axis of an NHWC tensor (int32 input cast), and cropAxis with its gradient.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { cropAxis, dwtAxis, idwtAxis } from '../../src/wavelets/transform.js';
import { pseudoRandom, refDwt } from './helpers.js';

before(async () => {
  await initEngine();
});

const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

/** The first line of `t` along `axis` (all other indices 0). */
function firstLine(t: tf.Tensor, axis: number): number[] {
  return tf.tidy(() => {
    const perm = [...t.shape.keys()].filter((i) => i !== axis).concat(axis);
    return Array.from(tf.transpose(t, perm).reshape([-1, t.shape[axis]]).dataSync().slice(0, t.shape[axis]));
  });
}

const lineDiff = (got: number[], want: number[]): number => Math.max(...want.map((v, i) => Math.abs(got[i] - v)));

test('dwtAxis/idwtAxis on every axis of an NHWC tensor match the reference DWT of a line and reconstruct; int32 input is cast', () => {
  const x = tf.tensor(pseudoRandom(2 * 9 * 7 * 3, 1), [2, 9, 7, 3]);
  const before = tf.memory().numTensors;
  for (const axis of [0, 1, 2, 3, -1]) {
    tf.tidy(() => {
      const [a, d] = dwtAxis(x, 'sym3', 'antireflect', axis);
      const ax = axis < 0 ? axis + 4 : axis;
      const [ra, rd] = refDwt(firstLine(x, ax), 'sym3', 'antireflect');
      assert.ok(lineDiff(firstLine(a, ax), ra) < 1e-5 && lineDiff(firstLine(d, ax), rd) < 1e-5, `axis ${axis}: dwtAxis equals the reference DWT`);
      const rec = idwtAxis(a, d, 'sym3', 'antireflect', axis);
      assert.ok(maxDiff(cropAxis(rec, ax, x.shape[ax]), x) < 1e-5, `axis ${axis}: reconstruction`);
    });
  }
  assert.equal(tf.memory().numTensors, before);
  tf.tidy(() => {
    const ints = tf.tensor1d([1, 5, -2, 7, 3], 'int32');
    const [a] = dwtAxis(ints, 'haar', 'periodization');
    assert.equal(a.dtype, 'float32');
    assert.ok(lineDiff(Array.from(a.dataSync()), refDwt([1, 5, -2, 7, 3], 'haar', 'periodization')[0]) < 1e-6);
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
