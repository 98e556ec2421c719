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
 *
 * {@link verificationValAtFar} is insightface's VAL@FAR (`calculate_val`, in the
 * same file): on the same contiguous folds, the FAR of every threshold of the
 * grid 0, 0.001, …, 3.999 on the 9 training folds; the threshold at which that
 * FAR equals the target, interpolated as insightface does (its
 * `interp1d(far_train, thresholds, kind='slinear')`, whose scipy of the time
 * built the degree-1 spline with knots [x₀, x₀, …, x_n, x_n] and coefficients
 * y: on a run of equal FARs the threshold of the *last* one is used, between
 * runs it is linear; when no grid threshold reaches the target the threshold
 * is 0, so nothing is accepted); then VAL (TAR) and FAR of "same iff d < t" on
 * the held-out fold. The result is the mean ± std of VAL over the folds and the
 * mean FAR. TAR@FAR on the pooled ROC is in `roc.ts`.
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
 * `a` and `b`), after L2-normalising each row as insightface does; read back
 * in one asynchronous transfer.
 */
export async function pairScores(a: tf.Tensor2D | number[][], b: tf.Tensor2D | number[][]): Promise<{ distances: Float64Array; similarities: Float64Array }> {
  const both = tf.tidy(() => {
    const ta = a instanceof tf.Tensor ? a : tf.tensor2d(a);
    const tb = b instanceof tf.Tensor ? b : tf.tensor2d(b);
    check(ta.rank === 2 && tb.rank === 2 && ta.shape[0] === tb.shape[0] && ta.shape[1] === tb.shape[1], 'embeddings', `${ta.shape} and ${tb.shape}`, 'two [pairs, D] tensors of the same shape');
    const na = l2Normalize(ta);
    const nb = l2Normalize(tb);
    return tf.stack([tf.sum(tf.square(tf.sub(na, nb)), 1), tf.sum(tf.mul(na, nb), 1)]);
  });
  try {
    const values = await both.data();
    const n = both.shape[1];
    return { distances: Float64Array.from(values.subarray(0, n)), similarities: Float64Array.from(values.subarray(n)) };
  } finally {
    both.dispose();
  }
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

export interface ValAtFarOptions {
  /** Target false-accept rate (default 1e-3, insightface's). */
  farTarget?: number;
  /** Number of folds (default 10). */
  folds?: number;
  /** Distance thresholds, ascending (default insightface's 0:0.001:4). */
  thresholds?: readonly number[];
}

export interface ValAtFarResult {
  farTarget: number;
  /** Mean and population standard deviation of the held-out VAL (true-accept rates). */
  val: { mean: number; std: number };
  /** Mean held-out FAR. */
  far: number;
  /** Per fold: the interpolated distance threshold (0 when the target is out of reach), its VAL and FAR. */
  folds: Array<{ start: number; end: number; threshold: number; val: number; far: number }>;
}

/** insightface's VAL grid np.arange(0, 4, 0.001). */
function valThresholds(): number[] {
  return Array.from({ length: 4000 }, (_, k) => k * 0.001);
}

/** VAL and FAR of "same iff d < t" on the given pairs (NaN when they hold no same, or no different, pair, as numpy's division). */
function valFar(d: Float64Array, same: Uint8Array, indices: readonly number[], t: number): { val: number; far: number } {
  let sameCount = 0;
  let accepted = 0;
  let falseAccepted = 0;
  for (const i of indices) {
    if (same[i]) sameCount++;
    if (d[i] < t) {
      if (same[i]) accepted++;
      else falseAccepted++;
    }
  }
  return { val: accepted / sameCount, far: falseAccepted / (indices.length - sameCount) };
}

/**
 * The threshold x at FAR `target` on the curve (far[k], thresholds[k]), as
 * the degree-1 spline with knots [far₀, far₀, …, far_n, far_n] and
 * coefficients thresholds evaluates it: in the interval far[m] ≤ target <
 * far[m+1] with m the last index of its run of equal values (at the right end,
 * the first index of the last run).
 */
function interpolateThreshold(far: Float64Array, thresholds: readonly number[], target: number): number {
  const n = far.length;
  if (target >= far[n - 1]) {
    let first = n - 1;
    while (first > 0 && far[first - 1] === far[n - 1]) first--;
    if (first === 0) return thresholds[0];
    const m = first - 1;
    return thresholds[m] + ((thresholds[first] - thresholds[m]) * (target - far[m])) / (far[first] - far[m]);
  }
  let m = 0;
  while (m + 1 < n && far[m + 1] <= target) m++;
  return thresholds[m] + ((thresholds[m + 1] - thresholds[m]) * (target - far[m])) / (far[m + 1] - far[m]);
}

/** insightface's k-fold VAL@FAR (see the module comment). */
export function verificationValAtFar(scores: VerificationScores, issame: tf.Tensor | ArrayLike<boolean | number>, options: ValAtFarOptions = {}): ValAtFarResult {
  check((scores.distances === undefined) !== (scores.similarities === undefined), 'scores', Object.keys(scores), 'exactly one of distances or similarities');
  const d =
    scores.distances !== undefined
      ? readVector(scores.distances, 'distances')
      : readVector(scores.similarities as ArrayLike<number>, 'similarities').map((s) => 2 - 2 * s);
  const n = d.length;
  const same = readFlags(issame, 'issame', n);
  const farTarget = options.farTarget ?? 1e-3;
  check(Number.isFinite(farTarget) && farTarget > 0 && farTarget <= 1, 'farTarget', farTarget, 'a rate in (0, 1]');
  const thresholds = options.thresholds ?? valThresholds();
  check(thresholds.length > 1 && thresholds.every((t, i) => Number.isFinite(t) && (i === 0 || t > thresholds[i - 1])), 'thresholds', thresholds, 'an ascending list of at least two finite numbers');
  const all = Array.from({ length: n }, (_, i) => i);
  const folds = contiguousFolds(n, options.folds ?? 10).map(([start, end]) => {
    const train = all.filter((i) => i < start || i >= end);
    const negatives = train.filter((i) => !same[i]).map((i) => d[i]).sort((a, b) => a - b);
    const far = new Float64Array(thresholds.length);
    let below = 0;
    thresholds.forEach((t, k) => {
      while (below < negatives.length && negatives[below] < t) below++;
      far[k] = below / negatives.length;
    });
    const threshold = far[far.length - 1] >= farTarget ? interpolateThreshold(far, thresholds, farTarget) : 0;
    return { start, end, threshold, ...valFar(d, same, all.slice(start, end), threshold) };
  });
  const vals = folds.map((f) => f.val);
  const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
  const std = Math.sqrt(vals.reduce((a, b) => a + (b - mean) ** 2, 0) / vals.length);
  return { farTarget, val: { mean, std }, far: folds.reduce((a, f) => a + f.far, 0) / folds.length, folds };
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
