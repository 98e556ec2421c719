// Registration losses (src/losses/registration.ts) against VoxelMorph's NCC
// and Grad computed in PyTorch/numpy (scripts/gen_registration_fixtures.py):
// values and the NCC gradient; no leaks; errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { WavecvError } from '../../src/errors.js';
import { createLoss } from '../../src/losses/registry.js';
import { gradientSmoothness, mse, ncc, type RegistrationLossContext } from '../../src/losses/registration.js';
import { displacementOf, warp } from '../../src/nn/warp.js';
import type { Objective } from '../../src/train/trainer.js';

const fixtures = JSON.parse(readFileSync(new URL('../fixtures/registration.json', import.meta.url), 'utf8')) as {
  ncc: Array<{ shape: number[]; window: number; a: number[]; b: number[]; loss: number; dB: number[] }>;
  smoothness: Array<{ shape: number[]; field: number[]; l1: number; l2: number }>;
};

test('ncc equals VoxelMorph NCC (windows 9 and 5, 2-D and 3-D) and so does its gradient; no tensors left', async () => {
  await initEngine();
  for (const c of fixtures.ncc) {
    const a = tf.tensor(c.a, c.shape);
    const b = tf.tensor(c.b, c.shape);
    const before = tf.memory().numTensors;
    const loss = ncc(a, b, { window: c.window });
    assert.ok(Math.abs(loss.dataSync()[0] - c.loss) < 1e-5, `${c.shape} w=${c.window}: ${loss.dataSync()[0]} vs ${c.loss}`);
    const grad = tf.grad((x: tf.Tensor) => ncc(a, x, { window: c.window }))(b);
    const g = grad.dataSync();
    const scale = Math.max(...c.dB.map(Math.abs));
    for (let i = 0; i < g.length; i++) assert.ok(Math.abs(g[i] - c.dB[i]) < 1e-4 * scale, `${c.shape} dB[${i}]: ${g[i]} vs ${c.dB[i]}`);
    tf.dispose([loss, grad]);
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([a, b]);
  }
});

test('ncc of an image with itself is −1 inside textured regions; with several channels it averages the channels', async () => {
  await initEngine();
  const x = tf.randomUniform([1, 12, 12, 2], 0, 1, 'float32', 3);
  const self = ncc(x, x, { window: 3 }).dataSync()[0];
  assert.ok(self < -0.99 && self >= -1, String(self));
  const [x0, x1] = tf.split(x, 2, 3);
  const y = tf.randomUniform([1, 12, 12, 2], 0, 1, 'float32', 4);
  const [y0, y1] = tf.split(y, 2, 3);
  const mean = (ncc(x0, y0, { window: 5 }).dataSync()[0] + ncc(x1, y1, { window: 5 }).dataSync()[0]) / 2;
  assert.ok(Math.abs(ncc(x, y, { window: 5 }).dataSync()[0] - mean) < 1e-6);
  assert.ok(Math.abs(mse(x, y).dataSync()[0] - tf.mean(tf.square(tf.sub(x, y))).dataSync()[0]) < 1e-7);
});

test('gradientSmoothness equals VoxelMorph Grad (l1, l2; 2-D and 3-D)', async () => {
  await initEngine();
  for (const c of fixtures.smoothness) {
    const field = tf.tensor(c.field, c.shape);
    assert.ok(Math.abs(gradientSmoothness(field, { penalty: 'l1' }).dataSync()[0] - c.l1) < 1e-5);
    assert.ok(Math.abs(gradientSmoothness(field, { penalty: 'l2' }).dataSync()[0] - c.l2) < 1e-5);
    field.dispose();
  }
});

test('bad loss arguments are refused naming them', async () => {
  await initEngine();
  const a = tf.zeros([1, 8, 8, 1]);
  assert.throws(() => ncc(a, a, { window: 4 }), /window: got 4, expected an odd positive integer/);
  assert.throws(() => ncc(a, tf.zeros([1, 8, 9, 1])), /b: got tensor of shape \[1, 8, 9, 1\], expected the shape of a, \[1, 8, 8, 1\]/);
  assert.throws(() => gradientSmoothness(tf.zeros([1, 8, 8, 2]), { penalty: 'l3' as 'l1' }), /penalty: got "l3", expected l1 or l2/);
});

test('the registration losses of the registry: ncc and mse + λ·smoothness of the field (the velocity for a diffeomorphic model); options checked by the loss', async () => {
  await initEngine();
  const fixed = tf.randomUniform([1, 12, 12, 1], 0, 1, 'float32', 5);
  const moving = tf.randomUniform([1, 12, 12, 1], 0, 1, 'float32', 6);
  const field = tf.mul(tf.randomNormal([1, 12, 12, 2], 0, 1, 'float32', 7), 0.5);
  // The trainer runs an objective inside its gradient scope; here a tidy frees the intermediates.
  const lossOf = (name: string, options: Record<string, unknown>, kind: 'displacement' | 'velocity') => {
    let values: number[] = [];
    tf.tidy(() => {
      const result = createLoss<RegistrationLossContext, Objective>('registration', name, options, { field: kind }).compute(field, { fixed, moving }, {} as never);
      values = [result.loss, result.metrics!.similarity, result.metrics!.smoothness].map((t) => t.dataSync()[0]);
    });
    return values;
  };
  const byHand = (similarity: (a: tf.Tensor, b: tf.Tensor) => tf.Scalar, lambda: number, penalty: 'l1' | 'l2', kind: 'displacement' | 'velocity') =>
    tf.tidy(() => {
      const warped = warp(moving, displacementOf(field, kind));
      return similarity(fixed, warped).dataSync()[0] + lambda * gradientSmoothness(field, { penalty }).dataSync()[0];
    });
  const before = tf.memory().numTensors;
  const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-5, `${what}: ${a} vs ${b}`);
  close(lossOf('ncc', {}, 'displacement')[0], byHand((a, b) => ncc(a, b, { window: 9 }), 2, 'l2', 'displacement'), 'ncc defaults (window 9, λ 2, l2)');
  close(lossOf('ncc', { window: 5, lambda: 0.5, penalty: 'l1' }, 'velocity')[0], byHand((a, b) => ncc(a, b, { window: 5 }), 0.5, 'l1', 'velocity'), 'ncc, velocity');
  const [total, similarity, smoothness] = lossOf('mse', { lambda: 0.1 }, 'displacement');
  close(total, byHand(mse, 0.1, 'l2', 'displacement'), 'mse');
  close(total, similarity + 0.1 * smoothness, 'logged terms');
  assert.equal(tf.memory().numTensors, before, 'no tensors left');
  const refused = (name: string, options: Record<string, unknown>, pattern: RegExp) =>
    assert.throws(() => createLoss('registration', name, options, { field: 'displacement' }), (e: unknown) => e instanceof WavecvError && pattern.test(e.message), JSON.stringify(options));
  refused('mse', { window: 5 }, /^lossOptions\.window: got 5, expected no such option for loss mse, which takes lambda, penalty$/);
  refused('ncc', { window: 4 }, /^lossOptions\.window: got 4, expected an odd positive integer$/);
  refused('ncc', { lambda: -1 }, /^lossOptions\.lambda: got -1, expected a number ≥ 0$/);
  refused('ncc', { penalty: 'l3' }, /^lossOptions\.penalty: got "l3", expected l1 or l2$/);
  refused('lncc', {}, /^loss: got "lncc", expected one of ncc, mse$/);
  tf.dispose([fixed, moving, field]);
});
