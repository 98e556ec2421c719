/**
 * Multi-head self-attention over a token sequence (Vaswani et al., "Attention
 * Is All You Need", NeurIPS 2017, eq. 1 and §3.2.2), in the layout of the
 * Vision Transformer (Dosovitskiy et al., ICLR 2021, eq. 2–3) as timm writes
 * it: one linear map to queries, keys and values (kernel [D, 3D] with bias,
 * output columns ordered q | k | v, each split into H heads of D/H channels),
 * per head A_h = softmax(Q_h K_hᵀ / √(D/H)) over the keys, the heads'
 * A_h V_h concatenated and projected by a [D, D] linear map with bias.
 *
 * Design: the heads are one batched product — Q, K, V are laid out as
 * [H, B, N, D/H] and `tf.matMul` (with its transpose flag for Kᵀ) multiplies
 * all heads at once, softmax runs on the last axis; no per-head loop. Q, K
 * and V are three products with the q, k and v column blocks of the qkv
 * kernel (the same [D, 3D] weight, split per call; a small copy), each
 * reshaped to [B, N, H, D/H] and moved heads first by one 4-D transpose.
 * Splitting the [B·N, 3D] product instead costs a 5-D transpose or an
 * unstack of the activations, which the wasm backend runs 10–40× slower
 * per element than a 4-D transpose (measured on ViT-S/16 at 224×224 batch
 * 8: the unstack alone took 1.1 s of a 3.9 s step). Heads first, not batch
 * first, because the batched products do not care which of the two leading
 * axes is the head and MAS then mixes heads with a plain reshape. The
 * attention maps A (returned as [B, H, N, N]) are retrievable without changing the
 * layer's output: {@link MultiHeadSelfAttention.attentionMaps} recomputes them
 * from the layer's input tokens (see `vitAttentionMaps` in ./vit.ts, which
 * collects them for every block of a model), so a saved model stays a plain
 * one-output graph. Weights are drawn from a truncated normal of std 0.02 and
 * biases start at zero (timm's ViT initialisation), seeded by `seed`.
 *
 * MAS (multi-attention scaling, option `mas`; Zhang et al., "Distilled
 * Transformers with Locally Enhanced Global Representations for Face Forgery
 * Detection", Pattern Recognition 2025 — only its abstract is public: a
 * lightweight, plug-in module against attention collapse in deep
 * transformers). Our reconstruction is the closest documented design,
 * DeepViT's re-attention (Zhou et al., arXiv 2103.11886, eq. 3): the H
 * post-softmax maps are re-weighted by a learnable H×H matrix Θ,
 * Â_g = Σ_h Θ_hg A_h, before they weight V — each head's map scaled (the
 * diagonal) and mixed with the other heads' maps, so that heads, and hence
 * neighbouring blocks, need not converge to the same map. Choices: Θ starts
 * as the identity and DeepViT's normalisation over heads is left out, so at
 * step 0 a layer with MAS computes exactly what it computes without (a
 * pretrained ViT is unchanged); the cost is H² parameters per layer and one
 * [H, H] × [H, B·N·N] product (a reshape away from the heads-first maps). {@link MultiHeadSelfAttention.attentionMaps}
 * returns the re-weighted maps Â (their rows need not sum to 1 once Θ has
 * left the identity).
 */
import * as tf from '@tensorflow/tfjs';
import { check, positiveInt } from '../errors.js';
import type { Initializer } from './init.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

export interface MultiHeadSelfAttentionArgs extends LayerArgs {
  numHeads: number;
  /** Seed of the weight initialisers (absent: unseeded). */
  seed?: number;
  /** Multi-attention scaling: a learnable H×H re-weighting of the heads' maps (default false); see the module comment. */
  mas?: boolean;
}

/** The ViT initialiser: truncated normal of std 0.02 (timm's `trunc_normal_(std=.02)`). */
export function vitWeightInit(seed?: number): Initializer {
  return tf.initializers.truncatedNormal({ stddev: 0.02, seed });
}

/** Queries, keys and values of tokens `x` ([B, N, D]) as [H, B, N, D/H] each; see the module comment. */
function projectHeads(x: tf.Tensor3D, kernel: tf.Tensor2D, bias: tf.Tensor1D, heads: number): [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D] {
  const [b, n, d] = x.shape;
  const rows = tf.reshape(x, [b * n, d]) as tf.Tensor2D;
  const kernels = tf.split(kernel, 3, 1) as tf.Tensor2D[];
  const biases = tf.split(bias, 3);
  const [q, k, v] = kernels.map((w, i) => {
    const projected = tf.fused.matMul({ a: rows, b: w, bias: biases[i] });
    return tf.transpose(tf.reshape(projected, [b, n, heads, d / heads]), [2, 0, 1, 3]) as tf.Tensor4D;
  });
  return [q, k, v];
}

/** softmax(Q Kᵀ / √d_h) on the last axis: [H, B, N, N]. */
function attentionProbabilities(q: tf.Tensor4D, k: tf.Tensor4D): tf.Tensor4D {
  const scale = 1 / Math.sqrt(q.shape[3]);
  return tf.softmax(tf.matMul(tf.mul(q, scale), k, false, true), -1) as tf.Tensor4D;
}

/** Â_g = Σ_h Θ_hg A_h of maps `a` [H, B, N, N] and Θ [H, H]. */
function reweightHeads(a: tf.Tensor4D, theta: tf.Tensor2D): tf.Tensor4D {
  const [h, b, n] = a.shape;
  return tf.reshape(tf.matMul(theta, tf.reshape(a, [h, b * n * n]), true, false), [h, b, n, n]);
}

/** Tokens [B, N, D] → [B, N, D]; see the module comment. */
export class MultiHeadSelfAttention extends tf.layers.Layer {
  static readonly className = 'MultiHeadSelfAttention';
  readonly numHeads: number;
  readonly mas: boolean;
  private readonly seed?: number;
  private qkvKernel!: tf.LayerVariable;
  private qkvBias!: tf.LayerVariable;
  private projKernel!: tf.LayerVariable;
  private projBias!: tf.LayerVariable;
  private headMixing?: tf.LayerVariable;

  constructor(args: MultiHeadSelfAttentionArgs) {
    super(args);
    this.numHeads = positiveInt(args.numHeads, 'numHeads');
    if (args.seed !== undefined) check(Number.isInteger(args.seed), 'seed', args.seed, 'an integer');
    this.seed = args.seed;
    check(args.mas === undefined || typeof args.mas === 'boolean', 'mas', args.mas, 'true or false');
    this.mas = args.mas ?? false;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = inputShape as tf.Shape;
    const dim = shape[shape.length - 1];
    check(shape.length === 3 && typeof dim === 'number', `${this.name} input`, `shape [${shape.join(', ')}]`, 'tokens [batch, tokens, channels]');
    check(dim % this.numHeads === 0, 'numHeads', this.numHeads, `a divisor of the token width ${dim}`);
    const seed = this.seed;
    this.qkvKernel = this.addWeight('qkv_kernel', [dim, 3 * dim], 'float32', vitWeightInit(seed));
    this.qkvBias = this.addWeight('qkv_bias', [3 * dim], 'float32', tf.initializers.zeros());
    this.projKernel = this.addWeight('proj_kernel', [dim, dim], 'float32', vitWeightInit(seed === undefined ? undefined : seed + 1));
    this.projBias = this.addWeight('proj_bias', [dim], 'float32', tf.initializers.zeros());
    if (this.mas) this.headMixing = this.addWeight('mas_head_mixing', [this.numHeads, this.numHeads], 'float32', tf.initializers.identity({}));
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return inputShape as tf.Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor3D;
      const [b, n, d] = x.shape;
      const [q, k, v] = projectHeads(x, this.qkvKernel.read() as tf.Tensor2D, this.qkvBias.read() as tf.Tensor1D, this.numHeads);
      const heads = tf.matMul(this.maps(q, k), v); // [H, B, N, d_h]
      const merged = tf.reshape(tf.transpose(heads, [1, 2, 0, 3]), [b * n, d]);
      return tf.reshape(tf.add(tf.matMul(merged, this.projKernel.read() as tf.Tensor2D), this.projBias.read()), [b, n, d]);
    });
  }

  /** The attention maps A = softmax(QKᵀ/√d_h) (Â with MAS) of input tokens `x` ([B, N, D]): [B, H, N, N]. */
  attentionMaps(x: tf.Tensor3D): tf.Tensor4D {
    check(this.built, `${this.name}`, 'an unbuilt layer', 'a layer that has been applied to an input');
    return tf.tidy(() => {
      const [q, k] = projectHeads(x, this.qkvKernel.read() as tf.Tensor2D, this.qkvBias.read() as tf.Tensor1D, this.numHeads);
      return tf.transpose(this.maps(q, k), [1, 0, 2, 3]);
    });
  }

  /** A, or Â with MAS, heads first: [H, B, N, N]. */
  private maps(q: tf.Tensor4D, k: tf.Tensor4D): tf.Tensor4D {
    const a = attentionProbabilities(q, k);
    return this.headMixing ? reweightHeads(a, this.headMixing.read() as tf.Tensor2D) : a;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), numHeads: this.numHeads, mas: this.mas, ...(this.seed === undefined ? {} : { seed: this.seed }) };
  }
}
tf.serialization.registerClass(MultiHeadSelfAttention);
