/**
 * Closed-set rank-k identification (the CMC curve), as MegaFace Challenge 1
 * reports rank-1 identification (UniFace ICCV'23 §4.1, Table 4): each probe is
 * compared with every gallery item and is correct at rank k when an item of its
 * identity is among the k most similar. Ties in similarity are broken towards
 * the lower gallery index (our choice). Probes whose identity has no item in
 * the gallery cannot be identified and are left out (counted in
 * `probesWithoutMate`). With `excludeSelf`, the probe set is the gallery itself
 * and each probe's own column is ignored (leave-one-out).
 */
import type * as tf from '@tensorflow/tfjs';
import { check } from '../errors.js';
import { readLabelVector, readScoreMatrix, type ScoreMatrix } from './score-matrix.js';

export interface IdentificationOptions {
  /** Ranks of the CMC curve to report (default [1]). */
  ranks?: readonly number[];
  /** Probes and gallery are the same set; ignore the diagonal (default false). */
  excludeSelf?: boolean;
}

export interface IdentificationResult {
  /** Rank-1 identification rate. */
  rank1: number;
  /** Identification rate at each requested rank. */
  cmc: Record<number, number>;
  /** Probes that were scored, and probes left out for having no mate in the gallery. */
  probes: number;
  probesWithoutMate: number;
}

/** Rank-k identification rates from a [probes, gallery] similarity matrix. */
export function rankIdentification(
  similarity: ScoreMatrix,
  probeLabels: tf.Tensor | ArrayLike<number>,
  galleryLabels: tf.Tensor | ArrayLike<number>,
  options: IdentificationOptions = {},
): IdentificationResult {
  const m = readScoreMatrix(similarity, 'similarity');
  const probes = readLabelVector(probeLabels, 'probeLabels', m.rows);
  const gallery = readLabelVector(galleryLabels, 'galleryLabels', m.cols);
  const ranks = options.ranks ?? [1];
  check(ranks.every((k) => Number.isInteger(k) && k >= 1), 'ranks', ranks, 'positive integers');
  const excludeSelf = options.excludeSelf ?? false;
  if (excludeSelf) check(m.rows === m.cols, 'similarity', `${m.rows}×${m.cols}`, 'a square matrix when excludeSelf is set');
  const counted = [...new Set([1, ...ranks])];
  const hits: Record<number, number> = {};
  for (const k of counted) hits[k] = 0;
  let scored = 0;
  let withoutMate = 0;
  for (let i = 0; i < m.rows; i++) {
    // rank of the best-scoring mate = 1 + number of non-self items that beat it
    let mate = -1;
    for (let j = 0; j < m.cols; j++) {
      if (excludeSelf && j === i) continue;
      if (gallery[j] === probes[i] && (mate < 0 || m.values[i * m.cols + j] > m.values[i * m.cols + mate])) mate = j;
    }
    if (mate < 0) {
      withoutMate++;
      continue;
    }
    scored++;
    const score = m.values[i * m.cols + mate];
    let better = 0;
    for (let j = 0; j < m.cols; j++) {
      if ((excludeSelf && j === i) || j === mate) continue;
      const v = m.values[i * m.cols + j];
      if (v > score || (v === score && j < mate)) better++;
    }
    for (const k of counted) if (better < k) hits[k]++;
  }
  const cmc: Record<number, number> = {};
  for (const k of ranks) cmc[k] = scored > 0 ? hits[k] / scored : NaN;
  return { rank1: scored > 0 ? hits[1] / scored : NaN, cmc, probes: scored, probesWithoutMate: withoutMate };
}
