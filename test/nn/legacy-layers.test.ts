// Models saved while GroupedConv, InstanceNorm and NearestUpsample lived in
// src/models/winet/layers.ts and HardShrink, ScatterEven3D and
// UpsampleAlignCorners3D in src/models/waveunet3d/layers.ts still load, under
// their old class names, and predict what they predicted when saved; a model
// built today from the layer library takes their weights and predicts the same.
//
// test/fixtures/legacy-layers was written by saveModel at commit 931e54a:
//  - winet/: createModel('winet', { dims: 2, size: [16, 16], startChannels: 1, seed: 7 });
//  - layers/: the two-input model `legacyLayersModel` below builds, with the
//    old classes in place of the library's (GroupedConv, InstanceNorm,
//    HardShrink under the same names; ScatterEven3D, UpsampleAlignCorners3D,
//    NearestUpsample where it has ScatterEven, Interpolate(linear,
//    alignCorners) and Interpolate(nearest)), seeds 1 and 2;
//  - outputs.json: predict() of each on inputs x_k[i] = (k + 1)·(sin 0.37i + ¼ cos 0.011i²).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { loadModel } from '../../src/io/model-io.js';
import { createModel } from '../../src/models/index.js';
import { GroupedConv, HardShrink, InstanceNorm, Interpolate, ScatterEven } from '../../src/nn/index.js';

const fixture = (path: string) => fileURLToPath(new URL(`../fixtures/legacy-layers/${path}`, import.meta.url));
const saved = JSON.parse(readFileSync(fixture('outputs.json'), 'utf8')) as Record<'winet' | 'layers', { inputShapes: number[][]; outputs: Array<{ shape: number[]; values: number[] }> }>;

function inputs(shapes: number[][]): tf.Tensor[] {
  return shapes.map((shape, k) => {
    const n = shape.reduce((a, b) => a * b, 1);
    return tf.tensor(Float32Array.from({ length: n }, (_, i) => (k + 1) * (Math.sin(0.37 * i) + 0.25 * Math.cos(0.011 * i * i))), shape);
  });
}

/** Largest |a − b| relative to the largest |b|. */
function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  assert.equal(actual.length, expected.length);
  let worst = 0;
  let peak = 0;
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
    peak = Math.max(peak, Math.abs(expected[i]));
  }
  return worst / Math.max(peak, 1e-12);
}

function checkOutputs(model: tf.LayersModel, name: 'winet' | 'layers', what: string): void {
  const xs = inputs(saved[name].inputShapes);
  const ys = [model.predict(xs)].flat() as tf.Tensor[];
  saved[name].outputs.forEach((expected, k) => {
    assert.deepEqual(ys[k].shape, expected.shape, `${what} output ${k} shape`);
    const error = relativeError(ys[k].dataSync(), expected.values);
    assert.ok(error < 1e-5, `${what} output ${k}: relative error ${error}`);
  });
  tf.dispose([...xs, ...ys]);
}

/** The fixture's `layers` model, built from the layer library. */
function legacyLayersModel(): tf.LayersModel {
  const vol = tf.input({ shape: [4, 4, 4, 2], name: 'volume' });
  const img = tf.input({ shape: [4, 6, 3], name: 'image' });
  let v = new GroupedConv({ name: 'gconv3', filters: 4, kernelSize: 3, padding: 1, strides: 2, groups: 2, seed: 1 }).apply(vol) as tf.SymbolicTensor;
  v = new InstanceNorm({ name: 'inorm3' }).apply(v) as tf.SymbolicTensor;
  v = new HardShrink({ name: 'shrink', lambda: 0.3 }).apply(v) as tf.SymbolicTensor;
  const a = new ScatterEven({ name: 'scatter' }).apply(v) as tf.SymbolicTensor;
  const b = new Interpolate({ name: 'trilinear', mode: 'linear', alignCorners: true }).apply(v) as tf.SymbolicTensor;
  const c = new Interpolate({ name: 'nearest3' }).apply(v) as tf.SymbolicTensor;
  const v3 = tf.layers.concatenate({ name: 'cat3' }).apply([a, b, c]) as tf.SymbolicTensor;
  let i2 = new Interpolate({ name: 'nearest2' }).apply(img) as tf.SymbolicTensor;
  i2 = new GroupedConv({ name: 'gconv2', filters: 6, kernelSize: 3, groups: 3, useBias: false, seed: 2 }).apply(i2) as tf.SymbolicTensor;
  i2 = new InstanceNorm({ name: 'inorm2', epsilon: 1e-3 }).apply(i2) as tf.SymbolicTensor;
  return tf.model({ inputs: [vol, img], outputs: [v3, i2], name: 'legacy_layers' });
}

test('a model of every moved layer saved under the old class names loads as the library layers and predicts as saved', async () => {
  await initEngine();
  const legacy = await loadModel(fixture('layers'));
  const classOf = (name: string) => legacy.getLayer(name).getClassName();
  assert.deepEqual(
    ['gconv3', 'inorm3', 'shrink', 'scatter', 'trilinear', 'nearest3', 'gconv2', 'inorm2'].map(classOf),
    ['WavecvGroupedConv', 'WavecvInstanceNorm', 'HardShrink', 'ScatterEven3D', 'UpsampleAlignCorners3D', 'WavecvNearestUpsample', 'WavecvGroupedConv', 'WavecvInstanceNorm'],
  );
  assert.ok(legacy.getLayer('scatter') instanceof ScatterEven);
  for (const name of ['trilinear', 'nearest3', 'nearest2']) assert.ok(legacy.getLayer(name) instanceof Interpolate, name);
  assert.equal((legacy.getLayer('trilinear') as Interpolate).alignCorners, true);
  assert.equal((legacy.getLayer('inorm2') as InstanceNorm).epsilon, 1e-3);
  checkOutputs(legacy, 'layers', 'legacy model');
  const fresh = legacyLayersModel();
  assert.deepEqual(fresh.weights.map((w) => `${w.originalName}:${w.shape}`), legacy.weights.map((w) => `${w.originalName}:${w.shape}`));
  fresh.setWeights(legacy.getWeights());
  checkOutputs(fresh, 'layers', 'library model');
  legacy.dispose();
  fresh.dispose();
});

test('a WiNet saved before its layers moved into the library loads, predicts as saved, and equals the WiNet built today', async () => {
  await initEngine();
  const legacy = await loadModel(fixture('winet'));
  checkOutputs(legacy, 'winet', 'legacy WiNet');
  const fresh = createModel('winet', { dims: 2, size: [16, 16], startChannels: 1, seed: 7 });
  assert.deepEqual(fresh.layers.map((l) => `${l.name}:${l.getClassName()}`), legacy.layers.map((l) => `${l.name}:${l.getClassName()}`));
  assert.deepEqual(fresh.getWeights().map((w) => Array.from(w.dataSync())), legacy.getWeights().map((w) => Array.from(w.dataSync())), 'the same seed draws the same initial weights');
  checkOutputs(fresh, 'winet', 'WiNet of today');
  legacy.dispose();
  fresh.dispose();
});
