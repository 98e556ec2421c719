/**
 * Binary cross-entropy heads over normalised features (UniFace, Zhou et al.,
 * ICCV'23, §3.3–3.4). For a sample x of class y with cosines c_j = cos(x, W_j):
 *
 *   L(x) = softplus(−z_y) + λ·Σ_{j≠y} softplus(z_j),
 *   z_y = s·(cos(m1·θ_y + m2) − m3) − b_y,   z_j = s·c_j − b_j,
 *
 * summed over classes and averaged over the batch (not averaged over classes).
 * {@link BceLoss} has one bias per class (the `Normalized_BCE_Loss` baseline of
 * UniFace Table 1); {@link UceLoss} in `uce.ts` shares one learnable bias by all
 * classes. As in the authors' code, z is clamped to [−s, s] before softplus
 * (option `clamp`), biases start at log(10·C), and the default margin is the
 * cosine margin m = 0.4 (m = 0 gives the plain "BCE"/"UCE" rows of Table 1).
 */
import * as tf from '@tensorflow/tfjs';
import { check } from '../errors.js';
import {
  applyMargin,
  checkFinite,
  checkPositive,
  cosineMatrix,
  oneHotMatrix,
  readLabels,
  resolveMargin,
  restoreVariable,
  summedBinaryCrossEntropy,
  uniqueVariableName,
  type HeadOptions,
  type Labels,
  type LossResult,
  type LossState,
  type MarginSpec,
} from './common.js';
import { ClassWeightHead } from './head.js';

export interface BinaryHeadOptions extends HeadOptions {
  /** Feature scale s (default 64). */
  scale?: number;
  /** Margin on the positive logit: a number is the cosine margin m (m3); default 0.4. */
  margin?: number | MarginSpec;
  /** Weight λ of the negative terms (UniFace's L_uce-mb-λ; default 1). */
  lambda?: number;
  /** Initial bias (default log(10·numClasses), as the authors' heads). */
  biasInit?: number;
  /** Clamp the softplus arguments to [−s, s] as the authors' code does (default true). */
  clamp?: boolean;
}

/** Shared implementation of the per-class (BCE) and unified (UCE) bias heads. */
export abstract class BinaryHead extends ClassWeightHead {
  readonly scale: number;
  readonly margin: Required<MarginSpec>;
  readonly lambda: number;
  readonly clamp: boolean;
  /** The bias: shape [1] (unified) or [numClasses] (per class). */
  readonly bias: tf.Variable;

  protected constructor(options: BinaryHeadOptions, kind: string, biasSize: number) {
    super(options, kind);
    this.scale = options.scale ?? 64;
    checkPositive(this.scale, 'scale');
    this.margin = resolveMargin(typeof options.margin === 'number' || options.margin === undefined ? { m3: options.margin ?? 0.4 } : options.margin);
    this.lambda = options.lambda ?? 1;
    check(Number.isFinite(this.lambda) && this.lambda >= 0, 'lambda', this.lambda, 'a finite number ≥ 0');
    const biasInit = options.biasInit ?? Math.log(10 * this.numClasses);
    checkFinite(biasInit, 'biasInit');
    this.clamp = options.clamp ?? true;
    this.bias = tf.tidy(() => tf.variable(tf.fill([biasSize], biasInit), true, uniqueVariableName(`${this.baseName}/bias`)));
  }

  get trainableVariables(): tf.Variable[] {
    return [this.weight, this.bias];
  }

  compute(features: tf.Tensor2D, labels: Labels): LossResult {
    this.checkFeatures(features);
    const y = readLabels(labels, features.shape[0], this.numClasses);
    return tf.tidy(() => {
      const oneHot = oneHotMatrix(y, this.numClasses);
      const cos = applyMargin(cosineMatrix(features, this.weight as tf.Tensor2D), oneHot, this.margin);
      const z = tf.sub(tf.mul(cos, this.scale), this.bias.reshape([1, -1])) as tf.Tensor2D;
      return { loss: summedBinaryCrossEntropy(z, oneHot, { lambda: this.lambda, clampAt: this.clamp ? this.scale : undefined }) };
    });
  }

  getState(): LossState {
    const state = super.getState();
    state.tensors.bias = this.bias;
    Object.assign(state.json, { scale: this.scale, lambda: this.lambda });
    return state;
  }

  setState(state: LossState): void {
    super.setState(state);
    restoreVariable(state, 'bias', this.bias);
  }

  dispose(): void {
    if (!this.disposed) this.bias.dispose();
    super.dispose();
  }
}

/** BCE with one learnable bias per class (UniFace Table 1 "BCE" / "BCE-m"). */
export class BceLoss extends BinaryHead {
  readonly kind = 'bce';

  constructor(options: BinaryHeadOptions) {
    super(options, 'bce', options.numClasses);
  }

  /** The per-class biases b_j (read asynchronously). */
  async biasValues(): Promise<Float32Array> {
    return Float32Array.from(await this.bias.data());
  }
}
