import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { WavecvError } from '../../src/errors.js';
import { Rng } from '../../src/engine/random.js';
import { sampleWiseAccuracy, thresholdGap, uniformAccuracy, uniformAccuracyAt } from '../../src/metrics/uniform-accuracy.js';

// Correct-threshold intervals (max negative, positive): (0.2, 0.9), (0.4, 0.8), (0.5, 0.6), (0.3, 0.35);
// the last sample is wrong even sample-wise.
const SCORES = [
  [0.9, 0.2, 0.1],
  [0.3, 0.8, 0.4],
  [0.5, 0.1, 0.6],
  [0.35, 0.3, 0.2],
  [0.7, 0.65, 0.1],
];
const LABELS = [0, 1, 2, 0, 1];

test('sample-wise and uniform accuracy on a hand-made score set', () => {
  assert.equal(sampleWiseAccuracy(SCORES, LABELS), 4 / 5);
  const uni = uniformAccuracy(SCORES, LABELS);
  assert.equal(uni.accuracy, 3 / 5);
  assert.equal(uni.correct, 3);
  assert.deepEqual(uni.interval, [0.5, 0.6]);
  assert.ok(Math.abs(uni.threshold - 0.55) < 1e-12);
  assert.equal(uniformAccuracyAt(SCORES, LABELS, 0.55), 3 / 5);
  assert.equal(uniformAccuracyAt(SCORES, LABELS, 0.32), 2 / 5);
  assert.equal(uniformAccuracyAt(SCORES, LABELS, 0.5), 2 / 5, 'strict: t = 0.5 is not above the negative 0.5');
  // tensors are accepted too
  const t = tf.tensor2d(SCORES);
  assert.equal(uniformAccuracy(t, tf.tensor1d(LABELS, 'int32')).accuracy, 3 / 5);
  t.dispose();
});

test('threshold gap between a learned unified threshold and the best one', () => {
  const gap = thresholdGap(SCORES, LABELS, 0.45);
  assert.equal(gap.accuracyAtLearned, 2 / 5);
  assert.equal(gap.bestAccuracy, 3 / 5);
  assert.ok(Math.abs(gap.gap - -0.1) < 1e-12);
  assert.ok(Math.abs(gap.distanceToBestInterval - 0.05) < 1e-12);
  assert.equal(thresholdGap(SCORES, LABELS, 0.52).distanceToBestInterval, 0);
});

test('uniform accuracy equals a brute-force search over all thresholds and never exceeds sample-wise accuracy', () => {
  const rng = new Rng(3);
  for (let trial = 0; trial < 20; trial++) {
    const n = 5 + rng.int(40);
    const c = 2 + rng.int(5);
    const labels = Array.from({ length: n }, () => rng.int(c));
    // coarse values make ties common
    const scores = labels.map((y) => Array.from({ length: c }, (_, j) => Math.round((rng.next() + (j === y ? 0.5 : 0)) * 10) / 10));
    const values = [...new Set(scores.flat())].sort((a, b) => a - b);
    const candidates = [values[0] - 1, ...values.slice(1).map((v, i) => (v + values[i]) / 2), values[values.length - 1] + 1];
    let best = 0;
    for (const t of candidates) {
      let ok = 0;
      scores.forEach((row, i) => {
        if (row[labels[i]] > t && row.every((v, j) => j === labels[i] || v < t)) ok++;
      });
      best = Math.max(best, ok / n);
    }
    const uni = uniformAccuracy(scores, labels);
    assert.equal(uni.accuracy, best, `trial ${trial}`);
    if (uni.accuracy > 0) assert.equal(uniformAccuracyAt(scores, labels, uni.threshold), best, 'the reported threshold achieves it');
    assert.ok(uni.accuracy <= sampleWiseAccuracy(scores, labels));
  }
});

test('no separable sample: accuracy 0 and no threshold; bad input throws', () => {
  const r = uniformAccuracy([[0.5, 0.5]], [0]);
  assert.equal(r.accuracy, 0);
  assert.ok(Number.isNaN(r.threshold));
  assert.equal(r.interval, undefined);
  assert.throws(() => uniformAccuracy(SCORES, [0, 1]), (e: unknown) => e instanceof WavecvError && /labels/.test(e.message));
  assert.throws(() => uniformAccuracy(SCORES, [0, 1, 2, 3, 1]), (e: unknown) => e instanceof WavecvError && /labels/.test(e.message));
  assert.throws(() => uniformAccuracy([[0.1], [0.2]], [0, 0]), (e: unknown) => e instanceof WavecvError && /scores/.test(e.message));
  assert.throws(() => uniformAccuracy([[NaN, 1]], [0]), (e: unknown) => e instanceof WavecvError && /scores/.test(e.message));
});
