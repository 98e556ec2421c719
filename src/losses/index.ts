/**
 * Face-recognition losses and heads (see each module for the paper and
 * equations), and {@link createFaceLoss}, the by-name factory the CLI uses.
 */
import { check } from '../errors.js';
import { BceLoss } from './bce.js';
import type { FaceLoss } from './common.js';
import { EplLoss } from './epl.js';
import { ArcFaceLoss, CosFaceLoss } from './margins.js';
import { SoftmaxLoss } from './softmax.js';
import { UceLoss } from './uce.js';
import { SampleToSampleBceLoss, SampleToSampleSoftmaxLoss, UniTSFaceLoss, UssLoss } from './uss.js';

export {
  applyMargin,
  cosineMatrix,
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

/** Names understood by {@link createFaceLoss}. */
export const FACE_LOSS_NAMES = [
  'softmax',
  'cosface',
  'arcface',
  'bce',
  'uce',
  'uss',
  's2s-softmax',
  's2s-bce',
  'epl',
  'epl-arcface',
  'epl-uniface',
] as const;
export type FaceLossName = (typeof FACE_LOSS_NAMES)[number];

export interface CreateFaceLossOptions {
  numClasses: number;
  embeddingDim: number;
  seed?: number;
  /** Scale s / γ of the sample-to-class head (default 64). */
  scale?: number;
  /** Margin of the sample-to-class head (default: the method's own). */
  margin?: number;
  /** UCE / BCE / EPL-UniFace: weight λ of the negatives (default 1). */
  lambda?: number;
  /** EPL: factor k of the adaptive margin (default 0.7). */
  k?: number;
  /** EPL: first 0-based epoch of the empirical term (default 3); sample-to-sample losses: first epoch used (default 1). */
  startEpoch?: number;
}

/**
 * Builds a face loss by name with the papers' defaults:
 * `softmax` (s = 64), `cosface` (m = 0.4), `arcface` (m = 0.5), `bce` and `uce`
 * (cosine margin 0.4, bias log(10C)), `uss` / `s2s-softmax` / `s2s-bce`
 * (UniTSFace: CosFace s = 64, m = 0.4 alone in epoch 0, plus the
 * sample-to-sample loss with γ = 64, m = 0.1 from epoch 1), `epl` /
 * `epl-arcface` / `epl-uniface` (EPL with the CosFace, ArcFace or UniFace base,
 * k = 0.7, from epoch 3).
 */
export function createFaceLoss(name: string, options: CreateFaceLossOptions): FaceLoss {
  check((FACE_LOSS_NAMES as readonly string[]).includes(name), 'loss', name, `one of ${FACE_LOSS_NAMES.join(', ')}`);
  const head = { numClasses: options.numClasses, embeddingDim: options.embeddingDim, seed: options.seed, scale: options.scale };
  switch (name as FaceLossName) {
    case 'softmax':
      return new SoftmaxLoss(head);
    case 'cosface':
      return new CosFaceLoss({ ...head, margin: options.margin });
    case 'arcface':
      return new ArcFaceLoss({ ...head, margin: options.margin });
    case 'bce':
      return new BceLoss({ ...head, margin: options.margin, lambda: options.lambda });
    case 'uce':
      return new UceLoss({ ...head, margin: options.margin, lambda: options.lambda });
    case 'uss':
    case 's2s-softmax':
    case 's2s-bce': {
      const sampleOptions = { numClasses: options.numClasses, embeddingDim: options.embeddingDim, scale: options.scale };
      const sampleToSample =
        name === 'uss' ? new UssLoss(sampleOptions) : name === 's2s-bce' ? new SampleToSampleBceLoss(sampleOptions) : new SampleToSampleSoftmaxLoss(sampleOptions);
      return new UniTSFaceLoss({ sampleToClass: new CosFaceLoss({ ...head, margin: options.margin }), sampleToSample, startEpoch: options.startEpoch });
    }
    case 'epl':
    case 'epl-arcface':
    case 'epl-uniface':
      return new EplLoss({
        ...head,
        base: name === 'epl' ? 'cosface' : name === 'epl-arcface' ? 'arcface' : 'uniface',
        margin: options.margin,
        k: options.k,
        lambda: options.lambda,
        startEpoch: options.startEpoch,
      });
  }
}
