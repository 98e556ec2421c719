/**
 * Sample-wise and uniform classification accuracy ("Rediscovering BCE loss for
 * uniform classification", arXiv 2403.07289; UniFace, ICCV'23, §3.2).
 *
 * For a sample x of class y with class scores s_k(x) (cosines or logits):
 * - sample-wise (SW): x is correct iff s_y(x) > max_{k≠y} s_k(x) — some
 *   threshold of its own separates its positive score from its negatives;
 * - uniform (Uni) at threshold t: x is correct iff s_y(x) > t > max_{k≠y} s_k(x);
 * - Acc_Uni = max_t (1/|D|)·#{x correct at t}, with t* its maximiser.
 * Ties count as wrong (strict inequalities; our choice, the paper's tie rule was
 * not retrieved). Acc_Uni ≤ Acc_SW always. The best t is never unique: every t
 * in an open interval achieves it; we report the interval and its midpoint.
 */
import type * as tf from '@tensorflow/tfjs';
import { check } from '../errors.js';
import { readLabelVector, readScoreMatrix, type DenseMatrix, type ScoreMatrix } from './score-matrix.js';

export interface UniformAccuracyResult {
  /** Acc_Uni, in [0, 1]. */
  accuracy: number;
  /** Number of samples correct at the best threshold, and the number of samples. */
  correct: number;
  total: number;
  /** The midpoint of `interval` (NaN when no threshold classifies any sample). */
  threshold: number;
  /** Every t in the open interval (low, high) achieves `accuracy`. */
  interval: [number, number] | undefined;
}

export interface ThresholdGapResult {
  learnedThreshold: number;
  /** Midpoint of the best interval. */
  bestThreshold: number;
  bestInterval: [number, number] | undefined;
  /** learnedThreshold − bestThreshold. */
  gap: number;
  /** Distance from the learned threshold to the best interval (0 inside it). */
  distanceToBestInterval: number;
  /** Uniform accuracy at the learned threshold, and the best uniform accuracy. */
  accuracyAtLearned: number;
  bestAccuracy: number;
}

/** Positive score and largest negative score of each sample. */
function positiveAndMaxNegative(m: DenseMatrix, labels: Int32Array): { pos: Float64Array; neg: Float64Array } {
  check(m.cols >= 2, 'scores', `${m.cols} column(s)`, 'at least two classes');
  const pos = new Float64Array(m.rows);
  const neg = new Float64Array(m.rows);
  for (let i = 0; i < m.rows; i++) {
    const y = labels[i];
    check(y >= 0 && y < m.cols, 'labels', y, `class indices in [0, ${m.cols})`);
    let best = -Infinity;
    for (let j = 0; j < m.cols; j++) if (j !== y && m.values[i * m.cols + j] > best) best = m.values[i * m.cols + j];
    pos[i] = m.values[i * m.cols + y];
    neg[i] = best;
  }
  return { pos, neg };
}

function read(scores: ScoreMatrix, labels: tf.Tensor | ArrayLike<number>) {
  const m = readScoreMatrix(scores, 'scores');
  return positiveAndMaxNegative(m, readLabelVector(labels, 'labels', m.rows));
}

/** Sample-wise (top-1) accuracy: the fraction of rows whose label score beats every other score. */
export function sampleWiseAccuracy(scores: ScoreMatrix, labels: tf.Tensor | ArrayLike<number>): number {
  const { pos, neg } = read(scores, labels);
  let correct = 0;
  for (let i = 0; i < pos.length; i++) if (pos[i] > neg[i]) correct++;
  return correct / pos.length;
}

/** Uniform accuracy at a given threshold t: the fraction with s_y > t > max_{k≠y} s_k. */
export function uniformAccuracyAt(scores: ScoreMatrix, labels: tf.Tensor | ArrayLike<number>, threshold: number): number {
  check(Number.isFinite(threshold), 'threshold', threshold, 'a finite number');
  const { pos, neg } = read(scores, labels);
  let correct = 0;
  for (let i = 0; i < pos.length; i++) if (pos[i] > threshold && threshold > neg[i]) correct++;
  return correct / pos.length;
}

function bestUniform(pos: Float64Array, neg: Float64Array): UniformAccuracyResult {
  // Sample i is correct for t in the open interval (neg_i, pos_i). Sweep the
  // interval ends: after applying every event at coordinate x, the count holds
  // on (x, next coordinate).
  const events: Array<[number, number]> = [];
  for (let i = 0; i < pos.length; i++) {
    if (pos[i] > neg[i]) {
      events.push([neg[i], +1]);
      events.push([pos[i], -1]);
    }
  }
  const total = pos.length;
  if (events.length === 0) return { accuracy: 0, correct: 0, total, threshold: NaN, interval: undefined };
  events.sort((a, b) => a[0] - b[0]);
  let count = 0;
  let best = -1;
  let interval: [number, number] = [0, 0];
  for (let e = 0; e < events.length; ) {
    const x = events[e][0];
    while (e < events.length && events[e][0] === x) count += events[e++][1];
    if (e < events.length && count > best) {
      best = count;
      interval = [x, events[e][0]];
    }
  }
  return { accuracy: best / total, correct: best, total, threshold: (interval[0] + interval[1]) / 2, interval };
}

/** Uniform accuracy Acc_Uni = max_t, with the interval of best thresholds and its midpoint. */
export function uniformAccuracy(scores: ScoreMatrix, labels: tf.Tensor | ArrayLike<number>): UniformAccuracyResult {
  const { pos, neg } = read(scores, labels);
  return bestUniform(pos, neg);
}

/**
 * How far a learned unified threshold (UCE/USS: t = b/s, in the units of
 * `scores`) is from the best uniform threshold of the data.
 */
export function thresholdGap(scores: ScoreMatrix, labels: tf.Tensor | ArrayLike<number>, learnedThreshold: number): ThresholdGapResult {
  check(Number.isFinite(learnedThreshold), 'learnedThreshold', learnedThreshold, 'a finite number');
  const { pos, neg } = read(scores, labels);
  const best = bestUniform(pos, neg);
  let atLearned = 0;
  for (let i = 0; i < pos.length; i++) if (pos[i] > learnedThreshold && learnedThreshold > neg[i]) atLearned++;
  const iv = best.interval;
  const distance = iv === undefined ? NaN : learnedThreshold <= iv[0] ? iv[0] - learnedThreshold : learnedThreshold >= iv[1] ? learnedThreshold - iv[1] : 0;
  return {
    learnedThreshold,
    bestThreshold: best.threshold,
    bestInterval: iv,
    gap: learnedThreshold - best.threshold,
    distanceToBestInterval: distance,
    accuracyAtLearned: atLearned / pos.length,
    bestAccuracy: best.accuracy,
  };
}
