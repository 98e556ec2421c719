/**
 * The 10-fold face-verification protocol of LFW, CFP-FP and AgeDB-30 as
 * insightface runs it (`recognition/arcface_torch/eval/verification.py`,
 * `calculate_roc`, without PCA):
 *
 * - each pair has a squared L2 distance between its L2-normalised embeddings
 *   (0…4; for flip-test the image and mirror embeddings are summed before
 *   normalising — done by the caller);
 * - the pairs are cut into 10 contiguous folds in pair order (scikit-learn
 *   `KFold(10, shuffle=False)`: the first n mod 10 folds have one pair more);
 * - for each fold, the threshold of the grid 0, 0.01, …, 3.99 with the best
 *   accuracy on the other 9 folds (the first one on ties) is applied to the
 *   held-out fold ("same" iff distance < threshold);
 * - the result is the mean ± standard deviation (population, numpy's default)
 *   of the 10 held-out accuracies.
 *
 * Cosine similarities are accepted too: they are mapped to distances
 * d = 2 − 2·cos (exact for unit vectors), so the protocol is unchanged, and
 * thresholds are also reported back as cosines. `thresholds: 'exhaustive'` (our
 * extension) searches every midpoint between distinct scores instead of the grid.
 * insightface's VAL@FAR=1e-3 is not computed; see `roc.ts` for TAR@FAR.
 */
import * as tf from '@tensorflow/tfjs';
import { check } from '../errors.js';
import { l2Normalize } from '../nn/l2-normalize.js';
import { readFlags, readVector } from './score-matrix.js';

export interface VerificationScores {
  /** Squared L2 distances of normalised embeddings (smaller = same), or */
  distances?: tf.Tensor | ArrayLike<number>;
  /** cosine similarities (larger = same). Exactly one of the two. */
  similarities?: tf.Tensor | ArrayLike<number>;
}

export interface VerificationOptions {
  /** Number of folds (default 10). */
  folds?: number;
  /** Distance thresholds to search, ascending (default insightface's 0:0.01:4), or `'exhaustive'`. */
  thresholds?: readonly number[] | 'exhaustive';
}

export interface VerificationFold {
  /** Pairs [start, end) held out. */
  start: number;
  end: number;
  /** Distance threshold chosen on the other folds ("same" iff d < threshold), and as a cosine. */
  threshold: number;
  cosineThreshold: number;
  trainAccuracy: number;
  testAccuracy: number;
}

export interface VerificationResult {
  /** Mean and population standard deviation of the held-out accuracies. */
  accuracy: { mean: number; std: number };
  folds: VerificationFold[];
  /** Best threshold on all pairs together (distance and cosine) and its accuracy. */
  bestThreshold: number;
  bestCosineThreshold: number;
  bestAccuracy: number;
  pairs: number;
}

/** insightface's grid np.arange(0, 4, 0.01). */
export function insightfaceThresholds(): number[] {
  return Array.from({ length: 400 }, (_, k) => k * 0.01);
}

/**
 * Squared L2 distances and cosine similarities of paired embeddings (rows of
 * `a` and `b`), after L2-normalising each row as insightface does.
 */
export function pairScores(a: tf.Tensor2D | number[][], b: tf.Tensor2D | number[][]): { distances: Float64Array; similarities: Float64Array } {
  const [d, s] = tf.tidy(() => {
    const ta = a instanceof tf.Tensor ? a : tf.tensor2d(a);
    const tb = b instanceof tf.Tensor ? b : tf.tensor2d(b);
    check(ta.rank === 2 && tb.rank === 2 && ta.shape[0] === tb.shape[0] && ta.shape[1] === tb.shape[1], 'embeddings', `${ta.shape} and ${tb.shape}`, 'two [pairs, D] tensors of the same shape');
    const na = l2Normalize(ta);
    const nb = l2Normalize(tb);
    return [tf.sum(tf.square(tf.sub(na, nb)), 1), tf.sum(tf.mul(na, nb), 1)];
  });
  const out = { distances: Float64Array.from(d.dataSync()), similarities: Float64Array.from(s.dataSync()) };
  tf.dispose([d, s]);
  return out;
}

/** Contiguous folds as scikit-learn's KFold without shuffling: [start, end) per fold. */
export function contiguousFolds(n: number, k: number): Array<[number, number]> {
  check(Number.isInteger(k) && k >= 2, 'folds', k, 'an integer ≥ 2');
  check(n >= k, 'pairs', n, `at least ${k} pairs (one per fold)`);
  const out: Array<[number, number]> = [];
  let start = 0;
  for (let f = 0; f < k; f++) {
    const size = Math.floor(n / k) + (f < n % k ? 1 : 0);
    out.push([start, start + size]);
    start += size;
  }
  return out;
}

/**
 * Accuracy of "same iff d < t" over the given pairs for every threshold of an
 * ascending list, by one sort and one sweep.
 */
function accuracies(d: Float64Array, same: Uint8Array, indices: number[], thresholds: readonly number[]): Float64Array {
  const order = indices.slice().sort((i, j) => d[i] - d[j]);
  let differentTotal = 0;
  for (const i of order) if (!same[i]) differentTotal++;
  const out = new Float64Array(thresholds.length);
  let p = 0;
  let sameBelow = 0;
  let differentBelow = 0;
  for (let t = 0; t < thresholds.length; t++) {
    while (p < order.length && d[order[p]] < thresholds[t]) {
      if (same[order[p]]) sameBelow++;
      else differentBelow++;
      p++;
    }
    out[t] = (sameBelow + differentTotal - differentBelow) / order.length;
  }
  return out;
}

function argmaxFirst(v: Float64Array): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

function exhaustiveThresholds(d: Float64Array): number[] {
  const sorted = Array.from(new Set(d)).sort((a, b) => a - b);
  const out = [sorted[0] - 1];
  for (let i = 1; i < sorted.length; i++) out.push((sorted[i - 1] + sorted[i]) / 2);
  out.push(sorted[sorted.length - 1] + 1);
  return out;
}

/** The k-fold verification protocol (see the module comment). */
export function verificationKFold(scores: VerificationScores, issame: tf.Tensor | ArrayLike<boolean | number>, options: VerificationOptions = {}): VerificationResult {
  check((scores.distances === undefined) !== (scores.similarities === undefined), 'scores', Object.keys(scores), 'exactly one of distances or similarities');
  const d =
    scores.distances !== undefined
      ? readVector(scores.distances, 'distances')
      : readVector(scores.similarities as ArrayLike<number>, 'similarities').map((s) => 2 - 2 * s);
  const n = d.length;
  const same = readFlags(issame, 'issame', n);
  const k = options.folds ?? 10;
  const folds = contiguousFolds(n, k);
  let thresholds: readonly number[];
  if (options.thresholds === 'exhaustive') thresholds = exhaustiveThresholds(d);
  else {
    thresholds = options.thresholds ?? insightfaceThresholds();
    check(thresholds.length > 0 && thresholds.every((t, i) => Number.isFinite(t) && (i === 0 || t > thresholds[i - 1])), 'thresholds', thresholds, 'an ascending list of finite numbers');
  }
  const all = Array.from({ length: n }, (_, i) => i);
  const results: VerificationFold[] = folds.map(([start, end]) => {
    const train = all.filter((i) => i < start || i >= end);
    const test = all.slice(start, end);
    const trainAcc = accuracies(d, same, train, thresholds);
    const best = argmaxFirst(trainAcc);
    const threshold = thresholds[best];
    const testAccuracy = accuracies(d, same, test, [threshold])[0];
    return { start, end, threshold, cosineThreshold: 1 - threshold / 2, trainAccuracy: trainAcc[best], testAccuracy };
  });
  const accs = results.map((f) => f.testAccuracy);
  const mean = accs.reduce((a, b) => a + b, 0) / accs.length;
  const std = Math.sqrt(accs.reduce((a, b) => a + (b - mean) ** 2, 0) / accs.length);
  const overall = accuracies(d, same, all, thresholds);
  const bestIndex = argmaxFirst(overall);
  return {
    accuracy: { mean, std },
    folds: results,
    bestThreshold: thresholds[bestIndex],
    bestCosineThreshold: 1 - thresholds[bestIndex] / 2,
    bestAccuracy: overall[bestIndex],
    pairs: n,
  };
}

/**
 * Accuracy of one fixed threshold on all pairs, in the units of the scores
 * given: "same" iff distance < threshold, or iff similarity > threshold (for
 * example a learned unified threshold t = b/s of UCE or USS).
 */
export function verificationAccuracyAt(scores: VerificationScores, issame: tf.Tensor | ArrayLike<boolean | number>, threshold: number): number {
  check((scores.distances === undefined) !== (scores.similarities === undefined), 'scores', Object.keys(scores), 'exactly one of distances or similarities');
  check(Number.isFinite(threshold), 'threshold', threshold, 'a finite number');
  const byDistance = scores.distances !== undefined;
  const v = readVector((byDistance ? scores.distances : scores.similarities) as ArrayLike<number>, byDistance ? 'distances' : 'similarities');
  const same = readFlags(issame, 'issame', v.length);
  let correct = 0;
  for (let i = 0; i < v.length; i++) if ((byDistance ? v[i] < threshold : v[i] > threshold) === (same[i] === 1)) correct++;
  return correct / v.length;
}
