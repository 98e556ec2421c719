// The attention-collapse diagnostic (src/tasks/attention-collapse.ts): the
// neighbouring-block cosine similarity against a hand computation, and a
// tiny end-to-end measurement on Fashion-MNIST (3 blocks, 3 steps) whose
// untrained maps are the same with and without MAS (MAS starts as the
// identity) and whose MAS cost is H² parameters per block.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { renderFigure, type VegaLiteSpec } from '../../src/plot/vega.js';
import { attentionCollapseSpec, measureAttentionCollapse, neighbourMapSimilarity } from '../../src/tasks/attention-collapse.js';
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

test('a tiny measurement: same untrained maps with and without MAS, H² parameters per block, a figure', { skip: requireSystem('fashion-mnist', FASHION_MNIST), timeout: 120_000 }, async () => {
  await initEngine({ backend: 'wasm' });
  const before = tf.memory().numTensors;
  const report = await measureAttentionCollapse({ depth: 3, embedDim: 8, numHeads: 2, patchSize: 7, steps: 3, batchSize: 8, probe: 6 });
  assert.equal(tf.memory().numTensors, before, 'no leaked tensors');
  assert.equal(report.mas.parameters - report.plain.parameters, 3 * 2 * 2);
  assert.equal(report.plain.trained.length, 2);
  report.plain.untrained.forEach((v, l) => assert.ok(Math.abs(v - report.mas.untrained[l]) < 1e-6, `block ${l}`));
  for (const side of [report.plain, report.mas]) for (const v of [...side.trained, ...side.untrained]) assert.ok(v > 0 && v <= 1 + 1e-6);
  const spec = attentionCollapseSpec(report) as unknown as { data: { values: Array<{ series: string; y: number }> } };
  assert.deepEqual(spec.data.values.filter((p) => p.series === 'trained, MAS').map((p) => p.y), report.mas.trained);
  const png = await renderFigure(spec as unknown as VegaLiteSpec);
  assert.equal(png.subarray(1, 4).toString(), 'PNG');
});
