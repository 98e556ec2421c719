import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { createModel, listModels } from '../../src/models/index.js';
import { embedFaces, featureModel, iresnet, mobileFaceNet } from '../../src/models/face/index.js';
import { saveModel, loadModel } from '../../src/io/model-io.js';
import { WavecvError } from '../../src/errors.js';
import type { BatchNorm } from '../../src/nn/norm.js';

interface Arr {
  shape: number[];
  b64: string;
}
interface Case {
  family: 'iresnet' | 'mobilefacenet';
  config: Record<string, unknown>;
  input: Arr;
  output: Arr;
  weights: Record<string, Arr[]>;
}

function decode(a: Arr): tf.Tensor {
  const bytes = Buffer.from(a.b64, 'base64');
  return tf.tensor(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4), a.shape);
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/faces/backbones.json', import.meta.url), 'utf8')) as { cases: Case[] };

for (const c of fixture.cases) {
  test(`${c.family} ${String(c.config.style ?? '')} matches the PyTorch reference (scripts/gen_face_fixtures.py)`, async () => {
    await initEngine();
    const model = c.family === 'iresnet' ? iresnet(c.config) : mobileFaceNet(c.config);
    const withWeights = model.layers.filter((l) => l.weights.length > 0);
    assert.deepEqual(new Set(withWeights.map((l) => l.name)), new Set(Object.keys(c.weights)), 'layer names match the reference modules');
    // The fixture lists each layer's arrays in PyTorch-like order; find them by weight name
    // (the frozen-scale BN lists its non-trainable gamma after beta).
    const ORDER = ['kernel', 'depthwise_kernel', 'alpha', 'gamma', 'beta', 'moving_mean', 'moving_variance', 'bias'];
    for (const layer of withWeights) {
      const names = layer.weights.map((w) => w.originalName.split('/').pop()!);
      const canonical = [...names].sort((p, q) => ORDER.indexOf(p) - ORDER.indexOf(q));
      const given = c.weights[layer.name].map(decode);
      const values = names.map((n) => given[canonical.indexOf(n)]);
      assert.deepEqual(values.map((v) => v.shape), layer.weights.map((w) => w.shape), `shapes of ${layer.name}`);
      layer.setWeights(values);
      tf.dispose(given);
    }
    const x = decode(c.input);
    const before = tf.memory().numTensors;
    const y = model.predict(x) as tf.Tensor;
    const expected = decode(c.output);
    assert.deepEqual(y.shape, expected.shape);
    const err = tf.tidy(() => tf.max(tf.abs(tf.sub(y, expected))).dataSync()[0]);
    const scale = tf.tidy(() => tf.max(tf.abs(expected)).dataSync()[0]);
    assert.ok(err < 1e-4 * Math.max(1, scale), `max |tfjs − torch| = ${err} (scale ${scale})`);
    tf.dispose([y, expected]);
    assert.equal(tf.memory().numTensors, before, 'predict leaves no tensors');
    x.dispose();
    model.dispose();
  });
}

test('registry: LResNet18E-IR maps 112×112 to 7×7 after the last stage, with 2×2 stride-2 convs and a 7×7 conv head', async () => {
  await initEngine();
  // Narrow widths keep the test fast; the layout (112 → 7, 2×2 stride-2 convs, 7×7 conv head) is the same.
  const model = createModel('lresnet18e-ir', { widths: [8, 16, 32, 64], embeddingSize: 24 });
  assert.deepEqual(model.outputs[0].shape, [null, 24]);
  assert.deepEqual((model.getLayer('stage4').output as tf.SymbolicTensor).shape, [null, 7, 7, 64]);
  assert.deepEqual(model.getLayer('fc5').getWeights()[0].shape, [7, 7, 64, 24]);
  assert.deepEqual(model.getLayer('layer2_0_conv2').getWeights()[0].shape, [2, 2, 16, 16]);
  assert.deepEqual(model.getLayer('layer2_0_downsample_0').getWeights()[0].shape, [2, 2, 8, 16]);
  assert.equal(model.layers.filter((l) => /^layer\d_\d+_conv1$/.test(l.name)).length, 8);
  model.dispose();
  const names = listModels('face').map((e) => e.name);
  for (const n of ['iresnet18', 'iresnet34', 'iresnet100', 'lresnet100e-ir', 'iresnet-tiny', 'mobilefacenet']) assert.ok(names.includes(n), n);
});

test('IResNet-18 has the published parameter count and blocks, 7×7 after the last stage', async () => {
  await initEngine();
  const model = createModel('iresnet18');
  assert.deepEqual(model.outputs[0].shape, [null, 512]);
  assert.deepEqual((model.getLayer('stage4').output as tf.SymbolicTensor).shape, [null, 7, 7, 512]);
  // 24.0M for insightface r18 (FC 25088×512 dominates); count the layers of each stage.
  const params = model.countParams();
  assert.ok(params > 23.9e6 && params < 24.1e6, `params ${params}`);
  assert.equal(model.layers.filter((l) => /^layer\d_\d+_conv1$/.test(l.name)).length, 8);
  model.dispose();
  const mfn = createModel('mobilefacenet');
  assert.deepEqual(mfn.outputs[0].shape, [null, 128]);
  // MobileFaceNet has about 0.99M parameters (paper §3.2).
  assert.ok(mfn.countParams() > 0.95e6 && mfn.countParams() < 1.05e6, `mobilefacenet params ${mfn.countParams()}`);
  mfn.dispose();
});

test('iresnet-tiny: flip-test embedding is f(x) + f(mirror x), normalised; no tensors leak', async () => {
  await initEngine();
  const model = createModel('iresnet-tiny', { inputSize: 16 });
  const x = tf.randomNormal([3, 16, 16, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
  const before = tf.memory().numTensors;
  const e = embedFaces(model, x, { flip: true, batchSize: 2 });
  assert.equal(tf.memory().numTensors, before + 1);
  const manual = tf.tidy(() => {
    const s = tf.add(model.predict(x) as tf.Tensor, model.predict(tf.reverse(x, 2)) as tf.Tensor);
    return tf.div(s, tf.norm(s, 2, 1, true));
  });
  assert.ok(tf.max(tf.abs(tf.sub(e, manual))).dataSync()[0] < 1e-5);
  const norms = tf.norm(e, 2, 1).dataSync();
  for (const n of norms) assert.ok(Math.abs(n - 1) < 1e-5);
  // A mirrored input gives the same flip-test embedding.
  const mirrored = tf.reverse(x, 2) as tf.Tensor4D;
  const e2 = embedFaces(model, mirrored, { flip: true });
  assert.ok(tf.max(tf.abs(tf.sub(e, e2))).dataSync()[0] < 1e-5);
  tf.dispose([x, e, manual, mirrored, e2]);
  model.dispose();
});

test('featureModel exposes a stage and the embedding with shared weights', async () => {
  await initEngine();
  const model = createModel('iresnet-tiny', { inputSize: 16 });
  const fm = featureModel(model, 'stage1');
  const x = tf.randomNormal([1, 16, 16, 3]);
  const [maps, emb] = fm.predict(x) as tf.Tensor[];
  assert.deepEqual(maps.shape, [1, 8, 8, 16]);
  const direct = model.predict(x) as tf.Tensor;
  assert.ok(tf.max(tf.abs(tf.sub(emb, direct))).dataSync()[0] < 1e-6);
  assert.throws(() => featureModel(model, 'nope'), (e: unknown) => e instanceof WavecvError && /layer: got "nope"/.test(e.message));
  tf.dispose([x, maps, emb, direct]);
  model.dispose();
});

test('face backbones save and load with their weights', async () => {
  await initEngine();
  const model = createModel('iresnet-tiny', { inputSize: 16, style: 'lresnet-eir', seed: 3 });
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-face-'));
  try {
    await saveModel(model, join(dir, 'm'));
    const back = await loadModel(join(dir, 'm'));
    const x = tf.randomNormal([2, 16, 16, 3]);
    const a = model.predict(x) as tf.Tensor;
    const b = back.predict(x) as tf.Tensor;
    assert.ok(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] < 1e-6);
    // The embedding BN keeps its scale frozen at 1 after a reload, and trains in training mode.
    for (const m of [model, back]) {
      const bn = m.getLayer('bn5');
      assert.equal(bn.getClassName(), 'WavecvBatchNorm');
      assert.equal((bn as BatchNorm).frozenScale, true);
      assert.deepEqual(bn.trainableWeights.map((w) => w.originalName.split('/').pop()), ['beta']);
      assert.ok(m.trainableWeights.every((w) => !w.originalName.startsWith('bn5/gamma')));
    }
    const trained = tf.tidy(() => (back.apply(x, { training: true }) as tf.Tensor).shape);
    assert.deepEqual(trained, [2, 64]);
    tf.dispose([x, a, b]);
    back.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
    model.dispose();
  }
});

test('bad options name the argument', async () => {
  await initEngine();
  assert.throws(() => iresnet({ style: 'resnet' as never }), (e: unknown) => e instanceof WavecvError && /^style/.test(e.message));
  assert.throws(() => iresnet({ blocks: [1, 1, 1, 1, 1], inputSize: 16, style: 'lresnet-eir' }), (e: unknown) => e instanceof WavecvError && /^inputSize/.test(e.message));
  assert.throws(() => iresnet({ blocks: [1, 1], widths: [8] }), (e: unknown) => e instanceof WavecvError && /^widths/.test(e.message));
  assert.throws(() => mobileFaceNet({ width: 0 }), (e: unknown) => e instanceof WavecvError && /^width/.test(e.message));
});

// test/fixtures/face-legacy-bn: `createModel('iresnet-tiny', { inputSize: 16, seed: 3 })`
// with random weights and running statistics, saved by saveModel at commit
// 9b4fc6b, when the face backbones used TF.js's BatchNormalization and
// FrozenScaleBatchNormalization, with the outputs of predict() on a fixed input.
test('face models saved with the stock BatchNormalization still load, predict as saved, and train as the wavecv BatchNorm build', async () => {
  await initEngine();
  const fixture = fileURLToPath(new URL('../fixtures/face-legacy-bn/', import.meta.url));
  const saved = JSON.parse(readFileSync(join(fixture, 'outputs.json'), 'utf8')) as { inputShape: number[]; output: number[] };
  const legacy = await loadModel(join(fixture, 'model'));
  assert.ok(legacy.layers.some((l) => l.getClassName() === 'BatchNormalization'));
  assert.equal(legacy.getLayer('features').getClassName(), 'FrozenScaleBatchNormalization');
  const n = saved.inputShape.reduce((a, b) => a * b, 1);
  const x = tf.tensor(Float32Array.from({ length: n }, (_, i) => Math.sin(0.37 * i) + 0.25 * Math.cos(0.011 * i * i)), saved.inputShape);
  const fresh = createModel('iresnet-tiny', { inputSize: 16, seed: 3 });
  assert.ok(fresh.layers.every((l) => !/BatchNormalization/.test(l.getClassName())));
  // The same weights in the same order (Keras's gamma, beta, moving_mean, moving_variance).
  assert.deepEqual(fresh.weights.map((w) => `${w.originalName}:${w.shape}`), legacy.weights.map((w) => `${w.originalName}:${w.shape}`));
  fresh.setWeights(legacy.getWeights());
  const [old, now] = [legacy, fresh].map((m) => m.predict(x) as tf.Tensor);
  const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
  // Random weights and statistics make outputs of size ~1e3: tolerances relative to the largest.
  const scale = Math.max(...saved.output.map(Math.abs));
  assert.ok(maxDiff(old.dataSync(), saved.output) < 1e-5 * scale, 'the legacy model predicts what it predicted when saved');
  assert.ok(maxDiff(now.dataSync(), saved.output) < 1e-5 * scale, 'the wavecv BatchNorm build predicts the same');
  // Training mode (batch statistics) and the gradients agree too; γ of the embedding BN stays frozen in both.
  const grads = (m: tf.LayersModel) => {
    const params = m.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value, grads: g } = tf.variableGrads(() => tf.sum(tf.square(m.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar, params);
    return { value: value.dataSync()[0], names: params.map((p) => p.name.replace(/_\d+$/, '')), values: params.map((p) => g[p.name].dataSync()) };
  };
  const [a, b] = [grads(legacy), grads(fresh)];
  assert.ok(Math.abs(a.value - b.value) < 1e-4 * Math.abs(a.value), `training loss ${a.value} vs ${b.value}`);
  assert.equal(a.values.length, b.values.length);
  a.values.forEach((g, k) => assert.ok(maxDiff(g, b.values[k]) < 2e-3 * (1 + Math.max(...Array.from(g, Math.abs))), `gradient ${k}`));
  assert.ok(!fresh.trainableWeights.some((w) => w.originalName.startsWith('features/gamma')));
  tf.dispose([x, old, now]);
  legacy.dispose();
  fresh.dispose();
});
