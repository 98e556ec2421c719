import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { readThreshold } from '../../src/losses/common.js';
import { DataLoader, ImageArrayDataset } from '../../src/data/dataset.js';
import { initEngine } from '../../src/engine/backend.js';
import { Rng } from '../../src/engine/random.js';
import { createFaceLoss, ExplainableChannelLoss, faceObjective, modelWithLayerOutput, type EplLoss, type FaceLoss, type UniTSFaceLoss } from '../../src/losses/index.js';
import { withSeededRandom } from '../../src/engine/seed.js';
import { Trainer } from '../../src/train/trainer.js';

before(async () => {
  await initEngine();
});

/** 4×4 images whose class (of 4) is which quarter is brightest; an 8-d embedding net. */
function data(n: number, seed: number): ImageArrayDataset {
  const rng = new Rng(seed);
  const images = new Float32Array(n * 16);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 4;
    for (let p = 0; p < 16; p++) images[i * 16 + p] = 0.3 * rng.next() + (Math.floor(p / 4) === labels[i] ? 0.7 : 0);
  }
  return new ImageArrayDataset(images, [n, 4, 4, 1], labels, ['a', 'b', 'c', 'd']);
}

function embedder(seed: number): tf.LayersModel {
  return withSeededRandom(seed, () => {
    const input = tf.input({ shape: [4, 4, 1] });
    const flat = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
    const hidden = tf.layers.dense({ units: 12, activation: 'relu' }).apply(flat) as tf.SymbolicTensor;
    return tf.model({ inputs: input, outputs: tf.layers.dense({ units: 8 }).apply(hidden) as tf.SymbolicTensor });
  });
}

function run(name: string, outDir: string | undefined, modelSeed: number, options: { signal?: AbortSignal; stopAt?: () => void; steps: number; onStep?: (step: number, metrics: Record<string, number>) => void }) {
  const model = embedder(modelSeed);
  const loss = createFaceLoss(name, { numClasses: 4, embeddingDim: 8, seed: modelSeed, scale: 16, startEpoch: 1 });
  const trainer = new Trainer({
    model,
    objective: faceObjective(loss),
    data: new DataLoader(data(32, 5), { batchSize: 8, seed: 6 }),
    optimizer: { type: 'sgd', lr: 0.1, momentum: 0.9 },
    maxSteps: options.steps,
    seed: 7,
    outDir,
    checkpoint: outDir ? { everySteps: 3 } : undefined,
    signal: options.signal,
    onStep: (r) => options.onStep?.(r.step, r.metrics),
  });
  return { model, loss, trainer };
}

const snapshot = (model: tf.LayersModel, loss: FaceLoss) => [
  ...model.weights.map((w) => Array.from(w.read().dataSync())),
  ...Object.values(loss.getState().tensors).map((t) => Array.from(t.dataSync())),
];

test('UniTSFace through the trainer: memory fills in epoch 0, USS starts in epoch 1 with a logged threshold, no leaks', async () => {
  const counts: number[] = [];
  const thresholds: Array<number | undefined> = [];
  const { model, loss, trainer } = run('uss', undefined, 1, {
    steps: 12,
    onStep: (_s, m) => {
      counts.push(tf.memory().numTensors);
      thresholds.push(m.threshold);
    },
  });
  const result = await trainer.fit();
  assert.equal(result.steps, 12);
  const uts = loss as UniTSFaceLoss;
  assert.equal(uts.sampleToSample.filledCount(), 4);
  assert.deepEqual(thresholds.slice(0, 4), [undefined, undefined, undefined, undefined], 'no unified threshold in epoch 0');
  assert.ok(thresholds.slice(4).every((t) => typeof t === 'number' && Number.isFinite(t)), 'USS threshold logged from epoch 1');
  assert.equal(counts[counts.length - 1], counts[5], `tensor count steady: ${counts.join(',')}`);
  assert.ok(result.history[2].train.accuracy >= result.history[0].train.accuracy);
  trainer.dispose();
  model.dispose();
  loss.dispose();
});

test('EPL and UniTSFace runs stopped mid-epoch and resumed end bit-for-bit where uninterrupted runs end', async () => {
  for (const name of ['epl', 'uss']) {
    const whole = mkdtempSync(join(tmpdir(), 'wavecv-face-objective-'));
    const split = mkdtempSync(join(tmpdir(), 'wavecv-face-objective-'));
    try {
      const a = run(name, whole, 3, { steps: 10 });
      await a.trainer.fit();
      const expected = snapshot(a.model, a.loss);
      if (name === 'epl') assert.equal((a.loss as EplLoss).empiricalActive, true);

      const controller = new AbortController();
      const b = run(name, split, 3, { steps: 10, signal: controller.signal, onStep: (s) => s === 6 && controller.abort() });
      assert.equal((await b.trainer.fit()).stopped, 'aborted');

      const c = run(name, split, 99, { steps: 10 });
      assert.equal(await c.trainer.resume(), true);
      await c.trainer.fit();
      const actual = snapshot(c.model, c.loss);
      assert.equal(actual.length, expected.length);
      actual.forEach((w, i) => assert.deepEqual(w, expected[i], `${name}: tensor ${i}`));
      assert.equal((await readThreshold(c.loss)), (await readThreshold(a.loss)));
      for (const r of [a, b, c]) {
        r.trainer.dispose();
        r.model.dispose();
        r.loss.dispose();
      }
    } finally {
      rmSync(whole, { recursive: true, force: true });
      rmSync(split, { recursive: true, force: true });
    }
  }
});

test('faceObjective adds ECLoss on a chosen conv layer and logs it', async () => {
  const model = withSeededRandom(4, () => {
    const input = tf.input({ shape: [4, 4, 1] });
    const conv = tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu', name: 'parts' }).apply(input) as tf.SymbolicTensor;
    const emb = tf.layers.dense({ units: 8 }).apply(tf.layers.flatten().apply(conv)) as tf.SymbolicTensor;
    return tf.model({ inputs: input, outputs: emb });
  });
  const twoOutputs = modelWithLayerOutput(model, 'parts');
  const ec = new ExplainableChannelLoss();
  const loss = createFaceLoss('cosface', { numClasses: 4, embeddingDim: 8, scale: 16 });
  const values: number[] = [];
  const trainer = new Trainer({
    model: twoOutputs,
    objective: faceObjective(loss, { ecloss: { loss: ec, output: 1, weight: 0.5 } }),
    data: new DataLoader(data(32, 5), { batchSize: 8, seed: 6 }),
    optimizer: { type: 'sgd', lr: 0.05 },
    maxSteps: 8,
    seed: 7,
    onStep: (r) => values.push(r.metrics.ecloss),
  });
  const kernelBefore = Array.from(model.getLayer('parts').getWeights()[0].dataSync());
  await trainer.fit();
  assert.equal(values.length, 8);
  assert.ok(values.every((v) => Number.isFinite(v) && v >= 0), `ecloss values ${values.join(', ')}`);
  const kernelAfter = Array.from(model.getLayer('parts').getWeights()[0].dataSync());
  assert.notDeepEqual(kernelAfter, kernelBefore, 'the target layer trains');
  trainer.dispose();
  model.dispose();
  loss.dispose();
  ec.dispose();
});
