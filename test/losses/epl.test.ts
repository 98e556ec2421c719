import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { readThreshold } from '../../src/losses/common.js';
import { initEngine } from '../../src/engine/backend.js';
import { EplLoss, type EplLossOptions } from '../../src/losses/epl.js';
import { CosFaceLoss } from '../../src/losses/margins.js';
import { assertClose, cosines, crossEntropy, dot, finiteDifferences, gradientsOf, inputGradient, normalizeRow, type Matrix, TOY_CLASS_WEIGHTS, TOY_FEATURES, TOY_LABELS } from './reference.js';

const fixture = JSON.parse(readFileSync(new URL('./fixtures/face-losses.json', import.meta.url), 'utf8'));

before(async () => {
  await initEngine();
});

function make(options: Omit<EplLossOptions, 'numClasses' | 'embeddingDim'>, w: Matrix, p: Matrix): EplLoss {
  const loss = new EplLoss({ numClasses: w.length, embeddingDim: w[0].length, ...options });
  tf.tidy(() => {
    loss.weight.assign(tf.tensor2d(w));
    loss.prototypes.assign(tf.tensor2d(p));
  });
  return loss;
}

/** The update rule written out: every row from the prototypes before the batch, the last row of a class kept; α = softsign(c) or sigmoid(c − 1). */
function updatePrototypes(p: Matrix, x: Matrix, labels: number[], rule: 'softsign' | 'sigmoid'): Matrix {
  const out = p.map((r) => r.slice());
  labels.forEach((y, i) => {
    const xh = normalizeRow(x[i]);
    const c = dot(p[y], xh);
    const a = rule === 'softsign' ? c / (1 + Math.abs(c)) : 1 / (1 + Math.exp(1 - c));
    out[y] = normalizeRow(
      p[y].map((v, e) => a * v + (1 - a) * xh[e]),
      1e-12,
    );
  });
  return out;
}

const W = TOY_CLASS_WEIGHTS;
const P: Matrix = [
  [0.8, 0.6],
  [-0.2, 1.1],
  [0.5, -0.5],
];
const X = TOY_FEATURES;
const Y = TOY_LABELS;

/**
 * CosFace-EPL written out: ½ [CE(s(cos θ − m[j=y])) + CE(s(cos(x,P_j) − k·sg(cos(x,P_y))[j=y]))];
 * `frozen` fixes the stop-gradient value at other inputs (for finite differences).
 */
function eplCosface(x: Matrix, w: Matrix, p: Matrix, s: number, m: number, k: number, frozen?: Matrix): number {
  const cos = cosines(x, w);
  const emp = cosines(x, p);
  const sg = cosines(frozen ?? x, p);
  const a = cos.map((r, i) => r.map((c, j) => s * (c - (j === Y[i] ? m : 0))));
  const b = emp.map((r, i) => r.map((c, j) => s * (c - (j === Y[i] ? k * sg[i][j] : 0))));
  return (crossEntropy(a, Y) + crossEntropy(b, Y)) / 2;
}

test('prototype update: P_y ← normalize(α P_y + (1−α) x̂), α = softsign(⟨P_y, x̂⟩); a repeated class keeps its last row, computed from the prototypes before the batch', async () => {
  for (const rule of ['softsign', 'sigmoid'] as const) {
    const loss = make({ update: rule }, W, P);
    const x = tf.tensor2d(X);
    const before = tf.memory().numTensors;
    loss.beforeStep(x, Y);
    assert.equal(tf.memory().numTensors, before);
    assertClose(loss.prototypes.arraySync() as Matrix, updatePrototypes(P, X, Y, rule), 1e-6, 1e-7, `${rule} update`);
    x.dispose();
    loss.dispose();
  }
  // hand case: x̂ ⟂ P_y gives α = 0, so P_y becomes x̂
  const loss = make({}, W, P.map(() => [1, 0]));
  const x = tf.tensor2d([[0, 2]]);
  loss.beforeStep(x, [2]);
  assertClose((loss.prototypes.arraySync() as Matrix)[2], [0, 1], 0, 1e-7, 'orthogonal sample replaces the prototype');
  assertClose((loss.prototypes.arraySync() as Matrix)[0], [1, 0], 0, 0, 'other classes untouched');
  x.dispose();
  loss.dispose();
  // a class twice in one batch: the first sample has no effect, the second mixes into the old prototype
  const twice = make({}, W, P.map(() => [1, 0]));
  const x2 = tf.tensor2d([
    [0, 3],
    [1, 1],
  ]);
  twice.beforeStep(x2, [1, 1]);
  const c = Math.SQRT1_2;
  const a = c / (1 + c);
  const row = [a + (1 - a) * c, (1 - a) * c];
  const norm = Math.hypot(row[0], row[1]);
  assertClose((twice.prototypes.arraySync() as Matrix)[1], [row[0] / norm, row[1] / norm], 0, 1e-6, 'last occurrence from the old prototype');
  x2.dispose();
  twice.dispose();
});

test('prototype update matches the independent python implementation', async () => {
  const { C, D, features, weight, labels } = fixture;
  const loss = make({}, weight, fixture.cases.epl.prototypesBefore);
  assert.equal(loss.numClasses, C);
  assert.equal(loss.embeddingDim, D);
  const x = tf.tensor2d(features);
  loss.beforeStep(x, labels);
  assertClose(loss.prototypes.arraySync() as Matrix, fixture.cases.epl.prototypesAfter, 1e-5, 1e-6, 'prototypes');
  x.dispose();
  loss.dispose();
});

test('EPL (CosFace base): value, adaptive-margin gradient (stop-gradient), no gradient to the prototypes', async () => {
  const loss = make({ scale: 6, margin: 0.3, k: 0.7, startEpoch: 0 }, W, P);
  loss.onEpochStart(0);
  const { value, grad } = inputGradient((x) => loss.compute(x, Y).loss, X);
  assertClose(value, eplCosface(X, W, P, 6, 0.3, 0.7), 1e-6, 1e-6, 'loss');
  assertClose(grad, finiteDifferences((x) => eplCosface(x, W, P, 6, 0.3, 0.7, X), X), 1e-4, 1e-5, 'd/dx with sg frozen');
  const notDetached = finiteDifferences((x) => eplCosface(x, W, P, 6, 0.3, 0.7), X);
  assert.ok(Math.abs(notDetached[0][0] - grad[0][0]) > 1e-3, 'the margin is detached');
  const { grads } = gradientsOf(() => loss.compute(tf.tensor2d(X), Y).loss, [loss.weight]);
  assertClose(grads[0], finiteDifferences((w) => eplCosface(X, w, P, 6, 0.3, 0.7), W), 1e-4, 1e-5, 'd/dW');
  // even if someone marks the prototypes trainable, no gradient reaches them
  loss.prototypes.trainable = true;
  const g = tf.variableGrads(() => loss.compute(tf.tensor2d(X), Y).loss, [loss.weight, loss.prototypes]);
  const gp = g.grads[loss.prototypes.name];
  assert.ok(gp === undefined || gp === null || (gp.abs().max().dataSync()[0] as number) === 0, 'prototypes get no gradient');
  loss.prototypes.trainable = false;
  tf.dispose([g.value, ...Object.values(g.grads).filter((t): t is tf.Tensor => t != null)]);
  assert.deepEqual(loss.trainableVariables, [loss.weight]);
  loss.dispose();
});

test('EPL before startEpoch is CosFace alone, but the prototypes are still updated', async () => {
  const loss = make({ scale: 8, margin: 0.4, startEpoch: 3 }, W, P);
  const cosface = new CosFaceLoss({ numClasses: 3, embeddingDim: 2, scale: 8, margin: 0.4 });
  tf.tidy(() => cosface.weight.assign(tf.tensor2d(W)));
  const x = tf.tensor2d(X);
  const value = (l: EplLoss | CosFaceLoss) => tf.tidy(() => l.compute(x, Y).loss.dataSync()[0]);
  for (const epoch of [0, 2]) {
    loss.onEpochStart(epoch);
    assert.equal(loss.empiricalActive, false);
    assertClose(value(loss), value(cosface), 1e-7, 0, `epoch ${epoch}`);
  }
  loss.beforeStep(x, Y);
  assertClose(loss.prototypes.arraySync() as Matrix, updatePrototypes(P, X, Y, 'softsign'), 1e-6, 1e-7, 'updated before the empirical term starts');
  loss.onEpochStart(3);
  assert.equal(loss.empiricalActive, true);
  const after = loss.prototypes.arraySync() as Matrix;
  assertClose(value(loss), eplCosface(X, W, after, 8, 0.4, 0.7), 1e-6, 1e-6, 'epoch 3: ½(L_CosFace + L_ePr-m)');
  x.dispose();
  loss.dispose();
  cosface.dispose();
});

test('EPL (ArcFace base): angular margin on both blocks with the identity gradient', async () => {
  const s = 6;
  const m = 0.4;
  const k = 0.7;
  const arcEpl = (x: Matrix, frozen?: Matrix) => {
    const both = [...cosines(x, W), ...cosines(x, P)];
    const sgBoth = [...cosines(frozen ?? x, W), ...cosines(frozen ?? x, P)];
    const yy = [...Y, ...Y];
    const logits = both.map((r, i) =>
      r.map((c, j) => {
        if (j !== yy[i]) return s * c;
        const empirical = i >= Y.length;
        const c0 = sgBoth[i][j];
        const adapted = empirical ? c - k * c0 : c; // forward value (1−k)c; gradient of c
        const adapted0 = empirical ? (1 - k) * c0 : c0;
        return s * (adapted + (Math.cos(Math.acos(adapted0) + m) - adapted0));
      }),
    );
    return logits.reduce((t, row, i) => t + Math.log(row.reduce((a, z) => a + Math.exp(z), 0)) - row[yy[i]], 0) / logits.length;
  };
  const loss = make({ base: 'arcface', scale: s, margin: m, k, startEpoch: 0 }, W, P);
  const { value, grad } = inputGradient((x) => loss.compute(x, Y).loss, X);
  assertClose(value, arcEpl(X), 1e-6, 1e-6, 'loss');
  assertClose(grad, finiteDifferences((x) => arcEpl(x, X), X), 1e-4, 1e-5, 'd/dx (margins frozen)');
  loss.dispose();
});

test('EPL (CosFace and UniFace bases) match the independent torch implementation', async () => {
  const { C, D, features, weight, labels } = fixture;
  const ref = fixture.cases.epl;
  for (const base of ['cosface', 'uniface'] as const) {
    const loss = make({ base, startEpoch: 3 }, weight, ref.prototypesBefore);
    loss.onEpochStart(3);
    const x = tf.tensor2d(features);
    loss.beforeStep(x, labels);
    x.dispose();
    const { value, grad } = inputGradient((xx) => loss.compute(xx, labels).loss, features);
    assertClose(value, ref[base].loss, 1e-5, 1e-5, `${base} loss`);
    assertClose(grad, ref[base].gradFeatures, 1e-3, 1e-5, `${base} d/dx`);
    const vars = base === 'uniface' ? [loss.weight, loss.bias!] : [loss.weight];
    const { grads } = gradientsOf(() => loss.compute(tf.tensor2d(features), labels).loss, vars);
    assertClose(grads[0], ref[base].gradWeight, 1e-3, 1e-5, `${base} d/dW`);
    if (base === 'uniface') {
      assertClose(grads[1], ref.uniface.gradBias, 1e-3, 1e-5, 'uniface d/db');
      assertClose((await readThreshold(loss))!, Math.log(10 * C) / 64, 1e-6, 0, 'uniface threshold b/s');
    }
    assert.equal(loss.embeddingDim, D);
    loss.dispose();
  }
});

test('EPL state round trip restores prototypes and epoch', async () => {
  const a = make({ startEpoch: 2 }, W, P);
  a.onEpochStart(5);
  const b = new EplLoss({ numClasses: 3, embeddingDim: 2, startEpoch: 2, seed: 4 });
  b.setState(a.getState());
  assert.equal(b.empiricalActive, true);
  assertClose(b.prototypes.arraySync() as Matrix, P, 1e-7, 0, 'prototypes');
  assertClose(b.weight.arraySync() as Matrix, W, 1e-7, 0, 'weights');
  a.dispose();
  b.dispose();
});
