import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { FaceDetector } from '../../src/data/faces/detect.js';
import { decodeImage } from '../../src/data/faces/image.js';
import { cropFace } from '../../src/data/forgery/crop.js';
import { saveModel } from '../../src/io/model-io.js';
import { MODEL_METADATA_FORMAT, MODEL_METADATA_VERSION, setModelMetadata } from '../../src/train/run-folder.js';
import { detectForgeries, loadForgeryModel } from '../../src/tasks/forgery-detect.js';
import { oneErrorLine, runCli } from '../cli/helpers.js';

const sample = join(dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')), 'demo', 'sample1.jpg');
const SIZE = 32;
const W = [3, -2, 1.5];

/**
 * A forgery "detector" with known weights: logits = [0, Σ_c w_c·mean(x_c)] over the
 * normalised crop, so its fake probability is a sigmoid we can compute by hand.
 */
async function saveKnownModel(dir: string, task = 'forgery'): Promise<void> {
  const input = tf.input({ shape: [SIZE, SIZE, 3] });
  const pooled = tf.layers.globalAveragePooling2d({}).apply(input) as tf.SymbolicTensor;
  const dense = tf.layers.dense({ units: 2, useBias: false });
  const model = tf.model({ inputs: input, outputs: dense.apply(pooled) as tf.SymbolicTensor });
  dense.setWeights([tf.tensor2d(W.map((w) => [0, w]), [3, 2])]);
  setModelMetadata(model, {
    format: MODEL_METADATA_FORMAT,
    version: MODEL_METADATA_VERSION,
    task,
    model: { name: 'known-weights', options: {} },
    preprocessing: { inputShape: [SIZE, SIZE, 3], normalization: { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] } },
    classNames: ['real', 'fake'],
    thresholds: {},
    training: { steps: 0, seed: 0 },
    extension: {},
  });
  await saveModel(model, join(dir, 'model'));
  model.dispose();
}

test('detect: every face of a real photo, cropped like the training crops, scored by the model (fake = softmax at the fake class)', async () => {
  await initEngine();
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-detect-'));
  try {
    await saveKnownModel(dir);
    const loaded = await loadForgeryModel(dir);
    const detector = await FaceDetector.load();
    const photo = await decodeImage(sample);
    const before = tf.memory().numTensors;
    const found = await detectForgeries(photo, loaded, detector);
    assert.equal(tf.memory().numTensors, before, 'no tensors left behind');
    assert.equal(found.length, 3);
    const faces = await detector.detect(photo);
    found.forEach((f, i) => {
      assert.deepEqual(f.box, faces[i].box);
      const crop = cropFace(photo, faces[i], { scale: 1.3, size: SIZE }).face;
      let logit = 0;
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (let k = c; k < crop.data.length; k += 3) sum += (crop.data[k] / 255 - 0.5) / 0.5;
        logit += (W[c] * sum) / (SIZE * SIZE);
      }
      const expected = 1 / (1 + Math.exp(-logit));
      assert.ok(Math.abs(f.fakeProbability - expected) < 1e-5, `face ${i}: ${f.fakeProbability} vs ${expected}`);
      assert.equal(f.fake, f.fakeProbability >= 0.5);
    });
    loaded.model.dispose();
    // the CLI prints the same faces as JSON
    const run = runCli(['detect', sample, '--model', dir, '--json']);
    assert.equal(run.status, 0, run.stderr);
    const printed = JSON.parse(run.stdout);
    assert.equal(printed.images[0].faces.length, 3);
    printed.images[0].faces.forEach((f: { fakeProbability: number }, i: number) => assert.ok(Math.abs(f.fakeProbability - found[i].fakeProbability) < 1e-5));
    // a model of another task is refused in one line
    await saveKnownModel(join(dir, 'other'), 'classify');
    assert.match(oneErrorLine(runCli(['detect', sample, '--model', join(dir, 'other')])), /train forgery/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
