/**
 * Scores of a binary detector (face forgery detection: label 1 = fake, the
 * positive class; a score is the predicted probability of fake), at frame and
 * at video level, as DeepfakeBench reports them (Yan et al., NeurIPS 2023
 * Datasets & Benchmarks, `training/metrics/utils.py`):
 *
 * - `auc`: area under the ROC curve by trapezoids over every distinct
 *   threshold (scikit-learn `roc_auc_score`; tied scores form one ROC step, so
 *   a tie between a real and a fake counts one half).
 * - `eer`: equal error rate, the false positive rate where FPR = 1 − TPR
 *   (= FNR), found on the ROC polyline through all thresholds and
 *   interpolated linearly on the segment that crosses FPR + TPR = 1 (our
 *   choice, so the value does not depend on how coarse the thresholds are;
 *   DeepfakeBench takes the nearest vertex instead).
 * - `ap`: average precision Σ_n (R_n − R_{n−1}) P_n over distinct thresholds
 *   in decreasing order, ties grouped into one step (scikit-learn
 *   `average_precision_score`, no interpolation).
 * - `accuracy`: fraction correct when a score > 0.5 means fake
 *   (DeepfakeBench's `y_pred > 0.5`).
 *
 * The ROC comes from {@link rocCurve} (one point per distinct score). Video
 * level: {@link videoScores} averages the frame scores of each video id (the
 * mean-of-frames rule of DeepfakeBench's video AUC) and needs one label per
 * video. Both classes must be present.
 */
import type * as tf from '@tensorflow/tfjs';
import { check } from '../errors.js';
import { rocCurve } from './roc.js';
import { readFlags, readVector } from './score-matrix.js';

export interface BinaryScores {
  auc: number;
  eer: number;
  ap: number;
  accuracy: number;
  /** Number of fake (label 1) and real (label 0) samples. */
  positives: number;
  negatives: number;
}

/** AUC, EER, AP and accuracy at 0.5 of fake-probability `scores` against `labels` (1 = fake, 0 = real). */
export function binaryScores(scores: tf.Tensor | ArrayLike<number>, labels: tf.Tensor | ArrayLike<boolean | number>): BinaryScores {
  const s = readVector(scores, 'scores');
  const y = readFlags(labels, 'labels', s.length);
  const positives = y.reduce((a, b) => a + b, 0);
  check(positives > 0 && positives < s.length, 'labels', `${positives} fake and ${s.length - positives} real`, 'at least one sample of each class');
  const roc = rocCurve(s, y);
  const { far: fpr, tar: tpr } = roc;
  let auc = 0;
  let ap = 0;
  for (let i = 1; i < fpr.length; i++) {
    auc += ((fpr[i] - fpr[i - 1]) * (tpr[i] + tpr[i - 1])) / 2;
    const tp = Math.round(tpr[i] * roc.positives);
    const fp = Math.round(fpr[i] * roc.negatives);
    ap += (tpr[i] - tpr[i - 1]) * (tp / (tp + fp));
  }
  let correct = 0;
  for (let i = 0; i < s.length; i++) if (s[i] > 0.5 === (y[i] === 1)) correct++;
  return { auc, eer: equalErrorRate(fpr, tpr), ap, accuracy: correct / s.length, positives, negatives: roc.negatives };
}

/** FPR where FPR = 1 − TPR on the polyline through (fpr[i], tpr[i]) (from (0, 0) to (1, 1)). */
function equalErrorRate(fpr: number[], tpr: number[]): number {
  // g = FPR − (1 − TPR) rises from −1 at (0, 0) to 1 at (1, 1), strictly between distinct points
  const g = (i: number) => fpr[i] - (1 - tpr[i]);
  let i = 1;
  while (g(i) < 0) i++;
  if (g(i) === 0) return fpr[i];
  const t = -g(i - 1) / (g(i) - g(i - 1));
  return fpr[i - 1] + t * (fpr[i] - fpr[i - 1]);
}

export interface VideoScores {
  videoIds: string[];
  /** Mean frame score of each video. */
  scores: number[];
  labels: number[];
}

/** Mean frame score and label of each video, videos in order of first appearance; frames of one video must share a label. */
export function videoScores(scores: tf.Tensor | ArrayLike<number>, labels: tf.Tensor | ArrayLike<boolean | number>, videoIds: readonly string[]): VideoScores {
  const s = readVector(scores, 'scores');
  const y = readFlags(labels, 'labels', s.length);
  check(videoIds.length === s.length, 'videoIds', `${videoIds.length} ids`, `${s.length} ids (one per frame)`);
  const index = new Map<string, number>();
  const sums: number[] = [];
  const counts: number[] = [];
  const videoLabels: number[] = [];
  for (let i = 0; i < s.length; i++) {
    let v = index.get(videoIds[i]);
    if (v === undefined) {
      v = sums.length;
      index.set(videoIds[i], v);
      sums.push(0);
      counts.push(0);
      videoLabels.push(y[i]);
    }
    check(videoLabels[v] === y[i], 'labels', `frames of video ${videoIds[i]} labelled both real and fake`, 'one label per video');
    sums[v] += s[i];
    counts[v]++;
  }
  return { videoIds: [...index.keys()], scores: sums.map((sum, v) => sum / counts[v]), labels: videoLabels };
}

/** {@link binaryScores} of the frames and of the videos (mean frame score per video id). */
export function frameAndVideoScores(
  scores: tf.Tensor | ArrayLike<number>,
  labels: tf.Tensor | ArrayLike<boolean | number>,
  videoIds: readonly string[],
): { frame: BinaryScores; video: BinaryScores & { videos: number } } {
  const videos = videoScores(scores, labels, videoIds);
  return { frame: binaryScores(scores, labels), video: { ...binaryScores(videos.scores, videos.labels), videos: videos.videoIds.length } };
}
