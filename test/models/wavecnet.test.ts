import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { WavecvError } from '../../src/errors.js';
import { createModel, listModels } from '../../src/models/index.js';
import { countTrainableParams } from '../../src/nn/core.js';

test('cnn28: forward shape, parameter count and seeded weights', async () => {
  await initEngine();
  const model = createModel('cnn28', { seed: 7 });
  assert.deepEqual(model.inputs[0].shape, [null, 28, 28, 1]);
  assert.equal(countTrainableParams(model), 140_458);
  const before = tf.memory().numTensors;
  const y = tf.tidy(() => model.predict(tf.ones([2, 28, 28, 1])) as tf.Tensor);
  assert.deepEqual(y.shape, [2, 10]);
  y.dispose();
  assert.equal(tf.memory().numTensors, before);
  const again = createModel('cnn28', { seed: 7 });
  const a = model.getWeights()[0].dataSync();
  const b = again.getWeights()[0].dataSync();
  assert.deepEqual(Array.from(a), Array.from(b));
  model.dispose();
  again.dispose();
});

test('resnet18-cifar: 32×32 forward and 11,173,962 trainable parameters', async () => {
  await initEngine();
  const model = createModel('resnet18-cifar', { numClasses: 10, randomInit: false });
  assert.equal(countTrainableParams(model), 11_173_962);
  const y = tf.tidy(() => model.predict(tf.ones([1, 32, 32, 3])) as tf.Tensor);
  assert.deepEqual(y.shape, [1, 10]);
  y.dispose();
  model.dispose();
  // width 16 (stages 16–128): 9·3·16 + … by the same block formula, 701,466 parameters
  const narrow = createModel('resnet18-cifar', { width: 16, randomInit: false });
  assert.equal(countTrainableParams(narrow), 701_466);
  assert.deepEqual(narrow.getLayer('layer4_1_2_conv').getWeights()[0].shape, [3, 3, 128, 128]);
  narrow.dispose();
});

test('registry lists the WaveCNet names and rejects bad options by name', async () => {
  const names = listModels('wavecnet').map((e) => e.name);
  for (const n of ['cnn28', 'resnet18-cifar', 'resnet18', 'resnet34', 'resnet50', 'resnet101']) assert.ok(names.includes(n), n);
  assert.throws(() => createModel('cnn28', { widht: 3 }), (e: unknown) => e instanceof WavecvError && /widht/.test(e.message));
  assert.throws(() => createModel('cnn28', { wavelet: 'db99' }), (e: unknown) => e instanceof WavecvError && /db99/.test(e.message));
  assert.throws(() => createModel('cnn28', { bands: 'high' }), (e: unknown) => e instanceof WavecvError && /bands/.test(e.message));
  assert.throws(() => createModel('resnet18', { inputSize: 16 }), (e: unknown) => e instanceof WavecvError && /inputSize/.test(e.message));
});

test('models (vanilla and wavelet) run at small inputs and return one logit per class', async () => {
  await initEngine();
  const cases: Array<[string, number, Record<string, unknown>]> = [
    ['resnet18', 32, {}],
    ['resnet50', 32, { wavelet: 'haar' }],
    ['densenet121', 32, { wavelet: 'db3', bands: 'average' }],
    ['vgg16bn', 32, { wavelet: 'coif1' }],
    ['resnet18-cifar', 28, { wavelet: 'sym2', bands: 'concat' }],
  ];
  for (const [name, inputSize, extra] of cases) {
    const model = createModel(name, { inputSize, numClasses: 7, randomInit: false, ...extra });
    const before = tf.memory().numTensors;
    const y = tf.tidy(() => model.predict(tf.ones([2, inputSize, inputSize, 3])) as tf.Tensor);
    assert.deepEqual(y.shape, [2, 7], name);
    assert.ok(Array.from(y.dataSync()).every(Number.isFinite), name);
    y.dispose();
    assert.equal(tf.memory().numTensors, before, name);
    model.dispose();
  }
});

test('a wavelet model saves and loads with identical predictions', async () => {
  await initEngine();
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { saveModel, loadModel } = await import('../../src/io/model-io.js');
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-wavecnet-'));
  try {
    const model = createModel('cnn28', { width: 8, seed: 5, wavelet: 'bior2.2', bands: 'concat' });
    await saveModel(model, join(dir, 'm'));
    const loaded = await loadModel(join(dir, 'm'));
    assert.equal(loaded.name, 'cnn28_bior2.2_concat');
    assert.equal(loaded.layers.filter((l) => l.getClassName() === 'WaveletPool2D').length, 2);
    const x = tf.randomUniform([2, 28, 28, 1], 0, 1, 'float32', 1);
    const [a, b] = [model, loaded].map((m) => m.predict(x) as tf.Tensor);
    assert.deepEqual(Array.from(b.dataSync()), Array.from(a.dataSync()));
    tf.dispose([x, a, b]);
    model.dispose();
    loaded.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
