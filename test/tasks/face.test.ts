import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { loadModel } from '../../src/io/model-io.js';
import { trainFace, rocAuc, type FaceModelMetadata } from '../../src/tasks/face.js';
import { ClassSubsetDataset, drawPairs, openMnistPackage } from '../../src/tasks/face-data.js';
import { WavecvError } from '../../src/errors.js';

test('drawPairs: seeded, half same / half different in every fold, no self pairs', () => {
  const labels = Int32Array.from({ length: 60 }, (_, i) => i % 3);
  const p = drawPairs(labels, 40, 5, 10);
  assert.deepEqual(drawPairs(labels, 40, 5, 10), p);
  assert.notDeepEqual(drawPairs(labels, 40, 6, 10), p);
  for (let f = 0; f < 10; f++) assert.deepEqual(p.same.slice(4 * f, 4 * f + 4), [true, true, false, false]);
  p.a.forEach((a, i) => {
    assert.notEqual(a, p.b[i]);
    assert.equal(labels[a] === labels[p.b[i]], p.same[i]);
  });
  assert.throws(() => drawPairs(labels, 30, 1), (e: unknown) => e instanceof WavecvError && /^pairs/.test(e.message));
});

test('ClassSubsetDataset keeps and renumbers classes, with a per-class cap', async () => {
  const mnist = openMnistPackage();
  const sub = new ClassSubsetDataset(mnist.test!, [7, 2], 3);
  assert.deepEqual(sub.classNames, ['7', '2']);
  assert.deepEqual([...sub.labels()].sort(), [0, 0, 0, 1, 1, 1]);
  const batch = await sub.getBatch([0, 5]);
  assert.deepEqual(batch.image.shape, [2, 28, 28, 1]);
  assert.equal(rocAuc([0, 0, 1], [0, 1, 1]), 1);
  assert.equal(rocAuc([0, 1], [0, 1]), 0.5);
});

test('trainFace: tiny IResNet + USS on MNIST digits 0–6, closed-set and open-set (7–9) evaluation, model with threshold', async () => {
  await initEngine();
  const out = mkdtempSync(join(tmpdir(), 'wavecv-face-task-'));
  try {
    const before = tf.memory().numTensors;
    const result = await trainFace({
      backbone: 'iresnet-tiny',
      modelOptions: { widths: [8, 16], embeddingSize: 16 },
      loss: 'uss',
      lossOptions: { startEpoch: 1 },
      data: 'mnist',
      classes: [0, 1, 2, 3, 4, 5, 6],
      perClass: 16,
      openSet: { classes: [7, 8, 9], pairs: 100, seed: 3 },
      epochs: 2,
      batchSize: 28,
      optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 5e-4 },
      seed: 1,
      out,
    });
    assert.equal(tf.memory().numTensors, before, 'trainFace leaves no tensors');
    assert.equal(result.stopped, 'completed');
    assert.equal(result.steps, 8);
    // USS learns its unified bias after the warm-up epoch: t = b/γ is a cosine.
    assert.ok(result.threshold !== null && result.threshold > -1 && result.threshold < 1, `threshold ${result.threshold}`);
    const closed = result.closedSet!;
    const testLabels = openMnistPackage().test!.labels();
    assert.equal(closed.samples, testLabels.filter((y) => y < 7).length);
    assert.ok(closed.uniformAccuracy <= closed.sampleWiseAccuracy);
    assert.equal(closed.learnedThreshold, result.threshold);
    const open = result.openSet!;
    assert.equal(open.pairs, 100);
    assert.deepEqual(open.classes, ['7', '8', '9']);
    assert.ok(open.accuracy.mean >= 0 && open.accuracy.mean <= 1 && open.auc >= 0 && open.auc <= 1);
    assert.equal(open.tarAtFar.length, 6);
    for (const f of ['metrics.json', 'training-curve.png', 'roc.png', 'config.json', 'log.jsonl', 'model/model.json']) assert.ok(existsSync(join(out, f)), f);
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    assert.equal(metrics.learnedThreshold, result.threshold);
    const model = await loadModel(join(out, 'model'));
    const meta = model.getUserDefinedMetadata() as unknown as FaceModelMetadata;
    assert.equal(meta.task, 'face');
    assert.equal(meta.format, 'wavecv-model');
    assert.equal(meta.thresholds.learned?.value, result.threshold);
    assert.deepEqual(meta.preprocessing, { inputShape: [28, 28, 1], normalization: { mean: [0.5], std: [0.5] } });
    assert.equal(meta.extension.flip, false);
    assert.equal(meta.extension.loss, 'uss');
    assert.equal(meta.model.name, 'iresnet-tiny');
    model.dispose();
    await assert.rejects(
      trainFace({ backbone: 'iresnet-tiny', loss: 'uss', data: 'mnist', epochs: 1, optimizer: { type: 'sgd', lr: 0.1 }, seed: 1, out }),
      (e: unknown) => e instanceof WavecvError && /^out/.test(e.message),
    );
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('trainFace checks the open set, the classes and the pairs before any work', async () => {
  const out = join(tmpdir(), `wavecv-face-never-${process.pid}`);
  const common = { backbone: 'iresnet-tiny', loss: 'uss', data: 'mnist', epochs: 1, optimizer: { type: 'sgd' as const, lr: 0.1 }, seed: 1, out };
  const refused = (options: Partial<Parameters<typeof trainFace>[0]>, pattern: RegExp) =>
    assert.rejects(trainFace({ ...common, ...options }), (e: unknown) => e instanceof WavecvError && pattern.test(e.message));
  await refused({ classes: [0, 1, 2], openSet: { classes: [2, 3] } }, /^openSet: got 2, expected classes not used in training/);
  await refused({ openSet: { classes: [7, 8] } }, /^openSet: got \[7, 8\], expected classes held out of training/);
  await refused({ classes: [0, 1], openSet: { classes: [7, 8], pairs: 30 } }, /^pairs: got 30, expected a multiple of 20/);
  await refused({ classes: [0, 0, 1] }, /^classes: got \[0, 0, 1\], expected distinct class indices/);
  await refused({ classes: [0, 12] }, /^classes: got 12, expected a class index in \[0, 10\)/);
  await refused({ loss: 'sphereface' }, /^loss: got "sphereface"/);
  assert.ok(!existsSync(out), 'nothing written');
});
