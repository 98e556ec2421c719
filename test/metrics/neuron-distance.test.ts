// Vaa3D neuron_distance scores (ESA, DSA, PDS) and precision/recall/F1:
// hand-computed cases (sampling counts, parallel offsets on either side of
// the threshold, one-sided DSA) and an independent NumPy rendering of the
// plugin on random trees (scripts/gen_neuron_distance_fixture.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { WavecvError } from '../../src/errors.js';
import { neuronDistance, samplePoints } from '../../src/metrics/neuron-distance.js';
import { parseSwc, type SwcTree } from '../../src/neuron/swc.js';

const is = (pattern: RegExp) => (e: unknown) => e instanceof WavecvError && pattern.test(e.message);
const line = (points: number[][]): SwcTree => ({
  nodes: points.map(([x, y, z], i) => ({ id: i + 1, type: 3, x, y, z, radius: 1, parent: i === 0 ? -1 : i })),
  comments: [],
});

test('sampling follows dist_directional_swc_1_2: N = int(1 + length + 0.5) points per edge, both ends; <0.5 keeps the child', () => {
  // edges of length 4 (N = 5), 0.25 (N = 1) and 2.5 (N = 4)
  const points = samplePoints(line([[0, 0, 0], [4, 0, 0], [4, 0.25, 0], [4, 2.75, 0]]));
  assert.equal(points.length / 3, 5 + 1 + 4);
  assert.deepEqual(Array.from(points.subarray(0, 15)), [4, 0, 0, 3, 0, 0, 2, 0, 0, 1, 0, 0, 0, 0, 0]);
  const want = [4, 0.25, 0, 4, 2.75, 0, 4, 2.75 - 2.5 / 3, 0, 4, 2.75 - 5 / 3, 0, 4, 0.25, 0];
  Array.from(points.subarray(15, 30)).forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-6, `${i}: ${v} vs ${want[i]}`));
});

test('parallel segments: offset 3 is all different structure (ESA = DSA = 3, PDS = 1); offset 1 is none (DSA = 0, PDS = 0)', () => {
  const a = line([[0, 0, 0], [10, 0, 0]]);
  const far = neuronDistance(a, line([[0, 3, 0], [10, 3, 0]]));
  assert.ok(Math.abs(far.esa - 3) < 1e-6 && Math.abs(far.dsa - 3) < 1e-6);
  assert.equal(far.pds, 1);
  assert.equal(far.points12, 11);
  assert.deepEqual([far.precision, far.recall, far.f1], [0, 0, 0]);
  const near = neuronDistance(a, line([[0, 1, 0], [10, 1, 0]]));
  assert.ok(Math.abs(near.esa - 1) < 1e-6);
  assert.deepEqual([near.dsa, near.pds, near.precision, near.recall, near.f1], [0, 0, 1, 1, 1]);
  // A longer reference: its extra 10 voxels are 'different' one way only; DSA is the one-way mean then.
  const longer = neuronDistance(a, line([[0, 0, 0], [20, 0, 0]]));
  assert.equal(longer.esa12, 0);
  assert.equal(longer.pds12, 0);
  assert.equal(longer.pds21, 9 / 21); // points at x = 12…20 are ≥ 2 from a
  assert.ok(Math.abs(longer.dsa - (2 + 3 + 4 + 5 + 6 + 7 + 8 + 9 + 10) / 9) < 1e-6);
  assert.equal(longer.precision, 1);
  assert.equal(longer.recall, 13 / 21); // x = 0…12
  const tolerant = neuronDistance(a, line([[0, 0, 0], [20, 0, 0]]), { tolerance: 4 });
  assert.equal(tolerant.recall, 15 / 21);
});

test('ESA/DSA/PDS/precision/recall/F1 equal an independent NumPy rendering of the Vaa3D plugin on random trees', () => {
  const cases = JSON.parse(readFileSync(new URL('../fixtures/neuron/neuron-distance.json', import.meta.url), 'utf8')) as Array<{ a: string; b: string; threshold: number; scores: Record<string, number> }>;
  for (const [k, c] of cases.entries()) {
    const got = neuronDistance(parseSwc(c.a), parseSwc(c.b), { threshold: c.threshold }) as unknown as Record<string, number>;
    for (const [key, want] of Object.entries(c.scores)) assert.ok(Math.abs(got[key] - want) <= 1e-9 * Math.max(1, Math.abs(want)), `case ${k} ${key}: ${got[key]} vs ${want}`);
  }
});

test('neuronDistance refuses a tree without an edge and bad thresholds', () => {
  const a = line([[0, 0, 0], [10, 0, 0]]);
  assert.throws(() => neuronDistance(a, line([[1, 1, 1]])), is(/tree b: got "1 node\(s\) and no edge"/));
  assert.throws(() => neuronDistance(a, a, { threshold: 0 }), is(/threshold: got 0/));
  assert.throws(() => neuronDistance(a, a, { tolerance: -1 }), is(/tolerance: got -1/));
});
