/**
 * The face-recognition metrics in one import: sample-wise and uniform
 * accuracy and the learned-versus-best threshold gap (`uniform-accuracy.ts`),
 * the 10-fold LFW/CFP-FP/AgeDB protocol (`verification.ts`), ROC and TAR@FAR
 * (`roc.ts`), rank-k identification (`identification.ts`), and their input
 * helpers (`score-matrix.ts`).
 */
export {
  sampleWiseAccuracy,
  uniformAccuracy,
  uniformAccuracyAt,
  thresholdGap,
  type UniformAccuracyResult,
  type ThresholdGapResult,
} from './uniform-accuracy.js';
export {
  verificationKFold,
  verificationValAtFar,
  verificationAccuracyAt,
  pairScores,
  contiguousFolds,
  insightfaceThresholds,
  type VerificationScores,
  type VerificationOptions,
  type VerificationFold,
  type VerificationResult,
  type ValAtFarOptions,
  type ValAtFarResult,
} from './verification.js';
export { rocCurve, tarAtFar, tarAtFars, STANDARD_FARS, type RocCurve, type TarAtFar } from './roc.js';
export { rankIdentification, type IdentificationOptions, type IdentificationResult } from './identification.js';
export { cosineSimilarityMatrix, readScoreMatrix, type ScoreMatrix, type DenseMatrix } from './score-matrix.js';
