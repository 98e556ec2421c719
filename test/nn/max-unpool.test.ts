// 3-D max-unpooling (src/nn/max-unpool.ts MaxUnpool3D) against PyTorch's
// MaxPool3d(return_indices) + MaxUnpool3d (test/fixtures/max-unpool3d.json,
// scripts/gen_max_unpool3d_fixtures.py): values, the first maximum of tied
// windows, the gradient of the values (none to the pooled tensor), no leak,
// save/load, and a clear error for mismatched shapes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { WavecvError } from '../../src/errors.js';
import { MaxUnpool3D, maxPool3DSwitches } from '../../src/nn/index.js';

const F = JSON.parse(readFileSync(new URL('../fixtures/max-unpool3d.json', import.meta.url), 'utf8')) as {
  pooledShape: number[];
  valuesShape: number[];
  pooled: number[];
  values: number[];
  unpooled: number[];
  weights: number[];
  gradValues: number[];
};

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
}

test('MaxUnpool3D equals PyTorch MaxUnpool3d at MaxPool3d indices (ties: first maximum), gradient included', async () => {
  await initEngine();
  const pooled = tf.tensor5d(F.pooled, F.pooledShape as [number, number, number, number, number]);
  const values = tf.tensor5d(F.values, F.valuesShape as [number, number, number, number, number]);
  const u = tf.tensor5d(F.weights, F.pooledShape as [number, number, number, number, number]);
  const layer = new MaxUnpool3D({ name: 'unpool' });
  const before = tf.memory().numTensors;
  const y = layer.apply([values, pooled]) as tf.Tensor;
  close(y.dataSync(), F.unpooled, 1e-6, 'unpooled');
  const [dValues, dPooled] = tf.grads((v: tf.Tensor, p: tf.Tensor) => tf.sum(tf.mul(layer.apply([v, p]) as tf.Tensor, u)))([values, pooled]);
  close(dValues.dataSync(), F.gradValues, 1e-5, 'd values');
  assert.equal(tf.tidy(() => tf.max(tf.abs(dPooled)).dataSync()[0]), 0, 'no gradient to the pooled tensor');
  tf.dispose([y, dValues, dPooled]);
  assert.equal(tf.memory().numTensors, before, 'tensors leaked');
  const switches = maxPool3DSwitches(pooled);
  const perWindow = tf.tidy(() => tf.maxPool3d(switches, 2, 2, 'valid'));
  assert.equal(tf.sum(switches).dataSync()[0], values.size, 'one switch per window');
  assert.equal(tf.min(perWindow).dataSync()[0], 1, 'every window has its switch');
  tf.dispose([pooled, values, u, switches, perWindow]);
});

test('a model with MaxUnpool3D saves and reloads; mismatched inputs get a WavecvError', async () => {
  await initEngine();
  const input = tf.input({ shape: [4, 4, 4, 2] });
  const pooled = tf.layers.maxPooling3d({ poolSize: 2, strides: 2 }).apply(input) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: new MaxUnpool3D({ name: 'unpool' }).apply([pooled, input]) as tf.SymbolicTensor });
  const copy = await tf.models.modelFromJSON({ modelTopology: model.toJSON(null, false) as tf.io.ModelJSON['modelTopology'] });
  const x = tf.randomUniform([1, 4, 4, 4, 2], 0, 1, 'float32', 3);
  const [a, b] = [model.predict(x) as tf.Tensor, copy.predict(x) as tf.Tensor];
  close(b.dataSync(), a.dataSync(), 0, 'reloaded');
  // distinct random values: the unpooled tensor keeps exactly each window's maximum
  assert.equal(tf.sum(tf.notEqual(a, 0)).dataSync()[0], 16);
  assert.ok(Math.abs(tf.sum(a).dataSync()[0] - tf.sum(tf.maxPool3d(x as tf.Tensor5D, 2, 2, 'valid')).dataSync()[0]) < 1e-5);
  assert.throws(
    () => new MaxUnpool3D({ name: 'bad' }).apply([tf.zeros([1, 2, 2, 3, 2]), tf.zeros([1, 4, 4, 4, 2])]),
    (e) => e instanceof WavecvError && /bad inputs: got "\[1, 2, 2, 3, 2\] and \[1, 4, 4, 4, 2\]", expected values \[B, d, h, w, C\]/.test(e.message),
  );
  tf.dispose([x, a, b]);
  model.dispose();
  copy.dispose();
});
