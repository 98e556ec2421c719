/**
 * The base of every sample-to-class head: a trainable class-weight matrix W
 * [numClasses, embeddingDim] (one prototype row per class, as in the authors'
 * PyTorch heads), cosine scores cos(x, W_j), checkpointable state, and no-op
 * step hooks that subclasses override where the method needs them.
 */
import * as tf from '@tensorflow/tfjs';
import {
  checkFeatures,
  checkHeadOptions,
  checkStateKind,
  cosineMatrix,
  initClassWeights,
  restoreVariable,
  uniqueVariableName,
  type FaceLoss,
  type HeadOptions,
  type Labels,
  type LossResult,
  type LossState,
} from './common.js';

export abstract class ClassWeightHead implements FaceLoss {
  abstract readonly kind: string;
  readonly numClasses: number;
  readonly embeddingDim: number;
  /** The class-weight (prototype) matrix W, [numClasses, embeddingDim]. */
  readonly weight: tf.Variable;
  protected readonly baseName: string;
  protected disposed = false;

  constructor(options: HeadOptions, defaultName: string) {
    checkHeadOptions(options);
    this.numClasses = options.numClasses;
    this.embeddingDim = options.embeddingDim;
    this.baseName = options.name ?? defaultName;
    const init = initClassWeights(this.numClasses, this.embeddingDim, options.seed ?? 1);
    this.weight = tf.variable(init, true, uniqueVariableName(`${this.baseName}/weight`));
    init.dispose();
  }

  get trainableVariables(): tf.Variable[] {
    return [this.weight];
  }

  abstract compute(features: tf.Tensor2D, labels: Labels): LossResult;

  /** cos(x_i, W_j), [batch, numClasses]. */
  scores(features: tf.Tensor2D): tf.Tensor2D {
    checkFeatures(features, this.embeddingDim);
    return cosineMatrix(features, this.weight as tf.Tensor2D);
  }

  onEpochStart(_epoch: number): void {}

  beforeStep(_features: tf.Tensor2D, _labels: Labels): void {}

  afterStep(_features: tf.Tensor2D, _labels: Labels): void {}

  threshold(): tf.Scalar | undefined {
    return undefined;
  }

  getState(): LossState {
    return { tensors: { weight: this.weight }, json: { kind: this.kind } };
  }

  setState(state: LossState): void {
    checkStateKind(state, this.kind);
    restoreVariable(state, 'weight', this.weight);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.weight.dispose();
  }

  protected checkFeatures(features: tf.Tensor2D): void {
    checkFeatures(features, this.embeddingDim);
  }
}
