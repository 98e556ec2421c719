// Registration metrics (src/metrics/registration.ts) against numpy (VoxelMorph's
// jacobian_determinant) and MedPy's hd95 written with scipy
// (scripts/gen_registration_fixtures.py); Dice by hand; errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dice, foldingPercentage, hd95, jacobianDeterminant, labelsIn } from '../../src/metrics/registration.js';

const fixtures = JSON.parse(readFileSync(new URL('../fixtures/registration.json', import.meta.url), 'utf8')) as {
  jacobian: Array<{ shape: number[]; field: number[]; determinant: number[]; foldingPercent: number }>;
  hd95: Array<{ shape: number[]; spacing: number[]; a: number[]; b: number[]; hd95: Record<string, number>; dice: Record<string, number> }>;
};

test('jacobianDeterminant and foldingPercentage equal VoxelMorph jacobian_determinant (np.gradient), 2-D and 3-D', () => {
  for (const c of fixtures.jacobian) {
    const det = jacobianDeterminant({ data: c.field, shape: c.shape });
    assert.deepEqual(det.shape, c.shape.slice(0, -1));
    for (let i = 0; i < det.data.length; i++) assert.ok(Math.abs(det.data[i] - c.determinant[i]) < 1e-9, `${c.shape}[${i}]`);
    assert.ok(c.foldingPercent > 0, 'the fixture field folds somewhere');
    assert.ok(Math.abs(foldingPercentage({ data: c.field, shape: [1, ...c.shape] }) - c.foldingPercent) < 1e-9);
  }
  // the identity (zero displacement) has determinant 1 everywhere
  const zero = jacobianDeterminant({ data: new Float32Array(4 * 5 * 6 * 3), shape: [4, 5, 6, 3] });
  assert.ok(zero.data.every((v) => v === 1));
});

test('hd95 equals MedPy hd95 (scipy EDT, anisotropic spacing) and dice the overlap ratio, per label', () => {
  for (const c of fixtures.hd95) {
    const a = { data: c.a, shape: c.shape };
    const b = { data: c.b, shape: c.shape };
    const labels = [1, 2, 3];
    const h = hd95(a, b, labels, { spacing: c.spacing });
    labels.forEach((l, i) => assert.ok(Math.abs(h[i] - c.hd95[String(l)]) < 1e-9, `${c.shape} label ${l}: ${h[i]} vs ${c.hd95[String(l)]}`));
    const d = dice(a, b, labels);
    labels.forEach((l, i) => assert.ok(Math.abs(d[i] - c.dice[String(l)]) < 1e-12));
  }
  assert.deepEqual(labelsIn({ data: [0, 3, 3, 1, 0], shape: [5] }), [1, 3]);
  const same = dice({ data: [0, 1, 1, 2], shape: [2, 2] }, { data: [0, 1, 2, 2], shape: [2, 2] }, [1, 2, 7]);
  assert.deepEqual(same.slice(0, 2), [2 / 3, 2 / 3]);
  assert.ok(Number.isNaN(same[2]));
  assert.ok(Number.isNaN(hd95({ data: [0, 1], shape: [1, 2] }, { data: [0, 0], shape: [1, 2] }, [1])[0]));
});

test('bad metric inputs are refused naming them', () => {
  assert.throws(() => jacobianDeterminant({ data: new Float32Array(24), shape: [4, 2, 3] }), /field: got \[4, 2, 3\], expected a displacement/);
  assert.throws(() => dice({ data: [1, 2], shape: [2] }, { data: [1, 2, 3], shape: [3] }, [1]), /labelsB: got \[3\], expected the shape of labelsA, \[2\]/);
  assert.throws(() => hd95({ data: [1], shape: [1, 1] }, { data: [1], shape: [1, 1] }, [1], { spacing: [1] }), /spacing: got \[1\], expected 2 positive voxel sizes/);
});
