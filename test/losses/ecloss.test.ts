import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { WavecvError } from '../../src/errors.js';
import { ExplainableChannelLoss, channelPeaks, explainabilityMetrics, modelWithLayerOutput, templateMatrix } from '../../src/losses/ecloss.js';
import { assertClose } from './reference.js';

before(async () => {
  await initEngine();
});

/** ECLoss written out on nested arrays a[b][h][w][k] (peaks fixed by `peaksFrom`). */
function ecloss(a: number[][][][], beta: number, lambda: number, peaksFrom = a): number {
  const B = a.length;
  const H = a[0].length;
  const Wd = a[0][0].length;
  const K = a[0][0][0].length;
  const n = Math.max(H, Wd);
  let match = 0;
  let active = 0;
  let overlap = 0;
  for (let b = 0; b < B; b++) {
    const maps: number[][] = [];
    for (let k = 0; k < K; k++) {
      const map: number[] = [];
      let best = -Infinity;
      let at = 0;
      for (let h = 0; h < H; h++)
        for (let w = 0; w < Wd; w++) {
          map.push(Math.max(a[b][h][w][k], 0));
          const v = Math.max(peaksFrom[b][h][w][k], 0);
          if (v > best) {
            best = v;
            at = h * Wd + w;
          }
        }
      const mass = map.reduce((s, v) => s + v, 0);
      if (mass > 0) {
        const mr = Math.floor(at / Wd);
        const mc = at % Wd;
        const score = map.reduce((s, v, p) => s + v * Math.max(1 - (beta * (Math.abs(Math.floor(p / Wd) - mr) + Math.abs((p % Wd) - mc))) / n, -1), 0) / mass;
        match += 1 - score;
        active++;
      }
      const norm = Math.max(Math.hypot(...map), 1e-12);
      maps.push(map.map((v) => v / norm));
    }
    let pairs = 0;
    for (let k = 0; k < K; k++) for (let l = 0; l < K; l++) if (k !== l) pairs += maps[k].reduce((s, v, p) => s + v * maps[l][p], 0);
    overlap += K > 1 ? pairs / (K * (K - 1)) : 0;
  }
  return match / Math.max(active, 1) + lambda * (overlap / B);
}

/** A [1, H, W, K] map with one-hot activations at the given (row, col) per channel. */
function spikes(h: number, w: number, at: Array<[number, number]>): number[][][][] {
  const a = Array.from({ length: h }, () => Array.from({ length: w }, () => at.map(() => 0)));
  at.forEach(([r, c], k) => (a[r][c][k] = 1));
  return [a];
}

test('template T_μ(p) = max(1 − β‖p − μ‖₁/n, −1) (Zhang et al. 2018)', async () => {
  const t = templateMatrix(3, 4, 4);
  // μ = (1, 2) → index 6; p = (0, 0): distance 3, n = 4 → max(1 − 3, −1) = −1
  assert.equal(t[6 * 12 + 0], -1);
  assert.equal(t[6 * 12 + 6], 1);
  assert.equal(t[6 * 12 + 7], 0); // distance 1 → 1 − 4/4
  const t2 = templateMatrix(4, 4, 2);
  assert.equal(t2[0 * 16 + 1], 0.5); // distance 1 → 1 − 2/4
});

test('one compact blob per channel at distinct places gives a zero loss; overlap and spread raise it', async () => {
  const loss = new ExplainableChannelLoss();
  const value = (a: number[][][][]) => tf.tidy(() => loss.compute(tf.tensor4d(a)).loss.dataSync()[0]);
  assertClose(value(spikes(5, 5, [[0, 0], [4, 4], [2, 1]])), 0, 0, 1e-7, 'delta maps at distinct places');
  const same = value(spikes(5, 5, [[2, 2], [2, 2]]));
  assertClose(same, 1, 0, 1e-6, 'two identical delta maps: overlap 1');
  const uniform = [Array.from({ length: 4 }, () => Array.from({ length: 4 }, () => [1]))];
  // a uniform map: score = mean of T around the first cell (0, 0): β = 4, n = 4 → T = max(1 − d, −1)
  let meanT = 0;
  for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) meanT += Math.max(1 - (r + c), -1) / 16;
  assertClose(value(uniform), 1 - meanT, 1e-6, 1e-7, 'uniform map');
  assertClose(value(uniform), ecloss(uniform, 4, 1), 1e-6, 1e-7, 'reference');
  loss.dispose();
});

test('ECLoss value and gradient match the written-out formula (peaks held fixed)', async () => {
  const rng = (i: number) => Math.sin(i * 12.9898) * 0.5 + 0.3;
  const a: number[][][][] = [];
  let i = 0;
  for (let b = 0; b < 2; b++) {
    a.push([]);
    for (let h = 0; h < 4; h++) {
      a[b].push([]);
      for (let w = 0; w < 3; w++) {
        a[b][h].push([]);
        for (let k = 0; k < 3; k++) a[b][h][w].push(rng(i++));
      }
    }
  }
  // make each peak clear so that finite differences do not move it
  a[0][1][1][0] = 2;
  a[0][3][2][1] = 2;
  a[0][0][0][2] = 2;
  a[1][2][0][0] = 2;
  a[1][0][2][1] = 2;
  a[1][3][1][2] = 2;
  const loss = new ExplainableChannelLoss({ beta: 3, diversityWeight: 0.5 });
  const input = tf.tensor4d(a);
  const parts = await loss.components(input); // also caches the template matrix of this map size
  const before = tf.memory().numTensors;
  const { value, grad } = tf.tidy(() => {
    const r = tf.valueAndGrad((x: tf.Tensor) => loss.compute(x as tf.Tensor4D).loss)(input);
    return { value: r.value.dataSync()[0], grad: Array.from(r.grad.dataSync()) };
  });
  assert.equal(tf.memory().numTensors, before);
  assertClose(value, ecloss(a, 3, 0.5), 1e-5, 1e-6, 'loss');
  const fd: number[] = [];
  const h = 1e-6;
  const flat = a.flat(3);
  for (let j = 0; j < flat.length; j++) {
    const bump = (d: number) => {
      const copy = structuredClone(a);
      const k = j % 3;
      const w = Math.floor(j / 3) % 3;
      const hh = Math.floor(j / 9) % 4;
      const b = Math.floor(j / 36);
      copy[b][hh][w][k] += d;
      return ecloss(copy, 3, 0.5, a);
    };
    fd.push((bump(h) - bump(-h)) / (2 * h));
  }
  assertClose(grad, fd, 2e-3, 1e-5, 'gradient');
  assertClose(parts.matching + 0.5 * parts.diversity, value, 1e-6, 1e-7, 'components add up');
  input.dispose();
  loss.dispose();
});

test('channel peaks and explainability metrics', async () => {
  const a = tf.tensor4d([...spikes(4, 4, [[1, 2], [3, 0]]), ...spikes(4, 4, [[1, 2], [0, 0]])]);
  const peaks = await channelPeaks(a);
  assert.deepEqual(peaks[0][0], { row: 1, col: 2, value: 1 });
  assert.deepEqual(peaks[1][1], { row: 0, col: 0, value: 1 });
  const m = await explainabilityMetrics(a);
  assertClose(m.templateMatch, 1, 0, 1e-7, 'template match');
  assertClose(m.channelOverlap, 0, 0, 1e-7, 'overlap');
  // channel 0 at the same place in both images; channel 1 peaks 3 rows apart → RMS spread 1.5
  assertClose(m.peakSpread, (0 + 1.5) / 2, 0, 1e-9, 'peak spread');
  a.dispose();
});

test('modelWithLayerOutput exposes a target layer; bad inputs throw', async () => {
  const input = tf.input({ shape: [6, 6, 1] });
  const conv = tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', name: 'target_conv' }).apply(input) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 2 }).apply(tf.layers.flatten().apply(conv)) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  const both = modelWithLayerOutput(model, 'target_conv');
  const x = tf.ones([2, 6, 6, 1]);
  const [emb, act] = both.predict(x) as tf.Tensor[];
  assert.deepEqual(emb.shape, [2, 2]);
  assert.deepEqual(act.shape, [2, 6, 6, 3]);
  assert.throws(() => modelWithLayerOutput(model, 'nope'), (e: unknown) => e instanceof WavecvError && /layerName/.test(e.message));
  const loss = new ExplainableChannelLoss();
  assert.throws(() => loss.compute(tf.ones([2, 3]) as unknown as tf.Tensor4D), (e: unknown) => e instanceof WavecvError && /activations/.test(e.message));
  assert.throws(() => new ExplainableChannelLoss({ beta: 0 }), (e: unknown) => e instanceof WavecvError && /beta/.test(e.message));
  tf.dispose([x, emb, act]);
  model.dispose();
});
