import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { WavecvError } from '../../src/errors.js';
import { createLoss } from '../../src/losses/registry.js';
import { diceLoss, medianFrequencyWeights, segmentationCrossEntropy, type SegmentationLossContext } from '../../src/losses/segmentation.js';
import type { Objective } from '../../src/train/trainer.js';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/segmentation.json', import.meta.url), 'utf8'));
const L = fixture.losses as {
  shape: [number, number, number, number];
  logits: number[];
  labels: number[];
  classWeights: number[];
  ce: { loss: number; grad: number[] };
  ceWeighted: { loss: number; grad: number[] };
  dice: { loss: number; grad: number[] };
};

before(async () => {
  await initEngine();
});

function check(lossOf: (logits: tf.Tensor4D, labels: tf.Tensor3D) => tf.Scalar, expected: { loss: number; grad: number[] }): void {
  const logits = tf.tensor4d(L.logits, L.shape);
  const labels = tf.tensor3d(L.labels, L.shape.slice(0, 3) as [number, number, number], 'int32');
  const before = tf.memory().numTensors;
  const { value, grads } = tf.valueAndGrads((x: tf.Tensor) => lossOf(x as tf.Tensor4D, labels))([logits]);
  assert.ok(Math.abs(value.dataSync()[0] - expected.loss) < 1e-5, `loss ${value.dataSync()[0]} vs PyTorch ${expected.loss}`);
  const g = grads[0].dataSync();
  const worst = expected.grad.reduce((m, v, i) => Math.max(m, Math.abs(v - g[i])), 0);
  assert.ok(worst < 1e-6, `gradient differs from PyTorch's by ${worst}`);
  tf.dispose([value, ...grads]);
  assert.equal(tf.memory().numTensors, before, 'no tensors left behind');
  tf.dispose([logits, labels]);
}

test('cross-entropy with ignore index 255 equals torch F.cross_entropy, value and gradient', () => {
  check((x, y) => segmentationCrossEntropy(x, y), L.ce);
});

test('class-weighted cross-entropy equals torch F.cross_entropy(weight=…), value and gradient', () => {
  check((x, y) => segmentationCrossEntropy(x, y, { classWeights: L.classWeights }), L.ceWeighted);
});

test('soft Dice loss over the batch with ignored pixels masked equals the PyTorch reference', () => {
  check((x, y) => diceLoss(x, y), L.dice);
});

test('an all-ignored batch has loss 0, not NaN', () => {
  const loss = segmentationCrossEntropy(tf.zeros([1, 2, 2, 3]) as tf.Tensor4D, tf.fill([1, 2, 2], 255, 'int32') as tf.Tensor3D);
  assert.ok(loss.dataSync()[0] === 0);
  loss.dispose();
});

test('median-frequency weights equal the numpy reference; bad masks are refused', () => {
  const m = fixture.medianFrequency as { shape: number[]; masks: number[]; numClasses: number; weights: number[] };
  const [n, h, w] = m.shape;
  const masks = Array.from({ length: n }, (_, i) => m.masks.slice(i * h * w, (i + 1) * h * w));
  const weights = medianFrequencyWeights(masks, m.numClasses);
  weights.forEach((v, i) => assert.ok(Math.abs(v - m.weights[i]) < 1e-12, `class ${i}: ${v} vs ${m.weights[i]}`));
  assert.throws(() => medianFrequencyWeights([[0, 1, 9]], 3), (e: unknown) => e instanceof WavecvError && /^masks\[0\]: got 9/.test(e.message));
  assert.throws(() => segmentationCrossEntropy(tf.zeros([1, 2, 2, 3]) as tf.Tensor4D, tf.zeros([1, 2, 2], 'int32') as tf.Tensor3D, { classWeights: [1, 2] }), (e: unknown) => e instanceof WavecvError && /^classWeights/.test(e.message));
  assert.throws(() => segmentationCrossEntropy(tf.zeros([1, 2, 2, 3]) as tf.Tensor4D, tf.zeros([1, 3, 2], 'int32') as tf.Tensor3D), (e: unknown) => e instanceof WavecvError && /^labels/.test(e.message));
});

test('the segmentation losses of the registry: cross-entropy (median-frequency or given weights, + Dice), Dice alone, volumes folded; options checked by the loss', () => {
  const context = { numClasses: L.shape[3], ignoreIndex: 255, medianFrequency: L.classWeights };
  const logits = tf.tensor4d(L.logits, L.shape);
  const labels = tf.tensor3d(L.labels, L.shape.slice(0, 3) as [number, number, number], 'int32');
  const mask = tf.expandDims(labels, 3);
  const lossOf = (name: string, options: Record<string, unknown>, x: tf.Tensor = logits, m: tf.Tensor = mask) => {
    const result = createLoss<SegmentationLossContext, Objective>('segmentation', name, options, context).compute(x, { mask: m }, {} as never);
    const value = result.loss.dataSync()[0];
    tf.dispose([result.loss, ...Object.values(result.metrics ?? {})]);
    return value;
  };
  const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-5, `${what}: ${a} vs ${b}`);
  close(lossOf('cross-entropy', {}), L.ce.loss, 'plain');
  close(lossOf('cross-entropy', { classWeights: 'median-frequency' }), L.ceWeighted.loss, 'median-frequency (the task’s weights)');
  close(lossOf('cross-entropy', { classWeights: L.classWeights, diceWeight: 0.5 }), L.ceWeighted.loss + 0.5 * L.dice.loss, 'weighted + Dice');
  close(lossOf('dice', {}), L.dice.loss, 'Dice');
  // A batch of B volumes of depth D is the batch of B·D slices.
  const [b, h, w, c] = L.shape;
  close(lossOf('cross-entropy', { diceWeight: 1 }, tf.reshape(logits, [1, b, h, w, c]), tf.reshape(mask, [1, b, h, w, 1])), L.ce.loss + L.dice.loss, 'volume');
  const refused = (name: string, options: Record<string, unknown>, pattern: RegExp, ctx: SegmentationLossContext = context) =>
    assert.throws(() => createLoss('segmentation', name, options, ctx), (e: unknown) => e instanceof WavecvError && pattern.test(e.message), JSON.stringify(options));
  refused('dice', { diceWeight: 1 }, /^lossOptions\.diceWeight: got 1, expected no such option for loss dice, which takes smooth$/);
  refused('dice', { smooth: 0 }, /^lossOptions\.smooth: got 0, expected a positive number$/);
  refused('cross-entropy', { classWeights: [1, 2] }, /^lossOptions\.classWeights: got \[1, 2\], expected 'none', 'median-frequency' or \d+ non-negative weights/);
  refused('cross-entropy', { diceWeight: -1 }, /^lossOptions\.diceWeight: got -1, expected a number ≥ 0$/);
  refused('cross-entropy', { classWeights: 'median-frequency' }, /^lossOptions\.classWeights: .*expected weights the task computed/, { numClasses: 3, ignoreIndex: 255 });
  refused('focal', {}, /^loss: got "focal", expected one of cross-entropy, dice$/);
  tf.dispose([logits, labels, mask]);
});
