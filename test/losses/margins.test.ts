import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { WavecvError } from '../../src/errors.js';
import { ArcFaceLoss, CombinedMarginLoss, CosFaceLoss } from '../../src/losses/margins.js';
import { SoftmaxLoss } from '../../src/losses/softmax.js';
import { createFaceLoss } from '../../src/losses/index.js';
import { assertClose, cosines, crossEntropy, finiteDifferences, gradientsOf, inputGradient, type Matrix, TOY_CLASS_WEIGHTS, TOY_FEATURES, TOY_LABELS } from './reference.js';

const fixture = JSON.parse(readFileSync(new URL('./fixtures/face-losses.json', import.meta.url), 'utf8'));

before(async () => {
  await initEngine();
});

const X = TOY_FEATURES;
const W = TOY_CLASS_WEIGHTS;
const Y = TOY_LABELS;

/** Plain-JS combined-margin softmax loss (insightface CombinedMarginLoss; ArcFace Eq. 3, CosFace Eq. 4). */
function marginLoss(x: Matrix, w: Matrix, s: number, m1: number, m2: number, m3: number, frozen?: Matrix): number {
  const cos = cosines(x, w);
  const logits = cos.map((row, i) =>
    row.map((c, j) => {
      if (j !== Y[i]) return s * c;
      const shifted = Math.cos(m1 * Math.acos(Math.min(Math.max(c, -1 + 1e-7), 1 - 1e-7)) + m2) - m3;
      // identity gradient: c + (shifted − c) with the difference frozen at its value for `frozen` inputs
      if (frozen) {
        const c0 = cosines(frozen, w)[i][j];
        const s0 = Math.cos(m1 * Math.acos(c0) + m2) - m3;
        return s * (c + (s0 - c0));
      }
      return s * shifted;
    }),
  );
  return crossEntropy(logits, Y);
}

function withWeights<T extends CombinedMarginLoss | SoftmaxLoss>(loss: T, w: Matrix): T {
  tf.tidy(() => loss.weight.assign(tf.tensor2d(w)));
  return loss;
}

test('normalised softmax equals −log softmax of s·cos computed by hand', () => {
  const loss = withWeights(new SoftmaxLoss({ numClasses: 3, embeddingDim: 2, scale: 4 }), W);
  const before = tf.memory().numTensors;
  const { value, grad } = inputGradient((x) => loss.compute(x, Y).loss, X);
  assert.equal(tf.memory().numTensors, before);
  assertClose(value, marginLoss(X, W, 4, 1, 0, 0), 1e-6, 1e-6, 'loss');
  assertClose(grad, finiteDifferences((x) => marginLoss(x, W, 4, 1, 0, 0), X), 1e-4, 1e-5, 'd/dx');
  const { grads } = gradientsOf(() => loss.compute(tf.tensor2d(X), Y).loss, [loss.weight]);
  assertClose(grads[0], finiteDifferences((w) => marginLoss(X, w, 4, 1, 0, 0), W), 1e-4, 1e-5, 'd/dW');
  loss.dispose();
});

test('CosFace: s(cos θ_y − m) on the positive only; values and gradients', () => {
  const loss = withWeights(new CosFaceLoss({ numClasses: 3, embeddingDim: 2, scale: 8, margin: 0.35 }), W);
  const { value, grad } = inputGradient((x) => loss.compute(x, tf.tensor1d(Y, 'int32')).loss, X);
  assertClose(value, marginLoss(X, W, 8, 1, 0, 0.35), 1e-6, 1e-6, 'loss');
  assertClose(grad, finiteDifferences((x) => marginLoss(x, W, 8, 1, 0, 0.35), X), 1e-4, 1e-5, 'd/dx');
  const { grads } = gradientsOf(() => loss.compute(tf.tensor2d(X), Y).loss, [loss.weight]);
  assertClose(grads[0], finiteDifferences((w) => marginLoss(X, w, 8, 1, 0, 0.35), W), 1e-4, 1e-5, 'd/dW');
  loss.dispose();
});

test('ArcFace: s·cos(θ_y + m), exact gradient through acos', () => {
  const loss = withWeights(new ArcFaceLoss({ numClasses: 3, embeddingDim: 2, scale: 8, margin: 0.5 }), W);
  const { value, grad } = inputGradient((x) => loss.compute(x, Y).loss, X);
  assertClose(value, marginLoss(X, W, 8, 1, 0.5, 0), 1e-6, 1e-6, 'loss');
  assertClose(grad, finiteDifferences((x) => marginLoss(x, W, 8, 1, 0.5, 0), X), 2e-4, 1e-5, 'd/dx');
  loss.dispose();
});

test('ArcFace identity gradient: forward cos(θ+m), backward of cos θ (insightface / EPL detachment)', () => {
  const loss = withWeights(new ArcFaceLoss({ numClasses: 3, embeddingDim: 2, scale: 8, margin: 0.5, gradient: 'identity' }), W);
  const { value, grad } = inputGradient((x) => loss.compute(x, Y).loss, X);
  assertClose(value, marginLoss(X, W, 8, 1, 0.5, 0), 1e-6, 1e-6, 'loss');
  assertClose(grad, finiteDifferences((x) => marginLoss(x, W, 8, 1, 0.5, 0, X), X), 1e-4, 1e-5, 'd/dx with the margin frozen');
  const exact = finiteDifferences((x) => marginLoss(x, W, 8, 1, 0.5, 0), X);
  assert.ok(Math.abs(grad[0][0] - exact[0][0]) > 1e-3, 'identity gradient differs from the exact one');
  loss.dispose();
});

test('combined margin (m1, m2, m3) matches the formula cos(m1·θ + m2) − m3', () => {
  const loss = withWeights(new CombinedMarginLoss({ numClasses: 3, embeddingDim: 2, scale: 6, margin: { m1: 1.2, m2: 0.2, m3: 0.1 } }), W);
  const { value, grad } = inputGradient((x) => loss.compute(x, Y).loss, X);
  assertClose(value, marginLoss(X, W, 6, 1.2, 0.2, 0.1), 1e-6, 1e-6, 'loss');
  assertClose(grad, finiteDifferences((x) => marginLoss(x, W, 6, 1.2, 0.2, 0.1), X), 2e-4, 1e-5, 'd/dx');
  loss.dispose();
});

test('ArcFace with m = 0 equals the normalised softmax with the same scale', () => {
  const arc = withWeights(new ArcFaceLoss({ numClasses: 3, embeddingDim: 2, scale: 16, margin: 0 }), W);
  const soft = withWeights(new SoftmaxLoss({ numClasses: 3, embeddingDim: 2, scale: 16 }), W);
  const a = inputGradient((x) => arc.compute(x, Y).loss, X);
  const b = inputGradient((x) => soft.compute(x, Y).loss, X);
  assertClose(a.value, b.value, 1e-7, 1e-7, 'loss');
  assertClose(a.grad, b.grad, 1e-6, 1e-7, 'd/dx');
  arc.dispose();
  soft.dispose();
});

test('softmax, CosFace and ArcFace match the independent torch implementation (s = 64)', () => {
  const { C, D, features, weight, labels } = fixture;
  const make = {
    softmax: () => new SoftmaxLoss({ numClasses: C, embeddingDim: D }),
    cosface: () => new CosFaceLoss({ numClasses: C, embeddingDim: D }),
    arcface: () => new ArcFaceLoss({ numClasses: C, embeddingDim: D }),
    'arcface-identity': () => new ArcFaceLoss({ numClasses: C, embeddingDim: D, gradient: 'identity' }),
  } as const;
  for (const [name, create] of Object.entries(make)) {
    const ref = fixture.cases[name];
    const loss = withWeights(create(), weight);
    const { value, grad } = inputGradient((x) => loss.compute(x, labels).loss, features);
    assertClose(value, ref.loss, 1e-5, 1e-5, `${name} loss`);
    assertClose(grad, ref.gradFeatures, 1e-3, 1e-5, `${name} d/dx`);
    const { grads } = gradientsOf(() => loss.compute(tf.tensor2d(features), labels).loss, [loss.weight]);
    assertClose(grads[0], ref.gradWeight, 1e-3, 1e-5, `${name} d/dW`);
    loss.dispose();
  }
});

test('bad inputs throw WavecvError naming the argument', () => {
  const loss = new CosFaceLoss({ numClasses: 3, embeddingDim: 2 });
  assert.throws(() => loss.compute(tf.zeros([2, 3]) as tf.Tensor2D, [0, 1]), (e: unknown) => e instanceof WavecvError && /features/.test(e.message));
  assert.throws(() => loss.compute(tf.ones([2, 2]) as tf.Tensor2D, [0, 3]), (e: unknown) => e instanceof WavecvError && /labels/.test(e.message));
  assert.throws(() => loss.compute(tf.ones([2, 2]) as tf.Tensor2D, [0]), (e: unknown) => e instanceof WavecvError && /labels/.test(e.message));
  assert.throws(() => new ArcFaceLoss({ numClasses: 1, embeddingDim: 2 }), (e: unknown) => e instanceof WavecvError && /numClasses/.test(e.message));
  assert.throws(() => new CosFaceLoss({ numClasses: 3, embeddingDim: 2, scale: 0 }), (e: unknown) => e instanceof WavecvError && /scale/.test(e.message));
  assert.throws(() => createFaceLoss('sphereface', { numClasses: 3, embeddingDim: 2 }), (e: unknown) => e instanceof WavecvError && /loss/.test(e.message));
  loss.dispose();
});

test('state round trip restores the class weights; two heads get distinct variable names', () => {
  const a = new CosFaceLoss({ numClasses: 4, embeddingDim: 3, seed: 5 });
  const b = new CosFaceLoss({ numClasses: 4, embeddingDim: 3, seed: 6 });
  assert.notEqual(a.weight.name, b.weight.name);
  const saved = tf.clone(a.getState().tensors.weight);
  b.setState({ tensors: { weight: saved }, json: a.getState().json });
  assertClose(b.weight.dataSync() as Float32Array, a.weight.dataSync() as Float32Array, 0, 0, 'weights');
  assert.throws(() => new ArcFaceLoss({ numClasses: 4, embeddingDim: 3 }).setState(a.getState()), (e: unknown) => e instanceof WavecvError && /kind/.test(e.message));
  saved.dispose();
  a.dispose();
  b.dispose();
});
