/**
 * Sample-to-sample losses against a per-class memory of the latest features,
 * and their combination with a sample-to-class loss: UniTSFace (Li, Jia, Zhou,
 * Shen, Duan, "UniTSFace: Unified Threshold Integrated Sample-to-Sample Loss for
 * Face Recognition", NeurIPS'23).
 *
 * Memory: M ∈ R^{C×D} holds the latest (raw, detached) feature seen for each
 * class; it is written after each step ({@link SampleToSampleLoss.afterStep}).
 * With c_j = cos(x, M_j) and y the class of x:
 *
 * - USS loss (the paper's L_uss with margin; {@link UssLoss}):
 *     L = log(1 + exp(−(γ(c_y − m) − b))) + Σ_{j≠y} log(1 + exp(γ c_j − b)),
 *   one learnable scalar b, so the unified threshold is t = b/γ; γ = 64, m = 0.1.
 * - Sample-to-sample BCE ({@link SampleToSampleBceLoss}): the same with one bias
 *   per class.
 * - Sample-to-sample softmax ({@link SampleToSampleSoftmaxLoss}): cross-entropy of
 *   γ(c_j − m·[j=y]), i.e. CosFace against the memory.
 *
 * As in the authors' code (`CVI-SZU/UniTSFace:head.py`) the bias is initialised
 * from data, b = mean over the batch of logsumexp_{j≠y}(γ c_j), the softplus
 * arguments are clamped to [−γ, γ], and the loss is summed over classes and
 * averaged over the batch. The data-driven value is taken, as there, before
 * every step on which the bias is not positive — on the first step (b starts
 * at 0) and again whenever training has driven it to b ≤ 0: USS sets
 * b ← value; the per-class variant, when the mean of its biases is ≤ 0, adds
 * the value to every bias (the authors' `+=`). With a numeric `biasInit` the
 * bias is never reset. Design choices of ours, documented here:
 * - Classes whose memory slot was never written are left out of the loss (the
 *   authors' memory starts uninitialised and one warm-up epoch fills it); a row
 *   whose own class is unwritten is left out and the mean runs over the rest.
 * - When a class occurs several times in a batch the last occurrence is written
 *   (the authors write sample by sample in batch order, with the same result).
 *
 * {@link UniTSFaceLoss} combines a sample-to-class loss (CosFace s = 64, m = 0.4
 * by default in the paper) with a sample-to-sample loss: epoch 0 trains the
 * sample-to-class loss alone (and fills the memory); from epoch 1 on the loss is
 * L_s2c + L_s2s (`combine: false`: L_s2s alone).
 */
import * as tf from '@tensorflow/tfjs';
import { readScalars } from '../engine/read.js';
import { check, WavecvError } from '../errors.js';
import {
  checkFeatures,
  checkHeadOptions,
  checkPositive,
  checkStateKind,
  cosineMatrix,
  oneHotMatrix,
  readLabels,
  readStateBoolean,
  readStateNumber,
  restoreVariable,
  softmaxCrossEntropy,
  summedBinaryCrossEntropy,
  uniqueVariableName,
  type FaceLoss,
  type Labels,
  type LossResult,
  type LossState,
} from './common.js';

export interface SampleToSampleOptions {
  numClasses: number;
  embeddingDim: number;
  /** Scale γ (default 64). */
  scale?: number;
  /** Cosine margin m on the positive pair (default 0.1). */
  margin?: number;
  /** Clamp the softplus arguments to [−γ, γ] (default true; BCE-type losses only). */
  clamp?: boolean;
  /**
   * Initial bias: `'data'` (default) sets it on first use to the batch mean of
   * logsumexp_{j≠y}(γ·c_j); a number fixes it.
   */
  biasInit?: 'data' | number;
  /** Prefix of the variable names (default: the loss kind). */
  name?: string;
}

/** The memory bank and bookkeeping shared by the three sample-to-sample losses. */
export abstract class SampleToSampleLoss implements FaceLoss {
  abstract readonly kind: string;
  readonly numClasses: number;
  readonly embeddingDim: number;
  readonly scale: number;
  readonly margin: number;
  readonly clamp: boolean;
  /** Latest raw feature of each class, [numClasses, embeddingDim]; not trainable. */
  readonly memory: tf.Variable;
  /** The bias ([1] unified or [numClasses] per class), or undefined (softmax). */
  readonly bias: tf.Variable | undefined;
  protected readonly filled: Uint8Array;
  protected filledMask: tf.Tensor1D;
  protected biasInitialized: boolean;
  protected readonly dataDrivenBias: boolean;
  private disposed = false;

  protected constructor(options: SampleToSampleOptions, defaultName: string, biasSize: number) {
    checkHeadOptions({ numClasses: options.numClasses, embeddingDim: options.embeddingDim });
    this.numClasses = options.numClasses;
    this.embeddingDim = options.embeddingDim;
    this.scale = options.scale ?? 64;
    checkPositive(this.scale, 'scale');
    this.margin = options.margin ?? 0.1;
    check(Number.isFinite(this.margin), 'margin', this.margin, 'a finite number');
    this.clamp = options.clamp ?? true;
    const name = options.name ?? defaultName;
    const biasInit = options.biasInit ?? 'data';
    check(biasInit === 'data' || Number.isFinite(biasInit), 'biasInit', biasInit, "'data' or a finite number");
    this.dataDrivenBias = biasInit === 'data';
    this.biasInitialized = biasSize === 0 || !this.dataDrivenBias;
    this.memory = tf.tidy(() => tf.variable(tf.zeros([this.numClasses, this.embeddingDim]), false, uniqueVariableName(`${name}/memory`)));
    this.bias =
      biasSize === 0
        ? undefined
        : tf.tidy(() => tf.variable(tf.fill([biasSize], biasInit === 'data' ? 0 : biasInit), true, uniqueVariableName(`${name}/bias`)));
    this.filled = new Uint8Array(this.numClasses);
    this.filledMask = tf.zeros([this.numClasses]);
  }

  get trainableVariables(): tf.Variable[] {
    return this.bias ? [this.bias] : [];
  }

  /** How many classes have a feature in memory. */
  filledCount(): number {
    return this.filled.reduce((a, b) => a + b, 0);
  }

  /** Whether the bias has its value (always true without a data-driven init). */
  isBiasInitialized(): boolean {
    return this.biasInitialized;
  }

  compute(features: tf.Tensor2D, labels: Labels): LossResult {
    checkFeatures(features, this.embeddingDim);
    const y = readLabels(labels, features.shape[0], this.numClasses);
    if (!this.biasInitialized) {
      throw new WavecvError('bias', 'uninitialised', `beforeStep(features, labels) to run first: it initialises the ${this.kind} bias from data`);
    }
    return tf.tidy(() => {
      const oneHot = oneHotMatrix(y, this.numClasses);
      const rowWeights = tf.tensor1d(y.map((c) => this.filled[c]), 'float32');
      const cos = cosineMatrix(features, this.memory as tf.Tensor2D);
      const scaled = tf.mul(tf.sub(cos, tf.mul(oneHot, this.margin)), this.scale) as tf.Tensor2D;
      return { loss: this.criterion(scaled, oneHot, rowWeights) };
    });
  }

  /** The loss from the scaled, margin-shifted cosines γ(c_j − m·[j=y]). */
  protected abstract criterion(scaled: tf.Tensor2D, oneHot: tf.Tensor2D, rowWeights: tf.Tensor1D): tf.Scalar;

  /** BCE-type criterion shared by USS and the per-class variant. */
  protected binaryCriterion(scaled: tf.Tensor2D, oneHot: tf.Tensor2D, rowWeights: tf.Tensor1D): tf.Scalar {
    const bias = this.bias as tf.Variable;
    const z = tf.sub(scaled, bias.reshape([1, -1])) as tf.Tensor2D;
    return summedBinaryCrossEntropy(z, oneHot, {
      clampAt: this.clamp ? this.scale : undefined,
      columnWeights: this.filledMask,
      rowWeights,
    });
  }

  /** cos(x_i, M_j), [batch, numClasses]; unwritten memory slots give 0. */
  scores(features: tf.Tensor2D): tf.Tensor2D {
    checkFeatures(features, this.embeddingDim);
    return cosineMatrix(features, this.memory as tf.Tensor2D);
  }

  onEpochStart(_epoch: number): void {}

  /**
   * With `biasInit: 'data'`, (re-)initialises the bias from data whenever it is
   * not positive (see the module comment):
   * value = mean_i logsumexp_{j≠y_i, M_j written}(γ·cos(x_i, M_j)). Rows without a
   * written negative class are skipped; if no row has one, nothing happens yet.
   *
   * Nothing is read back from the device: whether a row has a written
   * negative class follows from the labels and the written flags (both on the
   * host), and the test "bias ≤ 0" is a `where` on the device, so the bias
   * is reset (or kept) there.
   */
  beforeStep(features: tf.Tensor2D, labels: Labels): void {
    if (!this.dataDrivenBias || !this.bias) return;
    checkFeatures(features, this.embeddingDim);
    const y = readLabels(labels, features.shape[0], this.numClasses);
    const written = this.filledCount();
    if (!y.some((c) => written - this.filled[c] > 0)) return;
    const bias = this.bias;
    tf.tidy(() => {
      const oneHot = oneHotMatrix(y, this.numClasses);
      const negatives = tf.mul(tf.sub(1, oneHot), this.filledMask.reshape([1, -1]));
      const scaled = tf.mul(cosineMatrix(features, this.memory as tf.Tensor2D), this.scale);
      const masked = tf.where(tf.greater(negatives, 0), scaled, tf.fill(scaled.shape, -Infinity));
      const lse = tf.logSumExp(masked, 1);
      const valid = tf.greater(tf.sum(negatives, 1), 0);
      const count = tf.sum(tf.cast(valid, 'float32'));
      const total = tf.sum(tf.where(valid, lse, tf.zerosLike(lse)));
      const reset = this.resetBias(bias, tf.div(total, count) as tf.Scalar);
      bias.assign(this.biasInitialized ? tf.where(tf.lessEqual(tf.mean(bias), 0), reset, bias) : reset);
    });
    this.biasInitialized = true;
  }

  /** The bias after the data-driven `value`: b ← value (USS); overridden by the per-class variant. */
  protected resetBias(bias: tf.Variable, value: tf.Scalar): tf.Tensor {
    return tf.broadcastTo(value, bias.shape);
  }

  /**
   * Writes each sample's feature into the memory slot of its class (detached;
   * the last occurrence of a class in the batch wins) and marks the slot written.
   */
  afterStep(features: tf.Tensor2D, labels: Labels): void {
    checkFeatures(features, this.embeddingDim);
    const y = readLabels(labels, features.shape[0], this.numClasses);
    const lastRow = new Map<number, number>();
    y.forEach((c, i) => lastRow.set(c, i));
    const classes = [...lastRow.keys()];
    const rows = classes.map((c) => lastRow.get(c) as number);
    tf.tidy(() => {
      const indices = tf.tensor2d(classes, [classes.length, 1], 'int32');
      const written = tf.scatterND(indices, tf.gather(features, rows), [this.numClasses, this.embeddingDim]);
      const rowMask = tf.scatterND(indices, tf.ones([classes.length]), [this.numClasses]).reshape([this.numClasses, 1]);
      this.memory.assign(tf.where(tf.greater(tf.broadcastTo(rowMask, this.memory.shape), 0), written, this.memory));
    });
    let changed = false;
    for (const c of classes) {
      if (!this.filled[c]) {
        this.filled[c] = 1;
        changed = true;
      }
    }
    if (changed) this.refreshMask();
  }

  threshold(): tf.Scalar | undefined {
    return undefined;
  }

  getState(): LossState {
    const state: LossState = {
      tensors: { memory: this.memory },
      json: { kind: this.kind, filled: Array.from(this.filled), biasInitialized: this.biasInitialized, scale: this.scale, margin: this.margin },
    };
    if (this.bias) state.tensors.bias = this.bias;
    return state;
  }

  setState(state: LossState): void {
    checkStateKind(state, this.kind);
    restoreVariable(state, 'memory', this.memory);
    const filled = state.json.filled;
    check(
      Array.isArray(filled) && filled.length === this.numClasses && filled.every((v) => v === 0 || v === 1),
      'state.json.filled',
      filled,
      `${this.numClasses} flags of 0 or 1`,
    );
    this.filled.set(filled as number[]);
    this.refreshMask();
    this.biasInitialized = readStateBoolean(state, 'biasInitialized');
    if (this.bias) restoreVariable(state, 'bias', this.bias);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.memory.dispose();
    this.bias?.dispose();
    this.filledMask.dispose();
  }

  private refreshMask(): void {
    this.filledMask.dispose();
    this.filledMask = tf.tensor1d(Float32Array.from(this.filled), 'float32');
  }
}

/** The USS loss with one learnable unified bias; threshold t = b/γ (UniTSFace Eq. of L_uss-m). */
export class UssLoss extends SampleToSampleLoss {
  readonly kind = 'uss';

  constructor(options: SampleToSampleOptions) {
    super(options, 'uss', 1);
  }

  protected criterion(scaled: tf.Tensor2D, oneHot: tf.Tensor2D, rowWeights: tf.Tensor1D): tf.Scalar {
    return this.binaryCriterion(scaled, oneHot, rowWeights);
  }

  /** The unified bias b (read asynchronously). */
  async biasValue(): Promise<number> {
    return (await readScalars([this.bias as tf.Variable]))[0];
  }

  /** The unified threshold t = b/γ in cosine units (undefined until b is initialised from data). */
  threshold(): tf.Scalar | undefined {
    return this.biasInitialized ? tf.tidy(() => tf.div(tf.reshape(this.bias as tf.Variable, []), this.scale) as tf.Scalar) : undefined;
  }
}

/** Sample-to-sample BCE: USS with one bias per class, all moved by the same data-driven value. */
export class SampleToSampleBceLoss extends SampleToSampleLoss {
  readonly kind = 's2s-bce';

  constructor(options: SampleToSampleOptions) {
    super(options, 's2s-bce', options.numClasses);
  }

  /** b_j ← b_j + value for every class (the authors' per-class head adds, whereas USS sets). */
  protected resetBias(bias: tf.Variable, value: tf.Scalar): tf.Tensor {
    return tf.add(bias, value);
  }

  protected criterion(scaled: tf.Tensor2D, oneHot: tf.Tensor2D, rowWeights: tf.Tensor1D): tf.Scalar {
    return this.binaryCriterion(scaled, oneHot, rowWeights);
  }
}

/** Sample-to-sample softmax: cross-entropy of γ(cos(x, M_j) − m·[j=y]) over the written classes. */
export class SampleToSampleSoftmaxLoss extends SampleToSampleLoss {
  readonly kind = 's2s-softmax';

  constructor(options: Omit<SampleToSampleOptions, 'biasInit' | 'clamp'>) {
    super(options, 's2s-softmax', 0);
  }

  protected criterion(scaled: tf.Tensor2D, oneHot: tf.Tensor2D, rowWeights: tf.Tensor1D): tf.Scalar {
    const keep = tf.greater(tf.broadcastTo(this.filledMask.reshape([1, -1]), scaled.shape), 0);
    const logits = tf.where(keep, scaled, tf.fill(scaled.shape, -1e4)) as tf.Tensor2D;
    return softmaxCrossEntropy(logits, oneHot, rowWeights);
  }
}

export interface UniTSFaceLossOptions {
  /** The sample-to-class loss (the paper: CosFace, s = 64, m = 0.4). */
  sampleToClass: FaceLoss;
  /** The sample-to-sample loss (the paper: {@link UssLoss}). */
  sampleToSample: SampleToSampleLoss;
  /** First 0-based epoch that uses the sample-to-sample loss (default 1). */
  startEpoch?: number;
  /** From `startEpoch` on, L_s2c + L_s2s (true, default) or L_s2s alone (false). */
  combine?: boolean;
}

/**
 * UniTSFace's objective (`backbone.py` forward of the authors' code): epoch
 * < startEpoch → L_s2c; later → L_s2c + L_s2s (or L_s2s). The memory is
 * written after every step of every epoch. Owns both losses (disposes them).
 */
export class UniTSFaceLoss implements FaceLoss {
  readonly kind = 'unitsface';
  readonly numClasses: number;
  readonly embeddingDim: number;
  readonly sampleToClass: FaceLoss;
  readonly sampleToSample: SampleToSampleLoss;
  readonly startEpoch: number;
  readonly combine: boolean;
  private epoch = 0;

  constructor(options: UniTSFaceLossOptions) {
    const { sampleToClass, sampleToSample } = options;
    check(sampleToClass.numClasses === sampleToSample.numClasses, 'sampleToSample.numClasses', sampleToSample.numClasses, `${sampleToClass.numClasses} (as the sample-to-class loss)`);
    check(sampleToClass.embeddingDim === sampleToSample.embeddingDim, 'sampleToSample.embeddingDim', sampleToSample.embeddingDim, `${sampleToClass.embeddingDim} (as the sample-to-class loss)`);
    this.sampleToClass = sampleToClass;
    this.sampleToSample = sampleToSample;
    this.numClasses = sampleToClass.numClasses;
    this.embeddingDim = sampleToClass.embeddingDim;
    this.startEpoch = options.startEpoch ?? 1;
    check(Number.isInteger(this.startEpoch) && this.startEpoch >= 0, 'startEpoch', this.startEpoch, 'an integer ≥ 0');
    this.combine = options.combine ?? true;
  }

  get trainableVariables(): tf.Variable[] {
    return [...this.sampleToClass.trainableVariables, ...this.sampleToSample.trainableVariables];
  }

  /** Whether the current epoch uses the sample-to-sample loss. */
  get sampleToSampleActive(): boolean {
    return this.epoch >= this.startEpoch;
  }

  compute(features: tf.Tensor2D, labels: Labels): LossResult {
    if (!this.sampleToSampleActive) return this.sampleToClass.compute(features, labels);
    if (!this.combine) return this.sampleToSample.compute(features, labels);
    return tf.tidy(() => {
      const a = this.sampleToClass.compute(features, labels).loss;
      const b = this.sampleToSample.compute(features, labels).loss;
      return { loss: tf.add(a, b) as tf.Scalar };
    });
  }

  scores(features: tf.Tensor2D): tf.Tensor2D {
    return this.sampleToClass.scores(features);
  }

  onEpochStart(epoch: number): void {
    check(Number.isInteger(epoch) && epoch >= 0, 'epoch', epoch, 'an integer ≥ 0');
    this.epoch = epoch;
    this.sampleToClass.onEpochStart(epoch);
    this.sampleToSample.onEpochStart(epoch);
  }

  beforeStep(features: tf.Tensor2D, labels: Labels): void {
    this.sampleToClass.beforeStep(features, labels);
    if (this.sampleToSampleActive) this.sampleToSample.beforeStep(features, labels);
  }

  afterStep(features: tf.Tensor2D, labels: Labels): void {
    this.sampleToClass.afterStep(features, labels);
    this.sampleToSample.afterStep(features, labels);
  }

  /** The sample-to-sample loss's unified threshold (USS: b/γ), else the sample-to-class one. */
  threshold(): tf.Scalar | undefined {
    return this.sampleToSample.threshold() ?? this.sampleToClass.threshold();
  }

  getState(): LossState {
    const state: LossState = { tensors: {}, json: { kind: this.kind, epoch: this.epoch } };
    for (const [prefix, loss] of [['sampleToClass', this.sampleToClass], ['sampleToSample', this.sampleToSample]] as const) {
      const sub = loss.getState();
      for (const [key, value] of Object.entries(sub.tensors)) state.tensors[`${prefix}/${key}`] = value;
      state.json[prefix] = sub.json;
    }
    return state;
  }

  setState(state: LossState): void {
    checkStateKind(state, this.kind);
    for (const [prefix, loss] of [['sampleToClass', this.sampleToClass], ['sampleToSample', this.sampleToSample]] as const) {
      const tensors: Record<string, tf.Tensor> = {};
      for (const [key, value] of Object.entries(state.tensors)) if (key.startsWith(`${prefix}/`)) tensors[key.slice(prefix.length + 1)] = value;
      const json = state.json[prefix];
      check(typeof json === 'object' && json !== null, `state.json.${prefix}`, json, 'the saved state of the sub-loss');
      loss.setState({ tensors, json: json as Record<string, unknown> });
    }
    this.onEpochStart(readStateNumber(state, 'epoch'));
  }

  dispose(): void {
    this.sampleToClass.dispose();
    this.sampleToSample.dispose();
  }
}
