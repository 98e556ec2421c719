// Binary detection scores (src/metrics/binary.ts): AUC, EER, AP and accuracy
// at 0.5 against a numpy rewrite of scikit-learn's roc_curve / roc_auc_score /
// average_precision_score (scripts/gen_binary_score_fixtures.py) on random,
// tie-heavy and small cases, frame and video level; input errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { binaryScores, frameAndVideoScores, videoScores } from '../../src/metrics/binary.js';
import { WavecvError } from '../../src/errors.js';

interface Expected { auc: number; eer: number; ap: number; accuracy: number }
const fixture = JSON.parse(readFileSync(new URL('../fixtures/binary-scores.json', import.meta.url), 'utf8')) as {
  cases: Array<Expected & { name: string; scores: number[]; labels: number[] }>;
  videos: { scores: number[]; labels: number[]; videoIds: string[]; frame: Expected; video: Expected; videoCount: number };
};

function assertScores(got: Expected, want: Expected, what: string): void {
  for (const key of ['auc', 'eer', 'ap', 'accuracy'] as const) {
    assert.ok(Math.abs(got[key] - want[key]) < 1e-12, `${what} ${key}: ${got[key]} vs ${want[key]}`);
  }
}

test('binaryScores equals the scikit-learn definitions (numpy rewrite) on random and tie-heavy scores', () => {
  for (const c of fixture.cases) assertScores(binaryScores(c.scores, c.labels), c, c.name);
  const small = fixture.cases.find((c) => c.name === 'small with ties')!;
  assert.equal(small.auc, 0.78125);
  assert.ok(Math.abs(small.eer - 1 / 3) < 1e-15);
});

test('frame and video level: the mean frame score per video id', () => {
  const v = fixture.videos;
  const both = frameAndVideoScores(v.scores, v.labels, v.videoIds);
  assertScores(both.frame, v.frame, 'frame');
  assertScores(both.video, v.video, 'video');
  assert.equal(both.video.videos, v.videoCount);
  const grouped = videoScores([0.2, 0.9, 0.4, 0.7], [0, 1, 0, 1], ['a', 'b', 'a', 'b']);
  assert.deepEqual(grouped.videoIds, ['a', 'b']);
  assert.ok(Math.abs(grouped.scores[0] - 0.3) < 1e-15 && Math.abs(grouped.scores[1] - 0.8) < 1e-15);
  assert.deepEqual(grouped.labels, [0, 1]);
});

test('perfect, inverted and constant scores', () => {
  const perfect = binaryScores([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]);
  assert.deepEqual([perfect.auc, perfect.eer, perfect.ap, perfect.accuracy], [1, 0, 1, 1]);
  const inverted = binaryScores([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1]);
  assert.deepEqual([inverted.auc, inverted.eer, inverted.accuracy], [0, 1, 0]);
  const constant = binaryScores([0.5, 0.5, 0.5], [1, 0, 0]);
  assert.deepEqual([constant.auc, constant.eer, constant.ap, constant.accuracy], [0.5, 0.5, 1 / 3, 2 / 3]);
});

test('bad input is refused by name', () => {
  const named = (re: RegExp) => (e: unknown) => e instanceof WavecvError && re.test(e.message);
  assert.throws(() => binaryScores([0.1, 0.2], [1, 1]), named(/^labels: .*at least one sample of each class/));
  assert.throws(() => binaryScores([0.1, NaN], [0, 1]), named(/^scores: /));
  assert.throws(() => binaryScores([0.1, 0.2], [0, 2]), named(/^labels: /));
  assert.throws(() => videoScores([0.1, 0.2], [0, 1], ['a', 'a']), named(/^labels: .*video a/));
  assert.throws(() => videoScores([0.1, 0.2], [0, 1], ['a']), named(/^videoIds: /));
});
