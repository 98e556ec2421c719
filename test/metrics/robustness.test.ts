import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { WavecvError } from '../../src/errors.js';
import { countTopK, topKAccuracy } from '../../src/metrics/classification.js';
import { corruptionError, relativeCorruptionError, summarizeCorruptionErrors } from '../../src/metrics/robustness.js';

test('top-1 and top-5 accuracy count a label among the k largest logits', async () => {
  await initEngine();
  const logits = tf.tensor2d([
    [0.1, 0.9, 0.0, 0.2, 0.3, 0.4, 0.5],
    [5, 4, 3, 2, 1, 0, -1],
    [0, 0, 0, 0, 0, 1, 0],
  ]);
  const labels = Int32Array.from([1, 4, 0]);
  const before = tf.memory().numTensors;
  assert.equal(await countTopK(logits, labels, 1), 1);
  assert.equal(await topKAccuracy(logits, labels, 5), 1); // row 2: label 0 ties with four others, tf.topk keeps lower indices first
  assert.equal(await countTopK(logits, Int32Array.from([6, 6, 6]), 5), 1);
  assert.equal(await countTopK(logits, labels, 50), 3, 'k above the class count means every label is counted');
  assert.equal(tf.memory().numTensors, before);
  logits.dispose();
});

test('CE, relative CE and their means follow Hendrycks & Dietterich, hand-computed', () => {
  // model errors 0.1…0.5 (sum 1.5), baseline 0.2…0.6 (sum 2.0) → CE = 0.75
  assert.ok(Math.abs(corruptionError([0.1, 0.2, 0.3, 0.4, 0.5], [0.2, 0.3, 0.4, 0.5, 0.6]) - 0.75) < 1e-12);
  // relative: (1.5 − 5·0.05) / (2.0 − 5·0.1) = 1.25 / 1.5
  assert.ok(Math.abs(relativeCorruptionError([0.1, 0.2, 0.3, 0.4, 0.5], 0.05, [0.2, 0.3, 0.4, 0.5, 0.6], 0.1) - 1.25 / 1.5) < 1e-12);
  const summary = summarizeCorruptionErrors({ fog: [0.2, 0.4], blur: [0.1, 0.1] }, 0.1, { fog: [0.4, 0.4], blur: [0.1, 0.1] }, 0.1);
  assert.ok(Math.abs(summary.ce.fog - 0.75) < 1e-12 && summary.ce.blur === 1);
  assert.ok(Math.abs(summary.mCE - 0.875) < 1e-12);
  assert.ok(Math.abs(summary.relativeCE.fog - 0.4 / 0.6) < 1e-12);
  assert.ok(Number.isNaN(summary.relativeCE.blur), 'baseline not hurt at all: relative CE undefined');
  assert.ok(Math.abs(summary.relativeMCE - 0.4 / 0.6) < 1e-12, 'NaN entries are left out of the relative mean');
  const self = summarizeCorruptionErrors({ fog: [0.2, 0.4] }, 0.1, { fog: [0.2, 0.4] }, 0.1);
  assert.equal(self.mCE, 1, 'a model against itself has mCE 1');
});

test('bad errors throw a WavecvError naming the argument', () => {
  assert.throws(() => corruptionError([0.1, 1.2], [0.1, 0.1]), (e: unknown) => e instanceof WavecvError && /errors\[1\]: got 1.2/.test(e.message));
  assert.throws(() => corruptionError([0.1], [0.1, 0.2]), WavecvError);
  assert.throws(() => corruptionError([0.1], [0]), (e: unknown) => e instanceof WavecvError && /baselineErrors/.test(e.message));
  assert.throws(() => summarizeCorruptionErrors({ fog: [0.1] }, 0, { blur: [0.1] }, 0), (e: unknown) => e instanceof WavecvError && /fog/.test(e.message));
});
