// ROC figure of binary detectors (src/plot/roc-figure.ts): the series are the
// ROC of every distinct threshold with AUC/EER in the legend; the PNG decodes
// at the requested size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { rocPng, rocSeries } from '../../src/plot/roc-figure.js';

test('ROC series: chance diagonal, then each curve through every distinct threshold, AUC and EER in the label', async () => {
  const input = { label: 'frames', scores: [0.2, 0.5, 0.5, 0.9, 0.5, 0.2, 0.7, 0.1], labels: [0, 0, 1, 1, 0, 1, 1, 0] };
  const [chance, curve] = rocSeries([input]);
  assert.deepEqual(chance, { label: 'chance', x: [0, 1], y: [0, 1] });
  assert.deepEqual(curve.x, [0, 0, 0, 0.5, 0.75, 1]);
  assert.deepEqual(curve.y, [0, 0.25, 0.5, 0.75, 1, 1]);
  assert.equal(curve.label, 'frames (AUC 0.781, EER 0.333)');
  const png = await rocPng([input, { label: 'videos', scores: [0.1, 0.9, 0.4], labels: [0, 1, 1] }]);
  const meta = await sharp(png).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['png', 760, 460]);
});
