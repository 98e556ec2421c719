/**
 * Explainable Channel Loss (ECLoss) — our design after Lin, Liu, Li, Shen,
 * "Activation Template Matching Loss for Explainable Face Recognition"
 * (FG'23, arXiv 2207.02179).
 *
 * What is known (the abstract): ECLoss is a generic loss on a chosen *target
 * convolutional layer* that makes individual channels detect individual face
 * parts (eyes, nose, mouth…), needs no part annotation or extra data, and
 * improves verification without face alignment; the title says it works by
 * *activation template matching*. The paper's terms, target layer and metrics
 * were not retrievable, so everything below is our design, built from the
 * closest documented method, the part templates of Interpretable CNNs (Zhang,
 * Wu, Zhu, CVPR'18, §3.1: one positive template per location μ,
 * T_μ(p) = τ·max(1 − β‖p − μ‖₁/n, −1) on an n×n map, β = 4).
 *
 * For activations A ∈ R^{B×H×W×K} (NHWC) of the target layer, A⁺ = relu(A):
 *
 * 1. Template matching (one compact part per channel per image). For each
 *    sample b and channel k let μ_bk = argmax_p A⁺_bk(p) (no gradient) and
 *    T_bk = T_{μ_bk} with τ = 1 and n = max(H, W). The matching score is the
 *    activation-weighted mean of the template,
 *      s_bk = Σ_p A⁺_bk(p)·T_bk(p) / Σ_p A⁺_bk(p)  ∈ [−1, 1],
 *    which is 1 exactly when all activation sits at the peak and decreases as
 *    activation spreads away from it (to −1 at L1 distance ≥ 2n/β).
 *    L_match = mean over channels with non-zero activation of (1 − s_bk).
 * 2. Channel diversity (different channels, different parts). With
 *    Â_bk = A⁺_bk/‖A⁺_bk‖₂, the mean pairwise spatial overlap
 *      L_div = mean_b Σ_{k≠l} ⟨Â_bk, Â_bl⟩ / (K(K−1))  ∈ [0, 1],
 *    computed in O(BKHW) as ‖Σ_k Â_bk‖² − Σ_k ‖Â_bk‖².
 *
 * ECLoss = L_match + λ_div·L_div (λ_div = 1 by default); the face objective
 * adds it with a weight of the caller's choice. Because the templates follow
 * the peak of each map, nothing assumes aligned faces. Which layer to target is
 * the model's choice; a mid-level map (14×14 in IResNet's third stage) leaves
 * room for parts, while the final 7×7 map is coarse.
 */
import * as tf from '@tensorflow/tfjs';
import { readScalars } from '../engine/read.js';
import { check } from '../errors.js';
import { l2Normalize } from '../nn/l2-normalize.js';
import { checkFinite, detached } from './common.js';

export interface ExplainableChannelLossOptions {
  /** Template decay β of Zhang et al. (default 4: positive within L1 distance n/4 of the peak). */
  beta?: number;
  /** Weight λ_div of the channel-diversity term (default 1). */
  diversityWeight?: number;
}

/** The peak of one channel's activation map. */
export interface ChannelPeak {
  row: number;
  col: number;
  value: number;
}

/** Explainability figures of a batch of target-layer activations (our metrics; see {@link explainabilityMetrics}). */
export interface ExplainabilityMetrics {
  /** Mean template-matching score s_bk over active channels (1 = every channel one compact blob). */
  templateMatch: number;
  /** Mean pairwise spatial overlap of the channels, in [0, 1] (0 = disjoint parts). */
  channelOverlap: number;
  /** Mean over channels of the spread (RMS distance to the mean, in cells) of the peak location across the batch. */
  peakSpread: number;
}

function checkActivations(activations: tf.Tensor, argument = 'activations'): asserts activations is tf.Tensor4D {
  check(activations instanceof tf.Tensor && activations.rank === 4, argument, activations, 'a rank-4 NHWC tensor [batch, height, width, channels]');
  check(activations.size > 0, argument, activations, 'a non-empty tensor');
}

/** T[μ, p] = max(1 − β‖p − μ‖₁/n, −1) over all pairs of positions of an H×W map, row-major. */
export function templateMatrix(height: number, width: number, beta: number): Float32Array {
  const n = Math.max(height, width);
  const hw = height * width;
  const out = new Float32Array(hw * hw);
  for (let mu = 0; mu < hw; mu++) {
    const mr = Math.floor(mu / width);
    const mc = mu % width;
    for (let p = 0; p < hw; p++) {
      const d = Math.abs(Math.floor(p / width) - mr) + Math.abs((p % width) - mc);
      out[mu * hw + p] = Math.max(1 - (beta * d) / n, -1);
    }
  }
  return out;
}

export class ExplainableChannelLoss {
  readonly kind = 'ecloss';
  readonly beta: number;
  readonly diversityWeight: number;
  private readonly templates = new Map<string, tf.Tensor2D>();

  constructor(options: ExplainableChannelLossOptions = {}) {
    this.beta = options.beta ?? 4;
    checkFinite(this.beta, 'beta');
    check(this.beta > 0, 'beta', this.beta, 'a positive number');
    this.diversityWeight = options.diversityWeight ?? 1;
    check(Number.isFinite(this.diversityWeight) && this.diversityWeight >= 0, 'diversityWeight', this.diversityWeight, 'a finite number ≥ 0');
  }

  /** ECLoss = L_match + λ_div·L_div of the target-layer activations [B, H, W, K]. */
  compute(activations: tf.Tensor4D): { loss: tf.Scalar } {
    checkActivations(activations);
    return tf.tidy(() => {
      const { matching, diversity } = this.terms(activations);
      return { loss: tf.add(matching, tf.mul(diversity, this.diversityWeight)) as tf.Scalar };
    });
  }

  /** The two terms as numbers, for logging (read in one asynchronous transfer). */
  async components(activations: tf.Tensor4D): Promise<{ matching: number; diversity: number }> {
    checkActivations(activations);
    const terms = tf.tidy(() => {
      const { matching, diversity } = this.terms(activations);
      return [matching, diversity];
    });
    try {
      const [matching, diversity] = await readScalars(terms);
      return { matching, diversity };
    } finally {
      tf.dispose(terms);
    }
  }

  /** Releases the cached template matrices. */
  dispose(): void {
    for (const t of this.templates.values()) t.dispose();
    this.templates.clear();
  }

  private template(height: number, width: number): tf.Tensor2D {
    const key = `${height}x${width}`;
    let t = this.templates.get(key);
    if (!t) {
      t = tf.keep(tf.tensor2d(templateMatrix(height, width, this.beta), [height * width, height * width]));
      this.templates.set(key, t);
    }
    return t;
  }

  private terms(activations: tf.Tensor4D): { matching: tf.Scalar; diversity: tf.Scalar } {
    const [b, h, w, k] = activations.shape;
    const hw = h * w;
    // [B·K, HW]: one row per (sample, channel) map.
    const maps = tf.reshape(tf.transpose(tf.reshape(tf.relu(activations), [b, hw, k]), [0, 2, 1]), [b * k, hw]) as tf.Tensor2D;
    // The template at each map's peak and the active-channel mask (mass > 0)
    // carry no gradient, and stay on the device: computed off the tape.
    const template = this.template(h, w);
    const templates = detached(maps, (m) => tf.gather(template, tf.argMax(m, 1)));
    const mass = tf.sum(maps, 1);
    const active = detached(mass, (m) => tf.cast(tf.greater(m, 0), 'float32'));
    const score = tf.div(tf.sum(tf.mul(maps, templates), 1), tf.maximum(mass, 1e-12));
    const matching = tf.div(tf.sum(tf.mul(tf.sub(1, score), active)), tf.maximum(tf.sum(active), 1)) as tf.Scalar;
    let diversity: tf.Scalar = tf.scalar(0);
    if (k > 1) {
      const unit = l2Normalize(maps as tf.Tensor2D);
      const perSample = tf.reshape(unit, [b, k, hw]);
      const total = tf.sum(tf.square(tf.sum(perSample, 1)), 1);
      const self = tf.sum(tf.square(perSample), [1, 2]);
      diversity = tf.div(tf.mean(tf.sub(total, self)), k * (k - 1)) as tf.Scalar;
    }
    return { matching, diversity };
  }
}

/** The peak (row, column, value) of every channel of every sample: result[b][k] (read asynchronously). */
export async function channelPeaks(activations: tf.Tensor4D): Promise<ChannelPeak[][]> {
  checkActivations(activations);
  const [b, h, w, k] = activations.shape;
  const data = await activations.data();
  const out: ChannelPeak[][] = [];
  for (let s = 0; s < b; s++) {
    const row: ChannelPeak[] = [];
    for (let c = 0; c < k; c++) {
      let best = -Infinity;
      let at = 0;
      for (let p = 0; p < h * w; p++) {
        const v = data[(s * h * w + p) * k + c];
        if (v > best) {
          best = v;
          at = p;
        }
      }
      row.push({ row: Math.floor(at / w), col: at % w, value: best });
    }
    out.push(row);
  }
  return out;
}

/**
 * Explainability figures of our design (the paper's metrics were not
 * retrievable): the mean template-matching score, the mean channel overlap
 * (both as in {@link ExplainableChannelLoss}, β = 4 by default), and the mean
 * spread of each channel's peak location across the batch — small when a
 * channel fires at the same face part in every (aligned) image.
 */
export async function explainabilityMetrics(activations: tf.Tensor4D, beta = 4): Promise<ExplainabilityMetrics> {
  const loss = new ExplainableChannelLoss({ beta });
  try {
    const { matching, diversity } = await loss.components(activations);
    const peaks = await channelPeaks(activations);
    const k = activations.shape[3];
    let spread = 0;
    for (let c = 0; c < k; c++) {
      const rows = peaks.map((p) => p[c].row);
      const cols = peaks.map((p) => p[c].col);
      const mr = rows.reduce((a, v) => a + v, 0) / rows.length;
      const mc = cols.reduce((a, v) => a + v, 0) / cols.length;
      const ms = rows.reduce((a, v, i) => a + (v - mr) ** 2 + (cols[i] - mc) ** 2, 0) / rows.length;
      spread += Math.sqrt(ms);
    }
    return { templateMatch: 1 - matching, channelOverlap: diversity, peakSpread: spread / k };
  } finally {
    loss.dispose();
  }
}

/**
 * A model that shares `model`'s weights and returns its outputs followed by the
 * output of the target layer `layerName` (the layer ECLoss acts on).
 */
export function modelWithLayerOutput(model: tf.LayersModel, layerName: string): tf.LayersModel {
  let layer: tf.layers.Layer;
  try {
    layer = model.getLayer(layerName);
  } catch {
    check(false, 'layerName', layerName, `the name of a layer of the model (${model.layers.map((l) => l.name).slice(0, 12).join(', ')}…)`);
  }
  const outputs = [...model.outputs, layer.output as tf.SymbolicTensor];
  return tf.model({ inputs: model.inputs, outputs });
}
