/**
 * ROC of a 1:1 verification score set and TAR (true accept rate) at fixed FAR
 * (false accept rate), as reported for IJB-C, MegaFace and the MFR benchmarks
 * (insightface `eval_ijbc.py`; UniFace ICCV'23 §4.1).
 *
 * Scores are similarities (larger = same). A pair is accepted iff its score
 * ≥ threshold; the curve has one point per distinct score, in decreasing
 * threshold order, starting at (FAR 0, TAR 0) for threshold +∞ — the full
 * curve of scikit-learn's `roc_curve(drop_intermediate=False)`.
 *
 * TAR@FAR: `atMost` (default) takes the largest TAR whose FAR does not exceed
 * the target (the usual definition); `nearest` replicates `eval_ijbc.py`, which
 * takes the first point whose FAR is nearest to the target (`argmin |fpr − target|`,
 * there on the curve with collinear points dropped, which only matters on exactly
 * collinear ties) — it can return the TAR-0 point at threshold +∞ when no FAR
 * comes close to a tiny target. A target below 1/negatives cannot be resolved by
 * the data; the result says so in `resolvable`.
 */
import type * as tf from '@tensorflow/tfjs';
import { check } from '../errors.js';
import { readFlags, readVector } from './score-matrix.js';

export interface RocCurve {
  /** Thresholds in decreasing order (the first is +Infinity). */
  thresholds: number[];
  far: number[];
  tar: number[];
  positives: number;
  negatives: number;
}

export interface TarAtFar {
  /** The requested FAR. */
  far: number;
  tar: number;
  /** FAR actually achieved at the chosen point, and its threshold. */
  achievedFar: number;
  threshold: number;
  /** Whether the data has enough negative pairs to measure this FAR (target ≥ 1/negatives). */
  resolvable: boolean;
}

/** FAR targets 1e-1 … 1e-6. */
export const STANDARD_FARS = [1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6] as const;

/** The ROC curve of similarity scores against same/different flags. */
export function rocCurve(scores: tf.Tensor | ArrayLike<number>, issame: tf.Tensor | ArrayLike<boolean | number>): RocCurve {
  const s = readVector(scores, 'scores');
  const same = readFlags(issame, 'issame', s.length);
  const positives = same.reduce((a, b) => a + b, 0);
  const negatives = s.length - positives;
  check(positives > 0 && negatives > 0, 'issame', `${positives} same and ${negatives} different pairs`, 'at least one pair of each kind');
  const order = Array.from(s.keys()).sort((i, j) => s[j] - s[i]);
  const thresholds = [Infinity];
  const far = [0];
  const tar = [0];
  let tp = 0;
  let fp = 0;
  for (let p = 0; p < order.length; ) {
    const t = s[order[p]];
    while (p < order.length && s[order[p]] === t) {
      if (same[order[p]]) tp++;
      else fp++;
      p++;
    }
    thresholds.push(t);
    far.push(fp / negatives);
    tar.push(tp / positives);
  }
  return { thresholds, far, tar, positives, negatives };
}

/** TAR at one FAR target on a computed curve. */
export function tarAtFar(roc: RocCurve, target: number, mode: 'nearest' | 'atMost' = 'atMost'): TarAtFar {
  check(Number.isFinite(target) && target > 0 && target <= 1, 'far', target, 'a number in (0, 1]');
  check(mode === 'nearest' || mode === 'atMost', 'mode', mode, "'nearest' or 'atMost'");
  let best = 0;
  if (mode === 'nearest') {
    for (let i = 1; i < roc.far.length; i++) if (Math.abs(roc.far[i] - target) < Math.abs(roc.far[best] - target)) best = i;
  } else {
    for (let i = 1; i < roc.far.length; i++) if (roc.far[i] <= target && roc.tar[i] > roc.tar[best]) best = i;
  }
  return { far: target, tar: roc.tar[best], achievedFar: roc.far[best], threshold: roc.thresholds[best], resolvable: target * roc.negatives >= 1 };
}

/** TAR at each FAR target (default 1e-1 … 1e-6) of similarity scores. */
export function tarAtFars(
  scores: tf.Tensor | ArrayLike<number>,
  issame: tf.Tensor | ArrayLike<boolean | number>,
  targets: readonly number[] = STANDARD_FARS,
  mode: 'nearest' | 'atMost' = 'atMost',
): TarAtFar[] {
  const roc = rocCurve(scores, issame);
  return targets.map((t) => tarAtFar(roc, t, mode));
}
