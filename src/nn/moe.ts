/**
 * Mixture of experts over a CNN feature map [B, H, W, C] → [B, H, W, D]: the
 * MoE module of DTN (Zhang et al., "Distilled Transformers with Locally
 * Enhanced Global Representations for Face Forgery Detection", Pattern
 * Recognition 2025), which "mines various robust forgery embeddings" from
 * CNN features before the transformer. Only DTN's abstract is public; this
 * is the closest documented design, a Switch Transformer layer (Fedus et
 * al., JMLR 2022, "Switch Transformers", §2.1–2.2, eq. 1–2 and 4–6) whose
 * tokens are the positions of the feature map and whose experts are
 * convolutional embeddings (as the convolutional adapter experts of MoE-FFD,
 * Kong et al., arXiv 2404.08452):
 *
 *   p(x) = softmax(x W_r)                      router, per position (eq. 1)
 *   T(x) = the top-k experts of p(x)
 *   y(x) = Σ_{i∈T(x)} p_i(x) · E_i(x)           (eq. 2)
 *   E_i  = Conv_{s×s}(C → D) + b_i             expert i, 'same' padding
 *
 * and the load-balancing loss (eq. 4–6), over the T = B·H·W positions of
 * the batch:
 *
 *   L_bal = N · Σ_i f_i · P_i,   f_i = (1/(T·k)) Σ_x [i ∈ T(x)],   P_i = (1/T) Σ_x p_i(x),
 *
 * which is 1 for perfectly uniform routing and N (the number of experts)
 * when everything goes to one expert. The trainer adds α·L_bal to the loss
 * through the auxiliary-loss hook (src/train/auxiliary-losses.ts) as the
 * term `moe_balance` (summed over MoE layers, as Switch sums it), α =
 * `balanceWeight` (default 0.01, Switch's α).
 *
 * Choices (ours, each from the design named):
 * - Switch style, not GShard: the gate of a selected expert is its router
 *   probability p_i, not renormalised over the top k (Switch eq. 2; GShard
 *   renormalises its top 2). With k = 1 renormalising would give the gate 1
 *   and the router no gradient from the task loss. Any k in [1, N] is
 *   allowed; f_i divides by k so that Σ f_i = 1 for every k.
 * - No router noise (Switch §2.4 found input jitter unnecessary with the
 *   balancing loss; Shazeer et al.'s noisy gating is left out), no router
 *   bias (Switch), router kernel from a truncated normal of std 0.02 (the
 *   ViT initialisation, as every linear map of wavecv's transformers).
 * - No expert capacity and no dropped tokens: every expert is computed at
 *   every position — one convolution to N·D channels — and the unselected
 *   experts are multiplied by a zero gate. With a few experts on a stride-16
 *   feature map this costs less than routing by gathers, keeps the layer a
 *   plain differentiable graph and gives the same outputs as sparse
 *   dispatch.
 * - The top-k selection is a constant for differentiation (its gradient is
 *   zero almost everywhere): gradients reach the router through p_i of the
 *   selected experts and through P_i of the balancing loss.
 * - Routing statistics: in training, the load fraction f_i of every expert
 *   is also added through the auxiliary-loss hook as the term
 *   `<layer>/load<i>` with weight 0 — logged by the trainer as
 *   `aux/<layer>/load<i>` on every step, adding nothing to the loss.
 *   {@link MixtureOfExperts.routing} gives p and the selection of any input.
 */
import * as tf from '@tensorflow/tfjs';
import { check, positiveInt } from '../errors.js';
import { addAuxiliaryLoss, type AuxiliaryLossLayer } from '../train/auxiliary-losses.js';
import { vitWeightInit } from './attention.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

/** The auxiliary term of the load-balancing loss (summed over every MoE layer of a model). */
export const MOE_BALANCE_TERM = 'moe_balance';

export interface MixtureOfExpertsArgs extends LayerArgs {
  /** Number of experts N (≥ 1). */
  numExperts: number;
  /** Experts per position k, in [1, N] (default 1, Switch's). */
  topK?: number;
  /** Output channels D of every expert. */
  embedDim: number;
  /** Side s of the experts' square kernels (odd, default 3). */
  kernelSize?: number;
  /** Weight α of the load-balancing loss (default 0.01). */
  balanceWeight?: number;
  seed?: number;
}

/** 1 where an expert is among the top k of its row of `probabilities` [T, N], else 0; a constant for the gradient. */
function topKMask(probabilities: tf.Tensor2D, k: number): tf.Tensor2D {
  const select = tf.customGrad((p) => {
    const mask = tf.tidy(() => {
      const { indices } = tf.topk(p as tf.Tensor2D, k);
      return tf.sum(tf.oneHot(indices, (p as tf.Tensor2D).shape[1]), 1);
    });
    return { value: mask, gradFunc: (dy) => tf.zerosLike(dy as tf.Tensor) };
  });
  return select(probabilities) as tf.Tensor2D;
}

/** Router probabilities p [T, N] and top-k selection [T, N] of positions `x` [T, C]. */
function route(x: tf.Tensor2D, router: tf.Tensor2D, k: number): { probabilities: tf.Tensor2D; selected: tf.Tensor2D } {
  const probabilities = tf.softmax(tf.matMul(x, router)) as tf.Tensor2D;
  return { probabilities, selected: topKMask(probabilities, k) };
}

/** Feature map [B, H, W, C] → expert mixture [B, H, W, D]; see the module comment. */
export class MixtureOfExperts extends tf.layers.Layer implements AuxiliaryLossLayer {
  static readonly className = 'MixtureOfExperts';
  readonly numExperts: number;
  readonly topK: number;
  readonly embedDim: number;
  readonly kernelSize: number;
  readonly balanceWeight: number;
  private readonly seed?: number;
  private routerKernel!: tf.LayerVariable;
  private expertKernel!: tf.LayerVariable;
  private expertBias!: tf.LayerVariable;

  constructor(args: MixtureOfExpertsArgs) {
    super(args);
    this.numExperts = positiveInt(args.numExperts, 'experts');
    this.topK = args.topK ?? 1;
    check(Number.isInteger(this.topK) && this.topK >= 1 && this.topK <= this.numExperts, 'topK', args.topK, `an integer in [1, ${this.numExperts}] (the number of experts)`);
    this.embedDim = positiveInt(args.embedDim, 'embedDim');
    this.kernelSize = args.kernelSize ?? 3;
    check(Number.isInteger(this.kernelSize) && this.kernelSize >= 1 && this.kernelSize % 2 === 1, 'kernelSize', args.kernelSize, 'an odd positive integer');
    this.balanceWeight = args.balanceWeight ?? 0.01;
    check(typeof this.balanceWeight === 'number' && Number.isFinite(this.balanceWeight) && this.balanceWeight >= 0, 'balanceWeight', args.balanceWeight, 'a finite number ≥ 0');
    if (args.seed !== undefined) check(Number.isInteger(args.seed), 'seed', args.seed, 'an integer');
    this.seed = args.seed;
  }

  /** The terms this layer adds in training: the balancing loss and one load fraction per expert (weight 0). */
  get auxiliaryLossNames(): string[] {
    return [MOE_BALANCE_TERM, ...Array.from({ length: this.numExperts }, (_, i) => this.loadTerm(i))];
  }

  private loadTerm(i: number): string {
    return `${this.name}/load${i}`;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = inputShape as tf.Shape;
    const channels = shape[3];
    check(shape.length === 4 && typeof channels === 'number', `${this.name} input`, `shape [${shape.join(', ')}]`, 'a feature map [batch, height, width, channels]');
    const n = this.numExperts;
    const s = this.kernelSize;
    const seed = (k: number) => (this.seed === undefined ? undefined : this.seed + k);
    this.routerKernel = this.addWeight('router_kernel', [channels, n], 'float32', vitWeightInit(seed(0)));
    this.expertKernel = this.addWeight('expert_kernel', [s, s, channels, n * this.embedDim], 'float32', vitWeightInit(seed(1)));
    this.expertBias = this.addWeight('expert_bias', [n * this.embedDim], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [b, h, w] = inputShape as tf.Shape;
    return [b, h, w, this.embedDim];
  }

  /** Router probabilities p and the top-k selection (0/1) of every position of `x` [B, H, W, C], each [B·H·W, N]. */
  routing(x: tf.Tensor4D): { probabilities: tf.Tensor2D; selected: tf.Tensor2D } {
    check(this.built, this.name, 'an unbuilt layer', 'a layer that has been applied to an input');
    return tf.tidy(() => {
      const [b, h, w, c] = x.shape;
      return route(tf.reshape(x, [b * h * w, c]), this.routerKernel.read() as tf.Tensor2D, this.topK);
    });
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const [b, h, w, c] = x.shape;
      const n = this.numExperts;
      const d = this.embedDim;
      const { probabilities, selected } = route(tf.reshape(x, [b * h * w, c]), this.routerKernel.read() as tf.Tensor2D, this.topK);
      const gates = tf.reshape(tf.mul(probabilities, selected), [b, h, w, n, 1]);
      const experts = tf.add(tf.conv2d(x, this.expertKernel.read() as tf.Tensor4D, 1, 'same'), this.expertBias.read());
      const mixed = tf.sum(tf.mul(tf.reshape(experts, [b, h, w, n, d]), gates), 3);
      if (kwargs?.training) {
        const load = tf.div(tf.mean(selected, 0), this.topK) as tf.Tensor1D; // f_i
        const importance = tf.mean(probabilities, 0); // P_i
        addAuxiliaryLoss(MOE_BALANCE_TERM, tf.mul(n, tf.sum(tf.mul(load, importance))) as tf.Scalar, this.balanceWeight);
        tf.unstack(load).forEach((f, i) => addAuxiliaryLoss(this.loadTerm(i), f as tf.Scalar, 0));
      }
      return mixed;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      numExperts: this.numExperts,
      topK: this.topK,
      embedDim: this.embedDim,
      kernelSize: this.kernelSize,
      balanceWeight: this.balanceWeight,
      ...(this.seed === undefined ? {} : { seed: this.seed }),
    };
  }
}
tf.serialization.registerClass(MixtureOfExperts);
