// World-coordinate resampling (src/data/world-resample.ts) and the pieces of
// the inter-subject pair (src/data/inter-subject.ts): a flipped, shifted grid
// (HarvardOxford's against Colin27's) read back exactly; a world transform
// applied as written; 2-means on a two-level sample; the moment alignment maps
// one mask's centroid and spread onto the other's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine } from '../../src/engine/backend.js';
import { invertAffine4, multiply4, resampleWorld, type Matrix4 } from '../../src/data/world-resample.js';
import { maskMoments, momentAlignment, tissueLabels, twoMeans } from '../../src/data/inter-subject.js';
import { WavecvError } from '../../src/errors.js';

const SHAPE = [4, 5, 6];
const values = Float32Array.from({ length: 4 * 5 * 6 }, (_, i) => i + 1);
const at = (z: number, y: number, x: number) => values[(z * 5 + y) * 6 + x];

test('invertAffine4 inverts; resampleWorld reads a flipped, shifted grid exactly (nearest and linear) and applies a world transform', async () => {
  await initEngine();
  const a: Matrix4 = [[0, 2, 0, 3], [-1, 0, 0, 7], [0, 0, 3, -2], [0, 0, 0, 1]];
  const product = multiply4(a, invertAffine4(a));
  product.forEach((row, r) => row.forEach((v, c) => assert.ok(Math.abs(v - (r === c ? 1 : 0)) < 1e-12)));
  assert.throws(() => invertAffine4([[1, 0, 0, 0], [2, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]), WavecvError);

  // source: x flipped and every axis shifted by one voxel against the target (as HarvardOxford against Colin27)
  const source = { shape: SHAPE, affine: [[-1, 0, 0, 5], [0, 1, 0, -1], [0, 0, 1, -1], [0, 0, 0, 1]] };
  const target = { shape: [3, 4, 6], affine: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]] };
  for (const interpolation of ['nearest', 'linear'] as const) {
    const out = resampleWorld(values, source, target, { interpolation });
    for (let z = 0; z < 3; z++)
      for (let y = 0; y < 4; y++)
        for (let x = 0; x < 6; x++) assert.ok(Math.abs(out[(z * 4 + y) * 6 + x] - at(z + 1, y + 1, 5 - x)) < 1e-4, `${interpolation} (${z}, ${y}, ${x})`);
  }
  // a world translation by half a voxel along x: linear interpolation averages neighbours; outside reads 0
  const half = resampleWorld(values, { shape: SHAPE, affine: target.affine }, { shape: SHAPE, affine: target.affine }, { interpolation: 'linear', transform: [[1, 0, 0, 0.5], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]] });
  assert.ok(Math.abs(half[(2 * 5 + 3) * 6 + 1] - (at(2, 3, 1) + at(2, 3, 2)) / 2) < 1e-4);
  assert.ok(Math.abs(half[(2 * 5 + 3) * 6 + 5] - at(2, 3, 5) / 2) < 1e-4, 'half of the last voxel, half of the zero outside');
  assert.throws(() => resampleWorld(values.subarray(1), source, target, { interpolation: 'nearest' }), /values: got 119, expected 4×5×6 voxels/);
});

test('twoMeans finds the two levels of a two-level sample; tissueLabels splits at their midpoint; moment alignment matches centroid and spread', () => {
  const sample = Float32Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? 80 + (i % 7) : 40 + (i % 5)));
  const [low, high] = twoMeans(sample);
  assert.ok(Math.abs(low - 42) < 0.1 && Math.abs(high - 83) < 0.1, `${low}, ${high}`);
  assert.deepEqual(Array.from(tissueLabels(Float32Array.from([0, 41, 44, 81, 86, 0]))), [0, 1, 1, 2, 2, 0]);

  // a box mask on one grid, a scaled and shifted box on another: the alignment maps one's moments onto the other's
  const box = (shape: number[], lo: number[], hi: number[]) => {
    const mask = new Float32Array(shape[0] * shape[1] * shape[2]);
    for (let z = lo[0]; z <= hi[0]; z++) for (let y = lo[1]; y <= hi[1]; y++) for (let x = lo[2]; x <= hi[2]; x++) mask[(z * shape[1] + y) * shape[2] + x] = 1;
    return mask;
  };
  const fixedGrid = { shape: [10, 10, 10], affine: [[1, 0, 0, -5], [0, 1, 0, -5], [0, 0, 1, -5], [0, 0, 0, 1]] };
  const movingGrid = { shape: [10, 10, 10], affine: [[-2, 0, 0, 40], [0, 0, 3, 1], [0, 2, 0, 0], [0, 0, 0, 1]] };
  const fixedMoments = maskMoments(box([10, 10, 10], [2, 3, 1], [7, 6, 8]), fixedGrid);
  const movingMoments = maskMoments(box([10, 10, 10], [1, 2, 3], [5, 8, 6]), movingGrid);
  assert.deepEqual(fixedMoments.centroid, [-0.5, -0.5, -0.5]);
  const transform = momentAlignment(fixedMoments, movingMoments);
  for (let r = 0; r < 3; r++) {
    assert.ok(Math.abs(transform[r][r] * fixedMoments.centroid[r] + transform[r][3] - movingMoments.centroid[r]) < 1e-9, `centroid ${r}`);
    assert.ok(Math.abs(transform[r][r] * fixedMoments.std[r] - movingMoments.std[r]) < 1e-9, `spread ${r}`);
  }
  assert.throws(() => maskMoments(new Float32Array(1000), fixedGrid), /mask: got "empty"/);
});
