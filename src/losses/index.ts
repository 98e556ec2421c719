/**
 * Losses (see each module for the paper and equations) and the loss registry
 * (src/losses/registry.ts) through which tasks build them by name.
 */
import type { FaceLoss } from './common.js';
import type { FaceLossContext, FaceLossOptions } from './face-losses.js';
import { createLoss } from './registry.js';

export {
  applyMargin,
  cosineMatrix,
  readThreshold,
  stopGradient,
  type FaceLoss,
  type HeadOptions,
  type Labels,
  type LossResult,
  type LossState,
  type MarginSpec,
} from './common.js';
export { ClassWeightHead } from './head.js';
export { SoftmaxLoss, type SoftmaxLossOptions } from './softmax.js';
export { CombinedMarginLoss, CosFaceLoss, ArcFaceLoss, type CombinedMarginLossOptions, type CosFaceLossOptions, type ArcFaceLossOptions } from './margins.js';
export { BinaryHead, BceLoss, type BinaryHeadOptions } from './bce.js';
export { UceLoss, type UceLossOptions } from './uce.js';
export {
  SampleToSampleLoss,
  UssLoss,
  SampleToSampleBceLoss,
  SampleToSampleSoftmaxLoss,
  UniTSFaceLoss,
  type SampleToSampleOptions,
  type UniTSFaceLossOptions,
} from './uss.js';
export { EplLoss, type EplLossOptions, type EplBase } from './epl.js';
export { faceObjective, type FaceObjectiveOptions } from './objective.js';
export {
  ExplainableChannelLoss,
  channelPeaks,
  explainabilityMetrics,
  modelWithLayerOutput,
  templateMatrix,
  type ExplainableChannelLossOptions,
  type ChannelPeak,
  type ExplainabilityMetrics,
} from './ecloss.js';

export { FACE_LOSS_NAMES, type FaceLossContext, type FaceLossOptions } from './face-losses.js';
export { classificationObjective, type ClassificationLossContext } from './classification.js';
export { selfDistillationObjective, selfDistillationTerms, type SelfDistillationOptions } from './distillation.js';
export { LOSSES, lossNames, lossDefinition, checkLossOptions, createLoss, type LossDefinition } from './registry.js';

export interface CreateFaceLossOptions extends FaceLossContext, FaceLossOptions {}

/**
 * Builds a face loss by name with the papers' defaults (see
 * src/losses/face-losses.ts); options that do not apply to the loss are
 * refused.
 */
export function createFaceLoss(name: string, options: CreateFaceLossOptions): FaceLoss {
  const { numClasses, embeddingDim, seed, ...lossOptions } = options;
  return createLoss<FaceLossContext, FaceLoss>('face', name, lossOptions, { numClasses, embeddingDim, seed });
}
