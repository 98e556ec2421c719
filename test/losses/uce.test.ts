import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { readThreshold } from '../../src/losses/common.js';
import { initEngine } from '../../src/engine/backend.js';
import { BceLoss } from '../../src/losses/bce.js';
import { UceLoss } from '../../src/losses/uce.js';
import { assertClose, cosines, finiteDifferences, gradientsOf, inputGradient, softplus, type Matrix, TOY_CLASS_WEIGHTS, TOY_FEATURES, TOY_LABELS } from './reference.js';

const fixture = JSON.parse(readFileSync(new URL('./fixtures/face-losses.json', import.meta.url), 'utf8'));

before(async () => {
  await initEngine();
});

const X = TOY_FEATURES;
const W = TOY_CLASS_WEIGHTS;
const Y = TOY_LABELS;

/**
 * UniFace Eq. 9 with the margin and λ variants, written out:
 * Σ_i [ softplus(−(s(c_iy − m) − b_y)) + λ Σ_{j≠y} softplus(s c_ij − b_j) ] / B,
 * arguments clamped to [−s, s] when `clamp`.
 */
function uceLoss(x: Matrix, w: Matrix, b: number[], s: number, m: number, lambda: number, clamp: boolean): number {
  const cos = cosines(x, w);
  const cl = (z: number) => (clamp ? Math.min(Math.max(z, -s), s) : z);
  let total = 0;
  cos.forEach((row, i) =>
    row.forEach((c, j) => {
      const bias = b.length === 1 ? b[0] : b[j];
      total += j === Y[i] ? softplus(-cl(s * (c - m) - bias)) : lambda * softplus(cl(s * c - bias));
    }),
  );
  return total / x.length;
}

function setup<T extends UceLoss | BceLoss>(loss: T, bias: number[]): T {
  tf.tidy(() => {
    loss.weight.assign(tf.tensor2d(W));
    loss.bias.assign(tf.tensor1d(bias));
  });
  return loss;
}

test('UCE: value and gradients (features, W, unified b) against the formula', async () => {
  const loss = setup(new UceLoss({ numClasses: 3, embeddingDim: 2, scale: 5, margin: 0.2, lambda: 0.7 }), [1.3]);
  const before = tf.memory().numTensors;
  const { value, grad } = inputGradient((x) => loss.compute(x, Y).loss, X);
  assert.equal(tf.memory().numTensors, before);
  assertClose(value, uceLoss(X, W, [1.3], 5, 0.2, 0.7, true), 1e-6, 1e-6, 'loss');
  assertClose(grad, finiteDifferences((x) => uceLoss(x, W, [1.3], 5, 0.2, 0.7, true), X), 1e-4, 1e-5, 'd/dx');
  const { grads } = gradientsOf(() => loss.compute(tf.tensor2d(X), Y).loss, [loss.weight, loss.bias]);
  assertClose(grads[0], finiteDifferences((w) => uceLoss(X, w, [1.3], 5, 0.2, 0.7, true), W), 1e-4, 1e-5, 'd/dW');
  assertClose(grads[1], finiteDifferences((b) => uceLoss(X, W, b[0], 5, 0.2, 0.7, true), [[1.3]])[0], 1e-4, 1e-5, 'd/db');
  assert.equal(loss.bias.shape[0], 1, 'one bias for all classes');
  loss.dispose();
});

test('UCE threshold is t = b/s and b starts at log(10·C)', async () => {
  const loss = new UceLoss({ numClasses: 50, embeddingDim: 4, scale: 32 });
  assertClose((await loss.biasValue()), Math.log(500), 1e-6, 0, 'initial bias');
  assertClose((await readThreshold(loss))!, Math.log(500) / 32, 1e-6, 0, 'threshold');
  loss.dispose();
});

test('UCE bias gradient: positive when positives fall below the threshold, negative when negatives exceed it', async () => {
  // cosines: row 0 → class 0 has cos 1, others cos 0 or −… (see W)
  const loss = new UceLoss({ numClasses: 3, embeddingDim: 2, scale: 10, margin: 0, clamp: false });
  tf.tidy(() => loss.weight.assign(tf.tensor2d(W)));
  const x = tf.tensor2d([[1, 0]]);
  // b/s = 1.2 > every cosine: the positive (cos 1) violates, negatives are fine → dL/db > 0 (b must decrease)
  tf.tidy(() => loss.bias.assign(tf.tensor1d([12])));
  let g = gradientsOf(() => loss.compute(x, [0]).loss, [loss.bias]).grads[0] as number[];
  assert.ok(g[0] > 0, `dL/db = ${g[0]} should be > 0`);
  // b/s = −0.9 < every cosine: negatives (cos 0 and 0.6) violate → dL/db < 0 (b must increase)
  tf.tidy(() => loss.bias.assign(tf.tensor1d([-9])));
  g = gradientsOf(() => loss.compute(x, [0]).loss, [loss.bias]).grads[0] as number[];
  assert.ok(g[0] < 0, `dL/db = ${g[0]} should be < 0`);
  x.dispose();
  loss.dispose();
});

test('UCE: gradient descent on b alone puts t = b/s between the negative and positive cosines', async () => {
  const loss = new UceLoss({ numClasses: 3, embeddingDim: 2, scale: 16, margin: 0, biasInit: 0 });
  tf.tidy(() => loss.weight.assign(tf.tensor2d(W)));
  const X2: Matrix = [
    [1, 0.1],
    [0.1, 1],
    [0.6, -0.9],
  ];
  const Y2 = [0, 1, 2];
  const x = tf.tensor2d(X2);
  const cos = cosines(X2, W);
  const minPositive = Math.min(...Y2.map((y, i) => cos[i][y]));
  const maxNegative = Math.max(...cos.flatMap((row, i) => row.filter((_, j) => j !== Y2[i])));
  assert.ok(maxNegative < minPositive, 'the hand case is uniformly separable');
  const optimizer = tf.train.sgd(0.5);
  for (let i = 0; i < 300; i++) {
    const { value, grads } = tf.variableGrads(() => loss.compute(x, Y2).loss, [loss.bias]);
    optimizer.applyGradients(grads);
    value.dispose();
    tf.dispose(Object.values(grads));
  }
  const t = (await readThreshold(loss));
  assert.ok(t > maxNegative && t < minPositive, `t = ${t} in (${maxNegative}, ${minPositive})`);
  optimizer.dispose();
  x.dispose();
  loss.dispose();
});

test('clamping at ±s stops the gradient of saturated terms, as the authors’ code', async () => {
  const loss = setup(new UceLoss({ numClasses: 3, embeddingDim: 2, scale: 2, margin: 0 }), [50]);
  // every positive argument 2·c − 50 < −2: clamped → no gradient to the features
  const { grad } = inputGradient((x) => loss.compute(x, Y).loss, X);
  assertClose(grad, X.map((r) => r.map(() => 0)), 0, 0, 'd/dx');
  const unclamped = setup(new UceLoss({ numClasses: 3, embeddingDim: 2, scale: 2, margin: 0, clamp: false }), [50]);
  const g2 = inputGradient((x) => unclamped.compute(x, Y).loss, X);
  assert.ok(Math.abs(g2.grad[0][1]) > 1e-3);
  loss.dispose();
  unclamped.dispose();
});

test('BCE has one bias per class; values and gradients against the formula', async () => {
  const b = [0.5, 1.5, -0.4];
  const loss = setup(new BceLoss({ numClasses: 3, embeddingDim: 2, scale: 4, margin: 0.1 }), b);
  assert.equal(loss.bias.shape[0], 3);
  const { value, grad } = inputGradient((x) => loss.compute(x, Y).loss, X);
  assertClose(value, uceLoss(X, W, b, 4, 0.1, 1, true), 1e-6, 1e-6, 'loss');
  assertClose(grad, finiteDifferences((x) => uceLoss(x, W, b, 4, 0.1, 1, true), X), 1e-4, 1e-5, 'd/dx');
  const { grads } = gradientsOf(() => loss.compute(tf.tensor2d(X), Y).loss, [loss.bias]);
  assertClose(grads[0], finiteDifferences((bb) => uceLoss(X, W, bb[0], 4, 0.1, 1, true), [b])[0], 1e-4, 1e-5, 'd/db');
  assert.equal((await readThreshold(loss)), undefined);
  loss.dispose();
});

test('UCE (margin, λ, clamp) and BCE match the independent torch implementation', async () => {
  const { C, D, features, weight, labels } = fixture;
  for (const name of ['uce', 'uce-small-bias', 'bce']) {
    const ref = fixture.cases[name];
    const options = { numClasses: C, embeddingDim: D, scale: ref.scale, margin: ref.margin, lambda: ref.lambda };
    const loss = name === 'bce' ? new BceLoss(options) : new UceLoss(options);
    tf.tidy(() => {
      loss.weight.assign(tf.tensor2d(weight));
      loss.bias.assign(tf.tensor1d(ref.bias));
    });
    const { value, grad } = inputGradient((x) => loss.compute(x, labels).loss, features);
    assertClose(value, ref.loss, 1e-5, 1e-5, `${name} loss`);
    assertClose(grad, ref.gradFeatures, 1e-3, 1e-5, `${name} d/dx`);
    const { grads } = gradientsOf(() => loss.compute(tf.tensor2d(features), labels).loss, [loss.weight, loss.bias]);
    assertClose(grads[0], ref.gradWeight, 1e-3, 1e-5, `${name} d/dW`);
    assertClose(grads[1], ref.gradBias, 1e-3, 1e-5, `${name} d/db`);
    loss.dispose();
  }
});

test('UCE state round trip restores W and b', async () => {
  const a = setup(new UceLoss({ numClasses: 3, embeddingDim: 2 }), [2.5]);
  const b = new UceLoss({ numClasses: 3, embeddingDim: 2, seed: 9 });
  const state = a.getState();
  b.setState(state);
  assert.equal((await b.biasValue()), (await a.biasValue()));
  assertClose(b.weight.dataSync() as Float32Array, a.weight.dataSync() as Float32Array, 0, 0, 'W');
  a.dispose();
  b.dispose();
});
