import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { WavecvError } from '../../src/errors.js';
import { adversarialAccuracy, classifierFromModel, fgsm, inputGradient, pgd, type Classifier } from '../../src/attacks/index.js';
import { countTopK } from '../../src/metrics/classification.js';
import { demoImages } from '../data/demo-images.js';

const { images, labels } = demoImages(600, 'train');
const evalSet = demoImages(200, 't10k');
let linear: tf.LayersModel;
let linearClassifier: Classifier;
let convClassifier: Classifier;

before(async () => {
  await initEngine();
  // a linear softmax model: its input gradient has a closed form to check against
  linear = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [28, 28, 1] }), tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.randomNormal({ stddev: 0.05, seed: 1 }) })] });
  linearClassifier = classifierFromModel(linear, { mean: [0.3], std: [0.4] });
  // a tiny conv net, briefly trained on the bundled Fashion-MNIST subset
  const conv = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 8, kernelSize: 3, strides: 2, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: 2 }) }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }),
    ],
  });
  conv.compile({ optimizer: tf.train.adam(0.01), loss: (y: tf.Tensor, p: tf.Tensor) => tf.losses.softmaxCrossEntropy(y, p) });
  const x = tf.tensor4d(images.data, images.shape);
  const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 10);
  await conv.fit(x, y, { epochs: 4, batchSize: 50, shuffle: false, verbose: 0 });
  tf.dispose([x, y]);
  convClassifier = classifierFromModel(conv);
});

async function accuracy(classifier: Classifier, x: tf.Tensor4D, y: Int32Array): Promise<number> {
  const logits = classifier(x);
  const acc = await countTopK(logits, y, 1) / y.length;
  logits.dispose();
  return acc;
}

test('inputGradient matches the closed form Wᵀ(softmax − onehot)/std of a linear model behind normalisation', () => {
  const n = 4;
  const x = tf.tensor4d(images.data.subarray(0, n * 784), [n, 28, 28, 1]);
  const y = tf.tensor1d(labels.subarray(0, n), 'int32');
  const g = inputGradient(linearClassifier, x, y).dataSync();
  const [kernel, bias] = linear.getWeights().map((w) => w.dataSync());
  const xs = images.data;
  for (let i = 0; i < n; i++) {
    const z = new Float64Array(10);
    for (let k = 0; k < 10; k++) {
      z[k] = bias[k];
      for (let p = 0; p < 784; p++) z[k] += ((xs[i * 784 + p] - 0.3) / 0.4) * kernel[p * 10 + k];
    }
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    const delta = e.map((v, k) => v / s - (k === labels[i] ? 1 : 0));
    for (let p = 0; p < 784; p++) {
      let expected = 0;
      for (let k = 0; k < 10; k++) expected += kernel[p * 10 + k] * delta[k];
      expected /= 0.4;
      assert.ok(Math.abs(g[i * 784 + p] - expected) < 1e-5 + 1e-4 * Math.abs(expected), `image ${i} pixel ${p}: ${g[i * 784 + p]} vs ${expected}`);
    }
  }
  tf.dispose([x, y]);
});

test('FGSM is exactly clip(x + ε·sign(∇ₓL), 0, 1) and leaks no tensors', () => {
  const x = tf.tensor4d(images.data.subarray(0, 8 * 784), [8, 28, 28, 1]);
  const y = tf.tensor1d(labels.subarray(0, 8), 'int32');
  const start = tf.memory().numTensors;
  const adv = fgsm(linearClassifier, x, y, 0.07);
  assert.equal(tf.memory().numTensors, start + 1);
  const g = inputGradient(linearClassifier, x, y);
  const a = adv.dataSync();
  const s = g.dataSync();
  const xs = x.dataSync();
  let moved = 0;
  for (let i = 0; i < a.length; i++) {
    const expected = Math.min(1, Math.max(0, xs[i] + 0.07 * Math.sign(s[i])));
    assert.ok(Math.abs(a[i] - expected) < 1e-6, `value ${i}: ${a[i]} vs ${expected}`);
    if (Math.abs(a[i] - xs[i]) > 0.069) moved++;
  }
  assert.ok(moved > a.length / 4, 'most pixels move by ε (the rest are clipped at 0 or 1)');
  tf.dispose([x, y, adv, g]);
});

test('PGD stays inside the ε-ball and [0, 1], is seeded, and with one step of size ε from x equals FGSM', () => {
  const x = tf.tensor4d(evalSet.images.data.subarray(0, 16 * 784), [16, 28, 28, 1]);
  const y = tf.tensor1d(evalSet.labels.subarray(0, 16), 'int32');
  const start = tf.memory().numTensors;
  const adv = pgd(convClassifier, x, y, { epsilon: 0.05, steps: 5, seed: 4 });
  assert.equal(tf.memory().numTensors, start + 1, 'only the result is left');
  const a = adv.dataSync();
  const xs = x.dataSync();
  let maxDelta = 0;
  for (let i = 0; i < a.length; i++) {
    maxDelta = Math.max(maxDelta, Math.abs(a[i] - xs[i]));
    assert.ok(a[i] >= 0 && a[i] <= 1);
  }
  assert.ok(maxDelta <= 0.05 + 1e-6 && maxDelta > 0.04, `max |δ| = ${maxDelta}`);
  const again = pgd(convClassifier, x, y, { epsilon: 0.05, steps: 5, seed: 4 });
  assert.deepEqual(again.dataSync(), a);
  const oneStep = pgd(convClassifier, x, y, { epsilon: 0.05, steps: 1, stepSize: 0.05, randomStart: false });
  const f = fgsm(convClassifier, x, y, 0.05);
  assert.deepEqual(oneStep.dataSync(), f.dataSync());
  tf.dispose([x, y, adv, again, oneStep, f]);
});

test('the attacks reduce the accuracy of a trained model, PGD at least as much as FGSM', async () => {
  const x = tf.tensor4d(evalSet.images.data, evalSet.images.shape);
  const clean = await accuracy(convClassifier, x, evalSet.labels);
  x.dispose();
  const start = tf.memory().numTensors;
  const fgsmAcc = await adversarialAccuracy(convClassifier, evalSet.images, evalSet.labels, { kind: 'fgsm', epsilon: 0.1 }, { batchSize: 64 });
  const pgdAcc = await adversarialAccuracy(convClassifier, evalSet.images, evalSet.labels, { kind: 'pgd', epsilon: 0.1, steps: 5 }, { batchSize: 64 });
  const small = await adversarialAccuracy(convClassifier, evalSet.images, evalSet.labels, { kind: 'fgsm', epsilon: 0 }, { batchSize: 64 });
  assert.equal(tf.memory().numTensors, start, 'adversarialAccuracy leaves no tensors');
  assert.ok(clean > 0.6, `the tiny model learned something: clean accuracy ${clean}`);
  assert.equal(small, clean, 'ε = 0 changes nothing');
  assert.ok(fgsmAcc < clean - 0.2, `FGSM ε=0.1: ${fgsmAcc} vs clean ${clean}`);
  assert.ok(pgdAcc <= fgsmAcc + 0.02, `PGD ${pgdAcc} vs FGSM ${fgsmAcc}`);
});

test('bad attack arguments throw a WavecvError', () => {
  const x = tf.zeros([2, 28, 28, 1]) as tf.Tensor4D;
  const y = tf.tensor1d([0, 1], 'int32');
  assert.throws(() => fgsm(linearClassifier, x, y, -0.1), (e: unknown) => e instanceof WavecvError && /epsilon: got -0.1/.test(e.message));
  assert.throws(() => pgd(linearClassifier, x, y, { epsilon: 0.1, steps: 0 }), (e: unknown) => e instanceof WavecvError && /steps: got 0/.test(e.message));
  assert.throws(() => fgsm(linearClassifier, x, tf.tensor1d([0], 'int32'), 0.1), WavecvError);
  tf.dispose([x, y]);
});
