// The attention-collapse diagnostic (src/tasks/attention-collapse.ts): the
// neighbouring-block cosine similarity, its centred form and the sharpness
// of the maps against hand computations, and a tiny end-to-end measurement
// on Fashion-MNIST (3 blocks, 3 steps) whose untrained maps are the same
// with and without MAS (MAS starts as the identity), whose MAS cost is H²
// parameters per block, with a snapshot at step 0, every 2 steps and the
// last step, each reported as it is taken.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { renderFigure, type VegaLiteSpec } from '../../src/plot/vega.js';
import { attentionCollapseSpec, mapSharpness, measureAttentionCollapse, neighbourMapSimilarity } from '../../src/tasks/attention-collapse.js';
import { FASHION_MNIST, requireSystem } from '../helpers/requirements.js';

test('neighbour-map similarity is the mean cosine of matching rows (hand-computed)', async () => {
  await initEngine({ backend: 'cpu' });
  // One sample, one head, two query tokens over two keys; three blocks.
  const a = tf.tensor4d([1, 0, 0.5, 0.5], [1, 1, 2, 2]);
  const b = tf.tensor4d([0.6, 0.8, 0.5, 0.5], [1, 1, 2, 2]);
  const c = tf.tensor4d([0, 1, 1, 0], [1, 1, 2, 2]);
  const s = neighbourMapSimilarity([a, b, c]);
  // a,b: row 1 cos = 0.6, row 2 cos = 1; b,c: row 1 cos = 0.8, row 2 cos = 0.5/√0.5 = √0.5.
  assert.ok(Math.abs(s[0] - (0.6 + 1) / 2) < 1e-6 && Math.abs(s[1] - (0.8 + Math.SQRT1_2) / 2) < 1e-6, `${s}`);
  tf.dispose([a, b, c]);
});

test('centred similarity and sharpness (hand-computed)', async () => {
  await initEngine({ backend: 'cpu' });
  // One sample, one head, one query over three keys: a uniform row, a one-hot row, a mixed row.
  const uniform = tf.tensor4d([1 / 3, 1 / 3, 1 / 3], [1, 1, 1, 3]);
  const oneHot = tf.tensor4d([1, 0, 0], [1, 1, 1, 3]);
  const mixed = tf.tensor4d([0.5, 0.5, 0], [1, 1, 1, 3]);
  // Centred: uniform → (0, 0, 0) counts 0; one-hot − 1/3 = (2, −1, −1)/3, mixed − 1/3 = (1, 1, −2)/6: cos = (2 − 1 + 2)/(√6·√6) = 0.5.
  const centred = neighbourMapSimilarity([uniform, oneHot, mixed], true);
  assert.ok(Math.abs(centred[0]) < 1e-6 && Math.abs(centred[1] - 0.5) < 1e-6, `${centred}`);
  // Sharpness 1 − H/log 3: uniform 0, one-hot 1, mixed 1 − log 2/log 3.
  const sharp = mapSharpness([uniform, oneHot, mixed]);
  [0, 1, 1 - Math.log(2) / Math.log(3)].forEach((v, i) => assert.ok(Math.abs(sharp[i] - v) < 1e-5, `${sharp}`));
  tf.dispose([uniform, oneHot, mixed]);
});

test('a tiny measurement: same untrained maps with and without MAS, H² parameters per block, snapshots, step times, a figure', { skip: requireSystem('fashion-mnist', FASHION_MNIST), timeout: 120_000 }, async () => {
  await initEngine({ backend: 'wasm' });
  const before = tf.memory().numTensors;
  const partial: boolean[] = [];
  const report = await measureAttentionCollapse({ depth: 3, embedDim: 8, numHeads: 2, patchSize: 7, steps: 3, batchSize: 8, probe: 6, snapshotEvery: 2, timingRounds: 1, onSnapshot: (r) => partial.push(r.complete) });
  assert.equal(tf.memory().numTensors, before, 'no leaked tensors');
  assert.deepEqual(partial, [false, false, false, true], 'step 0, 2, 3, then the step times');
  assert.equal(report.mas.parameters - report.plain.parameters, 3 * 2 * 2);
  for (const side of [report.plain, report.mas]) {
    assert.deepEqual(side.snapshots.map((s) => s.step), [0, 2, 3]);
    assert.equal(side.trainedSteps, 3);
    assert.ok(side.stepMs! > 0 && side.stepCpuMs! > 0);
    for (const s of side.snapshots) {
      assert.equal(s.similarity.length, 2);
      assert.equal(s.sharpness.length, 3);
      for (const v of s.similarity) assert.ok(v > 0 && v <= 1 + 1e-6);
      for (const v of s.centredSimilarity) assert.ok(v >= -1 - 1e-6 && v <= 1 + 1e-6);
    }
  }
  const [plain0, mas0] = [report.plain.snapshots[0], report.mas.snapshots[0]];
  plain0.similarity.forEach((v, l) => assert.ok(Math.abs(v - mas0.similarity[l]) < 1e-6, `block ${l}`));
  const spec = attentionCollapseSpec(report) as unknown as { concat: Array<{ data: { values: Array<{ series: string; y: number }> } }> };
  assert.equal(spec.concat.length, 3);
  assert.deepEqual(spec.concat[0].data.values.filter((p) => p.series === 'MAS, step 3').map((p) => p.y), report.mas.snapshots[2].similarity);
  const png = await renderFigure(spec as unknown as VegaLiteSpec);
  assert.equal(png.subarray(1, 4).toString(), 'PNG');
});

test('a signal ends training early: both models measured at the step they reached, step times still taken', { skip: requireSystem('fashion-mnist', FASHION_MNIST), timeout: 120_000 }, async () => {
  await initEngine({ backend: 'wasm' });
  const stop = new AbortController();
  stop.abort(); // each trainer finishes the step it is in (its first) and stops
  const report = await measureAttentionCollapse({ depth: 2, embedDim: 8, numHeads: 2, patchSize: 14, steps: 50, batchSize: 4, probe: 4, snapshotEvery: 20, timingRounds: 1, signal: stop.signal });
  for (const side of [report.plain, report.mas]) {
    assert.equal(side.trainedSteps, 1);
    assert.deepEqual(side.snapshots.map((s) => s.step), [0, 1]);
    assert.ok(side.stepMs! > 0 && side.stepCpuMs! > 0);
  }
  assert.equal(report.complete, true);
});
