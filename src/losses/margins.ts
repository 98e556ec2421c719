/**
 * Additive-margin softmax heads over normalised features and weights, after
 * insightface's `CombinedMarginLoss` (`arcface_torch/losses.py`):
 * the positive logit becomes s·(cos(m1·θ_y + m2) − m3), negatives stay s·cos θ_j,
 * and the loss is the mean softmax cross-entropy.
 *
 * - CosFace (Wang et al., CVPR'18, Eq. 4): s·(cos θ_y − m), insightface default
 *   m = 0.4 (the paper's 0.35), s = 64.
 * - ArcFace (Deng et al., CVPR'19, Eq. 3): s·cos(θ_y + m), m = 0.5, s = 64.
 *
 * For angular margins the gradient is either exact (the paper) or the identity
 * of insightface's current code ({@link MarginSpec.gradient}).
 */
import * as tf from '@tensorflow/tfjs';
import {
  applyMargin,
  checkPositive,
  cosineMatrix,
  oneHotMatrix,
  readLabels,
  resolveMargin,
  softmaxCrossEntropy,
  type HeadOptions,
  type Labels,
  type LossResult,
  type LossState,
  type MarginSpec,
} from './common.js';
import { ClassWeightHead } from './head.js';

export interface CombinedMarginLossOptions extends HeadOptions {
  /** Feature scale s (default 64). */
  scale?: number;
  /** The combined margin (m1, m2, m3); default (1, 0, 0), i.e. normalised softmax. */
  margin?: MarginSpec;
}

export class CombinedMarginLoss extends ClassWeightHead {
  readonly kind: string;
  readonly scale: number;
  readonly margin: Required<MarginSpec>;

  constructor(options: CombinedMarginLossOptions, kind = 'combined-margin') {
    super(options, kind);
    this.kind = kind;
    this.scale = options.scale ?? 64;
    checkPositive(this.scale, 'scale');
    this.margin = resolveMargin(options.margin ?? {});
  }

  compute(features: tf.Tensor2D, labels: Labels): LossResult {
    this.checkFeatures(features);
    const y = readLabels(labels, features.shape[0], this.numClasses);
    return tf.tidy(() => {
      const oneHot = oneHotMatrix(y, this.numClasses);
      const cos = cosineMatrix(features, this.weight as tf.Tensor2D);
      const logits = tf.mul(applyMargin(cos, oneHot, this.margin), this.scale) as tf.Tensor2D;
      return { loss: softmaxCrossEntropy(logits, oneHot) };
    });
  }

  getState(): LossState {
    const state = super.getState();
    Object.assign(state.json, { scale: this.scale, margin: [this.margin.m1, this.margin.m2, this.margin.m3] });
    return state;
  }
}

export interface CosFaceLossOptions extends HeadOptions {
  scale?: number;
  /** Cosine margin m (default 0.4, insightface). */
  margin?: number;
}

/** CosFace / LMCL (Wang et al., CVPR'18, Eq. 4): L = −log softmax of s(cos θ_y − m). */
export class CosFaceLoss extends CombinedMarginLoss {
  constructor(options: CosFaceLossOptions) {
    super({ ...options, margin: { m3: options.margin ?? 0.4 } }, 'cosface');
  }
}

export interface ArcFaceLossOptions extends HeadOptions {
  scale?: number;
  /** Additive angular margin m (default 0.5). */
  margin?: number;
  /** Gradient through the angular margin (default `exact`); see {@link MarginSpec.gradient}. */
  gradient?: 'exact' | 'identity';
}

/** ArcFace (Deng et al., CVPR'19, Eq. 3): L = −log softmax of s·cos(θ_y + m). */
export class ArcFaceLoss extends CombinedMarginLoss {
  constructor(options: ArcFaceLossOptions) {
    super({ ...options, margin: { m2: options.margin ?? 0.5, gradient: options.gradient } }, 'arcface');
  }
}
