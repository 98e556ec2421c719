import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { initEngine } from '../../src/engine/backend.js';
import { WavecvError } from '../../src/errors.js';
import { Rng } from '../../src/engine/random.js';
import { contiguousFolds, insightfaceThresholds, pairScores, verificationAccuracyAt, verificationKFold, verificationValAtFar } from '../../src/metrics/verification.js';

const fixture = JSON.parse(readFileSync(new URL('../losses/fixtures/face-losses.json', import.meta.url), 'utf8')).cases.verification;

before(async () => {
  await initEngine();
});

/** The protocol written out naively: O(pairs × thresholds) per fold. */
function bruteForce(d: number[], same: boolean[], k: number, grid: number[]) {
  const n = d.length;
  const acc = (t: number, idx: number[]) => idx.filter((i) => (d[i] < t) === same[i]).length / idx.length;
  const base = Math.floor(n / k);
  const out: Array<{ threshold: number; test: number }> = [];
  let start = 0;
  for (let f = 0; f < k; f++) {
    const size = base + (f < n % k ? 1 : 0);
    const test = Array.from({ length: size }, (_, i) => start + i);
    const train = Array.from({ length: n }, (_, i) => i).filter((i) => i < start || i >= start + size);
    let best = 0;
    grid.forEach((t, i) => {
      if (acc(t, train) > acc(grid[best], train)) best = i;
    });
    out.push({ threshold: grid[best], test: acc(grid[best], test) });
    start += size;
  }
  return out;
}

test('10-fold accuracy matches the numpy implementation of insightface calculate_roc (173 pairs, uneven folds)', async () => {
  const r = verificationKFold({ distances: fixture.distances }, fixture.issame);
  assert.equal(r.folds.length, 10);
  assert.deepEqual(
    r.folds.map((f) => f.end - f.start),
    [18, 18, 18, 17, 17, 17, 17, 17, 17, 17],
  );
  r.folds.forEach((f, i) => {
    assert.ok(Math.abs(f.threshold - fixture.foldThresholds[i]) < 1e-12, `fold ${i} threshold ${f.threshold} vs ${fixture.foldThresholds[i]}`);
    assert.ok(Math.abs(f.testAccuracy - fixture.foldAccuracies[i]) < 1e-12, `fold ${i} accuracy`);
  });
  assert.ok(Math.abs(r.accuracy.mean - fixture.mean) < 1e-12);
  assert.ok(Math.abs(r.accuracy.std - fixture.std) < 1e-12);
});

test('embeddings → distances as insightface (normalise, squared L2); similarities give the same protocol', async () => {
  const { distances, similarities } = await pairScores(fixture.embeddings1, fixture.embeddings2);
  distances.forEach((d, i) => assert.ok(Math.abs(d - fixture.distances[i]) < 1e-5, `pair ${i}`));
  const bySimilarity = verificationKFold({ similarities }, fixture.issame);
  assert.ok(Math.abs(bySimilarity.accuracy.mean - fixture.mean) < 1e-12);
  bySimilarity.folds.forEach((f) => assert.ok(Math.abs(f.cosineThreshold - (1 - f.threshold / 2)) < 1e-12));
});

test('random score sets: equal to the brute-force protocol, with the grid and exhaustively', async () => {
  const rng = new Rng(17);
  for (let trial = 0; trial < 6; trial++) {
    const n = 20 + rng.int(60);
    const same = Array.from({ length: n }, () => rng.next() < 0.5);
    const d = same.map((s) => Math.round((s ? 1.2 : 2) * rng.next() * 400) / 100 + (s ? 0 : 0.5)); // on or off the grid, with ties
    const grid = insightfaceThresholds();
    const expected = bruteForce(d, same, 10, grid);
    const got = verificationKFold({ distances: d }, same);
    got.folds.forEach((f, i) => {
      assert.equal(f.threshold, expected[i].threshold, `trial ${trial} fold ${i}`);
      assert.equal(f.testAccuracy, expected[i].test);
    });
    const values = [...new Set(d)].sort((a, b) => a - b);
    const candidates = [values[0] - 1, ...values.slice(1).map((v, i) => (v + values[i]) / 2), values[values.length - 1] + 1];
    const exhaustive = verificationKFold({ distances: d }, same, { thresholds: 'exhaustive' });
    const expectedExhaustive = bruteForce(d, same, 10, candidates);
    exhaustive.folds.forEach((f, i) => assert.equal(f.testAccuracy, expectedExhaustive[i].test));
    exhaustive.folds.forEach((f, i) => assert.ok(f.trainAccuracy >= got.folds[i].trainAccuracy));
  }
});

test('perfectly separated pairs score 1 ± 0; folds and inputs are checked', async () => {
  const d = Array.from({ length: 40 }, (_, i) => (i % 2 ? 0.3 : 1.7));
  const same = d.map((v) => v < 1);
  const r = verificationKFold({ distances: d }, same);
  assert.equal(r.accuracy.mean, 1);
  assert.equal(r.accuracy.std, 0);
  assert.equal(r.bestAccuracy, 1);
  assert.deepEqual(contiguousFolds(23, 10)[0], [0, 3]);
  assert.throws(() => verificationKFold({ distances: d }, same.slice(1)), (e: unknown) => e instanceof WavecvError && /issame/.test(e.message));
  assert.throws(() => verificationKFold({ distances: d, similarities: d }, same), (e: unknown) => e instanceof WavecvError && /scores/.test(e.message));
  assert.throws(() => verificationKFold({ distances: [0.1, 0.2] }, [1, 0]), (e: unknown) => e instanceof WavecvError && /pairs/.test(e.message));
});

test('accuracy at a fixed (learned) threshold, in distance or similarity units', async () => {
  const sims = [0.9, 0.7, 0.4, 0.2];
  const same = [1, 0, 1, 0];
  assert.equal(verificationAccuracyAt({ similarities: sims }, same, 0.5), 2 / 4);
  assert.equal(verificationAccuracyAt({ similarities: sims }, same, 0.3), 3 / 4);
  assert.equal(verificationAccuracyAt({ distances: sims.map((s) => 2 - 2 * s) }, same, 2 - 2 * 0.3), 3 / 4);
  const r = verificationKFold({ distances: fixture.distances }, fixture.issame);
  assert.equal(verificationAccuracyAt({ distances: fixture.distances }, fixture.issame, r.bestThreshold), r.bestAccuracy);
});

test("VAL@FAR is insightface's calculate_val: per fold, the threshold interpolated to the target FAR on the training folds, VAL and FAR on the held-out fold", async () => {
  const cases = JSON.parse(readFileSync(new URL('../losses/fixtures/face-losses.json', import.meta.url), 'utf8')).cases.valAtFar as Record<
    string,
    { farTarget: number; thresholds: number[]; vals: number[]; fars: number[]; valMean: number; valStd: number; farMean: number }
  >;
  for (const ref of Object.values(cases)) {
    const r = verificationValAtFar({ distances: fixture.distances }, fixture.issame, { farTarget: ref.farTarget });
    assert.equal(r.folds.length, 10);
    r.folds.forEach((f, i) => {
      assert.ok(Math.abs(f.threshold - ref.thresholds[i]) < 1e-9, `FAR ${ref.farTarget}, fold ${i}: threshold ${f.threshold} vs ${ref.thresholds[i]}`);
      assert.equal(f.val, ref.vals[i], `fold ${i} VAL`);
      assert.equal(f.far, ref.fars[i], `fold ${i} FAR`);
    });
    assert.ok(Math.abs(r.val.mean - ref.valMean) < 1e-12 && Math.abs(r.val.std - ref.valStd) < 1e-12 && Math.abs(r.far - ref.farMean) < 1e-12, `FAR ${ref.farTarget} summary`);
  }
  // cosine similarities give the same figures through d = 2 − 2·cos
  const viaCos = verificationValAtFar({ similarities: fixture.distances.map((d: number) => 1 - d / 2) }, fixture.issame);
  assert.ok(Math.abs(viaCos.val.mean - cases['0.001'].valMean) < 1e-9);
  // a target no training threshold reaches: threshold 0, nothing accepted
  const none = verificationValAtFar({ distances: [0.5, 0.6, 3, 3.1] }, [true, true, false, false], { folds: 2, farTarget: 0.5, thresholds: [0, 1, 2] });
  assert.deepEqual(none.folds.map((f) => f.threshold), [0, 0]);
  assert.throws(() => verificationValAtFar({ distances: [1, 2] }, [true, false], { folds: 2, farTarget: 0 }), (e: unknown) => e instanceof WavecvError && /farTarget/.test(e.message));
});
