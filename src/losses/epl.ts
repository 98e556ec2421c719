/**
 * Empirical Prototype Learning (EPL; Fan, Wen, Jia, Shen, Zhou, Li,
 * "Empirical Prototype Learning for Deep Face Recognition", arXiv 2405.12447,
 * ESWA), after the authors' code (`WakingHours-GitHub/EPL:head_VPCL.py`).
 *
 * Besides the trainable class weights W (the usual prototypes), EPL keeps a
 * gradient-free "empirical prototype" P_y per class, meant to track the
 * expectation of the class's features. Every step, before the loss
 * ({@link EplLoss.beforeStep}), each sample x of class y updates its prototype:
 *
 *   x̂ = x/‖x‖ (detached),  c = ⟨P_y, x̂⟩,  α = softsign(c) = c/(1+|c|)
 *   (or sigmoid(c − 1), option `update`),  P_y ← normalize(α·P_y + (1−α)·x̂).
 *
 * The loss has two blocks of logits over the classes:
 * - the base head on W (CosFace: s(cos θ_j − m[j=y]); ArcFace; UniFace/UCE), and
 * - the empirical block z'_j = s(cos(x, P_j) − k·sg(cos(x, P_y))·[j=y]): the
 *   positive carries the adaptive margin m_x = k·cos(x, P_y), larger for normal
 *   samples and smaller for hard ones. sg is stop-gradient, so the forward value
 *   is s(1−k)·cos(x, P_y) while the gradient is that of s·cos(x, P_y).
 * The two blocks are stacked into 2B rows and the criterion is averaged over
 * them, so L = ½(L_base + L_ePr-m). The empirical block is used from 0-based
 * epoch `startEpoch` on (the authors' `epoch + 1 >= 4`, i.e. 3); before that only
 * the base block trains, but the prototypes are still updated.
 *
 * Base heads as in the authors' file: `cosface` (m on the W block only),
 * `arcface` (the angular margin on both blocks after stacking, with the
 * identity gradient of their "characteristic gradient detachment"), and
 * `uniface` (UCE on both blocks: s(cos − m) − b on positives, summed over
 * classes, averaged over the 2B rows). Defaults s = 64, m = 0.4, k = 0.7.
 *
 * Repeated classes (the authors' convention, `update_virtual_prototype`): every
 * new row is computed from the prototypes as they were before the batch (one
 * vectorised `P[labels] = normalize(α·P[labels] + (1−α)·x̂)`), and of the rows
 * written to the same class the last in batch order wins (what PyTorch's
 * indexed assignment does on CPU); earlier occurrences have no effect. P starts
 * as N(0, 1) rows (as the authors' `randn` buffer) and receives no gradient.
 */
import * as tf from '@tensorflow/tfjs';
import { check } from '../errors.js';
import { l2Normalize } from '../nn/l2-normalize.js';
import {
  applyMargin,
  checkFinite,
  checkPositive,
  cosineMatrix,
  oneHotMatrix,
  readLabels,
  readStateNumber,
  restoreVariable,
  softmaxCrossEntropy,
  stopGradient,
  summedBinaryCrossEntropy,
  uniqueVariableName,
  type HeadOptions,
  type Labels,
  type LossResult,
  type LossState,
} from './common.js';
import { ClassWeightHead } from './head.js';

export type EplBase = 'cosface' | 'arcface' | 'uniface';

export interface EplLossOptions extends HeadOptions {
  /** Base head on W (default `cosface`). */
  base?: EplBase;
  /** Scale s (default 64). */
  scale?: number;
  /** Margin m of the base head (default 0.4, the authors' default for all three). */
  margin?: number;
  /** Factor k of the adaptive margin k·cos(x, P_y) (default 0.7). */
  k?: number;
  /** First 0-based epoch with the empirical term (default 3, i.e. the 4th epoch). */
  startEpoch?: number;
  /** Mixing weight of the prototype update: softsign(c) (default) or sigmoid(c − 1). */
  update?: 'softsign' | 'sigmoid';
  /** `uniface` base: weight λ of the negatives (default 1). */
  lambda?: number;
  /** `uniface` base: initial unified bias (default log(10·numClasses)). */
  biasInit?: number;
  /** `uniface` base: clamp softplus arguments to [−s, s] (default true). */
  clamp?: boolean;
}

export class EplLoss extends ClassWeightHead {
  readonly kind = 'epl';
  readonly base: EplBase;
  readonly scale: number;
  readonly margin: number;
  readonly k: number;
  readonly startEpoch: number;
  readonly update: 'softsign' | 'sigmoid';
  readonly lambda: number;
  readonly clamp: boolean;
  /** Empirical prototypes P, [numClasses, embeddingDim]; not trainable. */
  readonly prototypes: tf.Variable;
  /** The unified bias of the `uniface` base, else undefined. */
  readonly bias: tf.Variable | undefined;
  private epoch = 0;

  constructor(options: EplLossOptions) {
    super(options, 'epl');
    this.base = options.base ?? 'cosface';
    check(['cosface', 'arcface', 'uniface'].includes(this.base), 'base', this.base, "'cosface', 'arcface' or 'uniface'");
    this.scale = options.scale ?? 64;
    checkPositive(this.scale, 'scale');
    this.margin = options.margin ?? 0.4;
    checkFinite(this.margin, 'margin');
    this.k = options.k ?? 0.7;
    checkFinite(this.k, 'k');
    this.startEpoch = options.startEpoch ?? 3;
    check(Number.isInteger(this.startEpoch) && this.startEpoch >= 0, 'startEpoch', this.startEpoch, 'an integer ≥ 0');
    this.update = options.update ?? 'softsign';
    check(this.update === 'softsign' || this.update === 'sigmoid', 'update', this.update, "'softsign' or 'sigmoid'");
    this.lambda = options.lambda ?? 1;
    check(Number.isFinite(this.lambda) && this.lambda >= 0, 'lambda', this.lambda, 'a finite number ≥ 0');
    this.clamp = options.clamp ?? true;
    this.prototypes = tf.tidy(() =>
      tf.variable(tf.randomNormal([this.numClasses, this.embeddingDim], 0, 1, 'float32', (options.seed ?? 1) + 7919), false, uniqueVariableName(`${this.baseName}/prototypes`)),
    );
    if (this.base === 'uniface') {
      const b = options.biasInit ?? Math.log(10 * this.numClasses);
      checkFinite(b, 'biasInit');
      this.bias = tf.tidy(() => tf.variable(tf.fill([1], b), true, uniqueVariableName(`${this.baseName}/bias`)));
    } else {
      this.bias = undefined;
    }
  }

  get trainableVariables(): tf.Variable[] {
    return this.bias ? [this.weight, this.bias] : [this.weight];
  }

  /** Whether the current epoch trains the empirical-prototype term. */
  get empiricalActive(): boolean {
    return this.epoch >= this.startEpoch;
  }

  onEpochStart(epoch: number): void {
    check(Number.isInteger(epoch) && epoch >= 0, 'epoch', epoch, 'an integer ≥ 0');
    this.epoch = epoch;
  }

  /**
   * Updates the empirical prototypes of the batch's classes (see the module
   * comment), on the device in float32: the features are not read back.
   */
  beforeStep(features: tf.Tensor2D, labels: Labels): void {
    this.checkFeatures(features);
    const y = readLabels(labels, features.shape[0], this.numClasses);
    const d = this.embeddingDim;
    const lastRow = new Map<number, number>();
    y.forEach((c, i) => lastRow.set(c, i));
    const classes = [...lastRow.keys()];
    const rows = classes.map((c) => lastRow.get(c) as number);
    tf.tidy(() => {
      const x = tf.gather(l2Normalize(features), rows);
      const p = tf.gather(this.prototypes, classes);
      const c = tf.sum(tf.mul(p, x), 1, true);
      const alpha = this.update === 'softsign' ? tf.div(c, tf.add(tf.abs(c), 1)) : tf.sigmoid(tf.sub(c, 1));
      const updated = l2Normalize(tf.add(tf.mul(alpha, p), tf.mul(tf.sub(1, alpha), x)) as tf.Tensor2D);
      const indices = tf.tensor2d(classes, [classes.length, 1], 'int32');
      const written = tf.scatterND(indices, updated, [this.numClasses, d]);
      const rowMask = tf.scatterND(indices, tf.ones([classes.length]), [this.numClasses]).reshape([this.numClasses, 1]);
      this.prototypes.assign(tf.where(tf.greater(tf.broadcastTo(rowMask, this.prototypes.shape), 0), written, this.prototypes));
    });
  }

  compute(features: tf.Tensor2D, labels: Labels): LossResult {
    this.checkFeatures(features);
    const y = readLabels(labels, features.shape[0], this.numClasses);
    return tf.tidy(() => {
      const oneHot = oneHotMatrix(y, this.numClasses);
      let cos: tf.Tensor2D = cosineMatrix(features, this.weight as tf.Tensor2D);
      let targets = oneHot;
      if (this.base === 'cosface') cos = tf.sub(cos, tf.mul(oneHot, this.margin));
      if (this.empiricalActive) {
        const empirical = tf.matMul(l2Normalize(features), stopGradient(l2Normalize(this.prototypes as tf.Tensor2D)), false, true);
        const adaptive = tf.sub(empirical, tf.mul(oneHot, tf.mul(stopGradient(empirical), this.k))) as tf.Tensor2D;
        cos = tf.concat([cos, adaptive], 0);
        targets = tf.concat([oneHot, oneHot], 0);
      }
      if (this.base === 'cosface') return { loss: softmaxCrossEntropy(tf.mul(cos, this.scale) as tf.Tensor2D, targets) };
      if (this.base === 'arcface') {
        const margined = applyMargin(cos, targets, { m1: 1, m2: this.margin, m3: 0, gradient: 'identity' });
        return { loss: softmaxCrossEntropy(tf.mul(margined, this.scale) as tf.Tensor2D, targets) };
      }
      const z = tf.sub(tf.mul(tf.sub(cos, tf.mul(targets, this.margin)), this.scale), this.bias as tf.Variable) as tf.Tensor2D;
      return { loss: summedBinaryCrossEntropy(z, targets, { lambda: this.lambda, clampAt: this.clamp ? this.scale : undefined }) };
    });
  }

  /** cos(x_i, P_j) against the empirical prototypes, [batch, numClasses]. */
  prototypeScores(features: tf.Tensor2D): tf.Tensor2D {
    this.checkFeatures(features);
    return cosineMatrix(features, this.prototypes as tf.Tensor2D);
  }

  /** `uniface` base: the unified threshold b/s; otherwise undefined. */
  threshold(): tf.Scalar | undefined {
    const bias = this.bias;
    return bias ? tf.tidy(() => tf.div(tf.reshape(bias, []), this.scale) as tf.Scalar) : undefined;
  }

  getState(): LossState {
    const state = super.getState();
    state.tensors.prototypes = this.prototypes;
    if (this.bias) state.tensors.bias = this.bias;
    Object.assign(state.json, { epoch: this.epoch, base: this.base, scale: this.scale, margin: this.margin, k: this.k });
    return state;
  }

  setState(state: LossState): void {
    super.setState(state);
    check(state.json.base === this.base, 'state.json.base', state.json.base, `"${this.base}" (the base head of this loss)`);
    restoreVariable(state, 'prototypes', this.prototypes);
    if (this.bias) restoreVariable(state, 'bias', this.bias);
    this.onEpochStart(readStateNumber(state, 'epoch'));
  }

  dispose(): void {
    if (!this.disposed) {
      this.prototypes.dispose();
      this.bias?.dispose();
    }
    super.dispose();
  }
}
