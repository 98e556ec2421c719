/**
 * Every metric of wavecv in one index, grouped by the kind of task it
 * measures; each module documents its paper and formulas. A new kind adds
 * its module and one block here.
 */

// Classification: top-k accuracy from logits; sample-wise and uniform
// (one-threshold) accuracy of score matrices and the learned-versus-best
// threshold gap.
export { countTopK, topKAccuracy } from './classification.js';
export {
  sampleWiseAccuracy,
  uniformAccuracy,
  uniformAccuracyAt,
  thresholdGap,
  type UniformAccuracyResult,
  type ThresholdGapResult,
} from './uniform-accuracy.js';

// ROC and verification: the 10-fold LFW/CFP-FP/AgeDB protocol, ROC and
// TAR@FAR, rank-k identification, and their score inputs.
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

// Robustness: corruption errors (CE, mCE, relative CE) against a baseline.
export { corruptionError, relativeCorruptionError, summarizeCorruptionErrors, type CorruptionErrorSummary } from './robustness.js';

// Segmentation: confusion matrix, pixel/class accuracy, IoU, mIoU, fwIoU, boundary F-score.
export { confusionMatrix, segmentationScores, addCounts, emptyCounts, IGNORE_INDEX, type SegmentationCounts, type SegmentationScores, type BoundaryCounts, type ConfusionOptions, type LabelMaps } from './segmentation.js';

// Registration: Jacobian determinant and folding, per-label Dice, HD95.
export { jacobianDeterminant, foldingPercentage, dice, hd95, labelsIn, type GridValues, type Hd95Options } from './registration.js';
