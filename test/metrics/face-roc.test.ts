import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WavecvError } from '../../src/errors.js';
import { Rng } from '../../src/engine/random.js';
import { rocCurve, tarAtFar, tarAtFars } from '../../src/metrics/roc.js';

// scores in decreasing order: same, diff, same, same, diff, diff
const SCORES = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4];
const SAME = [true, false, true, true, false, false];

test('ROC curve of a known score set', () => {
  const roc = rocCurve(SCORES, SAME);
  assert.deepEqual(roc.thresholds, [Infinity, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4]);
  assert.deepEqual(roc.far, [0, 0, 1 / 3, 1 / 3, 1 / 3, 2 / 3, 1]);
  assert.deepEqual(roc.tar, [0, 1 / 3, 1 / 3, 2 / 3, 1, 1, 1]);
  assert.equal(roc.positives, 3);
  assert.equal(roc.negatives, 3);
  // tied scores form one point
  const tied = rocCurve([0.5, 0.5, 0.2], [1, 0, 1]);
  assert.deepEqual(tied.far, [0, 1, 1]);
  assert.deepEqual(tied.tar, [0, 0.5, 1]);
});

test('TAR@FAR: largest TAR within the FAR budget, and insightface’s nearest-FAR point', () => {
  const roc = rocCurve(SCORES, SAME);
  const atMost = tarAtFar(roc, 0.4);
  assert.equal(atMost.tar, 1);
  assert.equal(atMost.threshold, 0.6);
  assert.equal(atMost.achievedFar, 1 / 3);
  assert.equal(tarAtFar(roc, 0.1).tar, 1 / 3, 'FAR 0 allows accepting down to 0.9');
  const nearest = tarAtFar(roc, 0.3, 'nearest');
  assert.equal(nearest.achievedFar, 1 / 3);
  assert.equal(nearest.tar, 1 / 3, 'first point at the nearest FAR (threshold 0.8)');
  assert.equal(tarAtFar(roc, 0.1, 'nearest').tar, 0, 'insightface picks the +∞ point when FAR 0 is nearest');
  const all = tarAtFars(SCORES, SAME);
  assert.deepEqual(all.map((r) => r.far), [1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6]);
  assert.deepEqual(all.map((r) => r.resolvable), [false, false, false, false, false, false]);
  assert.throws(() => tarAtFar(roc, 0), (e: unknown) => e instanceof WavecvError && /far/.test(e.message));
  assert.throws(() => rocCurve([0.1, 0.2], [1, 1]), (e: unknown) => e instanceof WavecvError && /issame/.test(e.message));
});

test('TAR@FAR equals a brute-force threshold search on random scores', () => {
  const rng = new Rng(5);
  const n = 2000;
  const same = Array.from({ length: n }, () => rng.next() < 0.3);
  const scores = same.map((s) => Math.round((rng.normal() + (s ? 2 : 0)) * 100) / 100);
  const negatives = same.filter((s) => !s).length;
  const positives = n - negatives;
  for (const target of [1e-1, 1e-2, 1e-3]) {
    let best = 0;
    for (const t of new Set(scores)) {
      const far = scores.filter((v, i) => v >= t && !same[i]).length / negatives;
      const tar = scores.filter((v, i) => v >= t && same[i]).length / positives;
      if (far <= target && tar > best) best = tar;
    }
    const r = tarAtFars(scores, same, [target])[0];
    assert.equal(r.tar, best, `FAR ${target}`);
    assert.ok(r.achievedFar <= target);
    assert.equal(r.resolvable, target * negatives >= 1);
  }
});
