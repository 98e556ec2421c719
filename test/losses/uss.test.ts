import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { readThreshold } from '../../src/losses/common.js';
import { initEngine } from '../../src/engine/backend.js';
import { WavecvError } from '../../src/errors.js';
import { CosFaceLoss } from '../../src/losses/margins.js';
import { SampleToSampleBceLoss, SampleToSampleSoftmaxLoss, UniTSFaceLoss, UssLoss, type SampleToSampleLoss } from '../../src/losses/uss.js';
import { createFaceLoss } from '../../src/losses/index.js';
import { assertClose, cosines, finiteDifferences, gradientsOf, inputGradient, softplus, type Matrix } from './reference.js';

const fixture = JSON.parse(readFileSync(new URL('./fixtures/face-losses.json', import.meta.url), 'utf8'));

before(async () => {
  await initEngine();
});

/** Loads a memory bank (and its written flags) into a sample-to-sample loss. */
function loadMemory(loss: SampleToSampleLoss, memory: Matrix, filled: number[], bias?: number): void {
  const m = tf.tensor2d(memory);
  const json = { ...loss.getState().json, filled, biasInitialized: true };
  const tensors: Record<string, tf.Tensor> = { memory: m };
  if (bias !== undefined && loss.bias) tensors.bias = tf.fill(loss.bias.shape, bias);
  loss.setState({ tensors, json });
  tf.dispose(Object.values(tensors));
}

/** UniTSFace L_uss-m written out, with unwritten classes (filled 0) left out. */
function ussLoss(x: Matrix, memory: Matrix, filled: number[], labels: number[], b: number, g: number, m: number): number {
  const cos = cosines(x, memory);
  let total = 0;
  let rows = 0;
  cos.forEach((row, i) => {
    if (!filled[labels[i]]) return;
    rows++;
    row.forEach((c, j) => {
      if (!filled[j]) return;
      const clamp = (z: number) => Math.min(Math.max(z, -g), g);
      total += j === labels[i] ? softplus(-clamp(g * (c - m) - b)) : softplus(clamp(g * c - b));
    });
  });
  return total / Math.max(rows, 1);
}

const MEMORY: Matrix = [
  [1, 0],
  [0, 1],
  [-1, 0.2],
  [0, 0],
];
const FILLED = [1, 1, 1, 0];
const X: Matrix = [
  [0.9, 0.3],
  [0.2, 1.0],
  [-0.8, 0.4],
  [0.1, 0.7],
];
const Y = [0, 1, 2, 3]; // row 3's class has no memory yet

test('USS: value and gradients against L_uss-m written out (unwritten classes left out)', async () => {
  const loss = new UssLoss({ numClasses: 4, embeddingDim: 2, scale: 6, margin: 0.1 });
  loadMemory(loss, MEMORY, FILLED, 2.0);
  const before = tf.memory().numTensors;
  const { value, grad } = inputGradient((x) => loss.compute(x, Y).loss, X);
  assert.equal(tf.memory().numTensors, before);
  assertClose(value, ussLoss(X, MEMORY, FILLED, Y, 2.0, 6, 0.1), 1e-6, 1e-6, 'loss');
  assertClose(grad, finiteDifferences((x) => ussLoss(x, MEMORY, FILLED, Y, 2.0, 6, 0.1), X), 1e-4, 1e-5, 'd/dx');
  const { grads } = gradientsOf(() => loss.compute(tf.tensor2d(X), Y).loss, [loss.bias!]);
  assertClose(grads[0], finiteDifferences((b) => ussLoss(X, MEMORY, FILLED, Y, b[0][0], 6, 0.1), [[2.0]])[0], 1e-4, 1e-5, 'd/db');
  assert.deepEqual(loss.trainableVariables, [loss.bias], 'the memory is not trainable');
  loss.dispose();
});

test('USS matches the independent torch implementation; data-driven bias and t = b/γ', async () => {
  const { C, D, features } = fixture;
  const ref = fixture.cases.uss;
  const loss = new UssLoss({ numClasses: C, embeddingDim: D });
  loadMemory(loss, ref.memory, ref.filled, ref.bias);
  const { value, grad } = inputGradient((x) => loss.compute(x, ref.labels).loss, features);
  assertClose(value, ref.loss, 1e-5, 1e-5, 'loss');
  assertClose(grad, ref.gradFeatures, 1e-3, 1e-5, 'd/dx');
  const { grads } = gradientsOf(() => loss.compute(tf.tensor2d(features), ref.labels).loss, [loss.bias!]);
  assertClose(grads[0], ref.gradBias, 1e-3, 1e-5, 'd/db');

  const fresh = new UssLoss({ numClasses: C, embeddingDim: D });
  loadMemory(fresh, ref.memory, ref.filled);
  fresh.setState({ tensors: {}, json: { ...fresh.getState().json, biasInitialized: false } });
  assert.equal(fresh.isBiasInitialized(), false);
  const x = tf.tensor2d(features);
  assert.throws(() => fresh.compute(x, ref.labels), (e: unknown) => e instanceof WavecvError && /beforeStep/.test(e.message));
  fresh.beforeStep(x, ref.labels);
  assert.equal(fresh.isBiasInitialized(), true);
  assertClose((await fresh.biasValue()), ref.dataDrivenBias, 1e-5, 0, 'b = mean logsumexp of γ·negative cosines');
  assertClose((await readThreshold(fresh))!, ref.dataDrivenBias / 64, 1e-5, 0, 't = b/γ');
  fresh.beforeStep(tf.zeros([features.length, D]) as tf.Tensor2D, ref.labels);
  assertClose((await fresh.biasValue()), ref.dataDrivenBias, 1e-5, 0, 'initialised once');
  x.dispose();
  loss.dispose();
  fresh.dispose();
});

test('sample-to-sample softmax matches torch; sample-to-sample BCE has per-class biases with one data-driven value', async () => {
  const { C, D, features } = fixture;
  const ref = fixture.cases.uss;
  const soft = new SampleToSampleSoftmaxLoss({ numClasses: C, embeddingDim: D });
  loadMemory(soft, ref.memory, ref.filled);
  const { value, grad } = inputGradient((x) => soft.compute(x, ref.labels).loss, features);
  assertClose(value, ref.s2sSoftmaxLoss, 1e-5, 1e-5, 's2s softmax loss');
  assertClose(grad, ref.s2sSoftmaxGradFeatures, 1e-3, 1e-5, 's2s softmax d/dx');
  assert.deepEqual(soft.trainableVariables, []);

  const bce = new SampleToSampleBceLoss({ numClasses: C, embeddingDim: D });
  loadMemory(bce, ref.memory, ref.filled);
  bce.setState({ tensors: {}, json: { ...bce.getState().json, biasInitialized: false } });
  const x = tf.tensor2d(features);
  bce.beforeStep(x, ref.labels);
  const biases = Array.from(bce.bias!.dataSync());
  assert.equal(biases.length, C);
  for (const b of biases) assertClose(b, ref.dataDrivenBias, 1e-5, 0, 'per-class bias init');
  assert.equal((await readThreshold(bce)), undefined);
  x.dispose();
  soft.dispose();
  bce.dispose();
});

test('memory: afterStep writes the latest raw feature per class (last occurrence wins), detached', async () => {
  const loss = new UssLoss({ numClasses: 5, embeddingDim: 2, biasInit: 3 });
  assert.equal(loss.filledCount(), 0);
  const f1 = tf.tensor2d([
    [1, 2],
    [3, 4],
    [5, 6],
  ]);
  loss.afterStep(f1, [1, 3, 1]);
  assert.deepEqual(loss.memory.arraySync(), [
    [0, 0],
    [5, 6],
    [0, 0],
    [3, 4],
    [0, 0],
  ]);
  assert.equal(loss.filledCount(), 2);
  const f2 = tf.tensor2d([[-1, 0.5]]);
  const l2 = tf.tensor1d([3], 'int32');
  const before = tf.memory().numTensors;
  loss.afterStep(f2, l2);
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([f2, l2]);
  assert.deepEqual((loss.memory.arraySync() as Matrix)[3], [-1, 0.5]);
  assert.deepEqual(loss.getState().json.filled, [0, 1, 0, 1, 0]);
  f1.dispose();
  loss.dispose();
});

test('UniTSFace: epoch 0 is the sample-to-class loss alone; from epoch 1, L_s2c + L_uss; combine=false gives L_uss', async () => {
  const X4 = tf.tensor2d([
    [0.9, 0.3, 0.1],
    [0.2, 1.0, -0.3],
    [-0.8, 0.4, 0.5],
    [0.1, -0.7, 0.9],
  ]);
  const labels = [0, 1, 2, 1];
  const make = (combine: boolean) =>
    new UniTSFaceLoss({
      sampleToClass: new CosFaceLoss({ numClasses: 3, embeddingDim: 3, seed: 3 }),
      sampleToSample: new UssLoss({ numClasses: 3, embeddingDim: 3 }),
      combine,
    });
  const loss = make(true);
  const reference = new CosFaceLoss({ numClasses: 3, embeddingDim: 3, seed: 3 });
  loss.onEpochStart(0);
  assert.equal(loss.sampleToSampleActive, false);
  const value = (l: { compute: UniTSFaceLoss['compute'] }) => tf.tidy(() => l.compute(X4, labels).loss.dataSync()[0]);
  loss.beforeStep(X4, labels);
  assertClose(value(loss), value(reference), 1e-7, 0, 'epoch 0: CosFace alone');
  loss.afterStep(X4, labels);
  assert.equal(loss.sampleToSample.filledCount(), 3, 'memory filled during epoch 0');
  assert.equal(loss.sampleToSample.isBiasInitialized(), false, 'USS bias waits for its first use');

  const before = tf.memory().numTensors;
  loss.onEpochStart(1);
  loss.beforeStep(X4, labels);
  assert.ok(loss.sampleToSample.isBiasInitialized());
  const uss = value(loss.sampleToSample);
  assertClose(value(loss), value(reference) + uss, 1e-6, 1e-6, 'epoch 1: CosFace + USS');
  loss.afterStep(X4, labels);
  assert.equal(tf.memory().numTensors, before);
  assertClose((await readThreshold(loss))!, (await (loss.sampleToSample as UssLoss).biasValue()) / 64, 1e-7, 0, 'threshold of the USS term');
  const names = loss.trainableVariables.map((v) => v.name);
  assert.equal(names.length, 2, 'W of CosFace and b of USS');

  // state round trip into a fresh objective, then the same loss
  const restored = make(true);
  restored.setState(loss.getState());
  assert.equal(restored.sampleToSampleActive, true);
  assertClose(value(restored), value(loss), 1e-7, 0, 'restored loss');

  const alone = make(false);
  alone.setState(loss.getState());
  assertClose(value(alone), uss, 1e-6, 1e-6, 'combine = false: USS alone');
  for (const l of [loss, restored, alone, reference]) l.dispose();
  X4.dispose();
});

test('createFaceLoss("uss") builds CosFace + USS with the paper defaults', async () => {
  const loss = createFaceLoss('uss', { numClasses: 4, embeddingDim: 3 }) as UniTSFaceLoss;
  assert.equal(loss.kind, 'unitsface');
  assert.equal(loss.sampleToClass.kind, 'cosface');
  assert.equal(loss.sampleToSample.kind, 'uss');
  assert.equal((loss.sampleToSample as UssLoss).scale, 64);
  assert.equal((loss.sampleToSample as UssLoss).margin, 0.1);
  assert.equal(loss.startEpoch, 1);
  loss.dispose();
});

test("USS re-initialises its bias from data before every step on which b ≤ 0 (the authors' head); the per-class variant adds the value", async () => {
  const { C, D } = fixture;
  const ref = fixture.cases.uss;
  const loss = new UssLoss({ numClasses: C, embeddingDim: D });
  loadMemory(loss, ref.memory, ref.filled, 0);
  for (const [k, step] of (fixture.cases.ussReinit.steps as Array<{ features: Matrix; biasBefore: number; biasAfter: number; loss: number }>).entries()) {
    tf.tidy(() => loss.bias!.assign(tf.fill([1], step.biasBefore)));
    const x = tf.tensor2d(step.features);
    const before = tf.memory().numTensors;
    loss.beforeStep(x, ref.labels);
    assert.equal(tf.memory().numTensors, before, `step ${k}: no tensors left`);
    assertClose((await loss.biasValue()), step.biasAfter, 1e-5, 1e-5, `step ${k}: b ${step.biasBefore} → ${step.biasAfter}`);
    assertClose(tf.tidy(() => loss.compute(x, ref.labels).loss.arraySync() as number), step.loss, 1e-5, 1e-5, `step ${k}: loss`);
    x.dispose();
  }
  const fixed = new UssLoss({ numClasses: C, embeddingDim: D, biasInit: -1 });
  loadMemory(fixed, ref.memory, ref.filled, -1);
  const x = tf.tensor2d(fixture.features);
  fixed.beforeStep(x, ref.labels);
  assert.equal((await fixed.biasValue()), -1, 'a numeric biasInit is never reset');

  const bce = new SampleToSampleBceLoss({ numClasses: C, embeddingDim: D });
  loadMemory(bce, ref.memory, ref.filled);
  tf.tidy(() => bce.bias!.assign(tf.tensor1d(fixture.cases.ussReinit.classBiasBefore)));
  bce.beforeStep(x, ref.labels);
  assertClose(Array.from(bce.bias!.dataSync()), fixture.cases.ussReinit.classBiasAfter, 1e-5, 1e-5, 'per-class biases + value when their mean ≤ 0');
  x.dispose();
  loss.dispose();
  fixed.dispose();
  bce.dispose();
});
