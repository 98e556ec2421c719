import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { WavecvError } from '../../src/errors.js';
import { addCounts, confusionMatrix, emptyCounts, segmentationScores } from '../../src/metrics/segmentation.js';

interface MetricCase {
  numClasses: number;
  shape: number[];
  pred: number[];
  label: number[];
  matrix: number[];
  pixelAccuracy: number;
  meanClassAccuracy: number;
  mIoU: number;
  fwIoU: number;
  perClassIoU: Array<number | null>;
  boundary: { predicted: number; predictedMatched: number; truth: number; truthMatched: number };
  boundaryF1: number;
  boundaryPrecision: number;
  boundaryRecall: number;
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/segmentation.json', import.meta.url), 'utf8')) as { metrics: MetricCase[] };

before(async () => {
  await initEngine();
});

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`);

test('confusion matrix and scores equal the numpy/scipy reference (ignore index, class only predicted, class never predicted)', () => {
  for (const [k, c] of fixture.metrics.entries()) {
    const counts = confusionMatrix({ data: c.pred, shape: c.shape }, { data: c.label, shape: c.shape }, c.numClasses);
    assert.deepEqual(Array.from(counts.matrix), c.matrix, `case ${k} matrix`);
    assert.deepEqual(counts.boundary, c.boundary, `case ${k} boundary counts`);
    const s = segmentationScores(counts);
    for (const key of ['pixelAccuracy', 'meanClassAccuracy', 'mIoU', 'fwIoU', 'boundaryF1', 'boundaryPrecision', 'boundaryRecall'] as const) close(s[key], c[key], `case ${k} ${key}`);
    s.perClassIoU.forEach((v, i) => (c.perClassIoU[i] === null ? assert.ok(Number.isNaN(v)) : close(v, c.perClassIoU[i]!, `case ${k} IoU ${i}`)));
  }
});

test('counts of batches add up to the counts of the whole, from tensors without leaks', () => {
  const c = fixture.metrics[0];
  const [b, h, w] = c.shape;
  const pred = tf.tensor3d(c.pred, [b, h, w], 'int32');
  const label = tf.tensor3d(c.label, [b, h, w], 'int32');
  const before = tf.memory().numTensors;
  const total = emptyCounts(c.numClasses);
  for (let i = 0; i < b; i++) {
    const p = tf.tidy(() => pred.slice([i, 0, 0], [1, h, w]).reshape([h, w]));
    const l = tf.tidy(() => label.slice([i, 0, 0], [1, h, w]).reshape([h, w]));
    addCounts(total, confusionMatrix(p, l, c.numClasses));
    tf.dispose([p, l]);
  }
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(Array.from(total.matrix), c.matrix);
  assert.deepEqual(total.boundary, c.boundary);
  tf.dispose([pred, label]);
});

test('a perfect prediction scores 1 everywhere; a class only predicted counts with IoU 0', () => {
  const label = { data: [0, 0, 1, 1, 0, 0, 1, 1, 255, 2, 2, 2], shape: [3, 4] };
  const perfect = segmentationScores(confusionMatrix({ data: [0, 0, 1, 1, 0, 0, 1, 1, 3, 2, 2, 2], shape: [3, 4] }, label, 4));
  assert.equal(perfect.pixelAccuracy, 1);
  assert.equal(perfect.mIoU, 1);
  assert.equal(perfect.boundaryF1, 1);
  assert.ok(Number.isNaN(perfect.perClassIoU[3]), 'class 3 predicted only on an ignored pixel: not counted');
  assert.equal(perfect.pixels, 11);
  const extra = segmentationScores(confusionMatrix({ data: [0, 0, 1, 1, 0, 0, 1, 1, 3, 2, 2, 3], shape: [3, 4] }, label, 4));
  assert.equal(extra.perClassIoU[3], 0);
  close(extra.mIoU, (1 + 1 + 2 / 3 + 0) / 4, 'mIoU');
});

test('bad input is refused naming the argument', () => {
  const shape = [2, 2];
  const is = (re: RegExp) => (e: unknown) => e instanceof WavecvError && re.test(e.message);
  assert.throws(() => confusionMatrix({ data: [0, 1, 0, 1], shape }, { data: [0, 7, 0, 1], shape }, 3), is(/^label: got 7, expected class indices in \[0, 3\) or the ignore index 255/));
  assert.throws(() => confusionMatrix({ data: [0, 3, 0, 1], shape }, { data: [0, 1, 0, 1], shape }, 3), is(/^pred: got 3/));
  assert.throws(() => confusionMatrix({ data: [0, 1, 0], shape: [1, 3] }, { data: [0, 1, 0, 1], shape }, 3), is(/^pred: .*the shape of label/));
  assert.throws(() => confusionMatrix({ data: [0, 1, 0, 1], shape: [4] }, { data: [0, 1, 0, 1], shape }, 3), is(/^pred: .*label maps \[H, W\]/));
  assert.throws(() => addCounts(emptyCounts(3), emptyCounts(4)), is(/^counts/));
});
