/**
 * Normalised softmax loss (the L_sl baseline of UniFace, ICCV'23, Table 1;
 * NormFace, Wang et al., ACM MM'17): logits z_j = s·cos(x, W_j) and the mean
 * softmax cross-entropy −log(e^{z_y} / Σ_j e^{z_j}) over the batch.
 */
import * as tf from '@tensorflow/tfjs';
import { checkPositive, cosineMatrix, oneHotMatrix, readLabels, softmaxCrossEntropy, type HeadOptions, type Labels, type LossResult, type LossState } from './common.js';
import { ClassWeightHead } from './head.js';

export interface SoftmaxLossOptions extends HeadOptions {
  /** Feature scale s (default 64, as all the group's heads use). */
  scale?: number;
}

export class SoftmaxLoss extends ClassWeightHead {
  readonly kind = 'softmax';
  readonly scale: number;

  constructor(options: SoftmaxLossOptions) {
    super(options, 'softmax');
    this.scale = options.scale ?? 64;
    checkPositive(this.scale, 'scale');
  }

  compute(features: tf.Tensor2D, labels: Labels): LossResult {
    this.checkFeatures(features);
    const y = readLabels(labels, features.shape[0], this.numClasses);
    return tf.tidy(() => {
      const logits = tf.mul(cosineMatrix(features, this.weight as tf.Tensor2D), this.scale) as tf.Tensor2D;
      return { loss: softmaxCrossEntropy(logits, oneHotMatrix(y, this.numClasses)) };
    });
  }

  getState(): LossState {
    const state = super.getState();
    state.json.scale = this.scale;
    return state;
  }
}
