import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine } from '../../src/engine/backend.js';
import { WavecvError } from '../../src/errors.js';
import { rankIdentification } from '../../src/metrics/identification.js';
import { cosineSimilarityMatrix } from '../../src/metrics/score-matrix.js';

before(async () => {
  await initEngine();
});

// 3 probes × 4 gallery items; gallery identities [7, 8, 9, 8]
const SIM = [
  [0.9, 0.2, 0.3, 0.1], // identity 7: mate (col 0) is best → rank 1
  [0.6, 0.5, 0.1, 0.4], // identity 8: mates at 0.5 and 0.4; 0.6 (identity 7) beats them → rank 2
  [0.3, 0.8, 0.3, 0.2], // identity 9: mate 0.3 tied with col 0 (lower index wins) and below 0.8 → rank 3
];
const GALLERY = [7, 8, 9, 8];

test('rank-1 and CMC on a hand-made similarity matrix', async () => {
  const r = rankIdentification(SIM, [7, 8, 9], GALLERY, { ranks: [1, 2, 3] });
  assert.equal(r.rank1, 1 / 3);
  assert.deepEqual(r.cmc, { 1: 1 / 3, 2: 2 / 3, 3: 1 });
  assert.equal(r.probes, 3);
  assert.equal(r.probesWithoutMate, 0);
});

test('probes without a mate are left out; leave-one-out on one set', async () => {
  const r = rankIdentification(SIM, [7, 5, 9], GALLERY);
  assert.equal(r.probesWithoutMate, 1);
  assert.equal(r.probes, 2);
  assert.equal(r.rank1, 1 / 2);
  // one set of 4 embeddings, identities [0, 0, 1, 1]; each item's nearest other item
  const emb = [
    [1, 0],
    [0.9, 0.1],
    [0, 1],
    [0.8, 0.6],
  ];
  const sim = await cosineSimilarityMatrix(emb, emb);
  const loo = rankIdentification(sim, [0, 0, 1, 1], [0, 0, 1, 1], { excludeSelf: true });
  // item 3 (0.8, 0.6) is nearer to item 1 (identity 0) than to item 2 → wrong; the rest right
  assert.equal(loo.rank1, 3 / 4);
  assert.throws(() => rankIdentification(SIM, [7, 8, 9], GALLERY, { excludeSelf: true }), (e: unknown) => e instanceof WavecvError && /square/.test(e.message));
  assert.throws(() => rankIdentification(SIM, [7, 8], GALLERY), (e: unknown) => e instanceof WavecvError && /probeLabels/.test(e.message));
});
