/**
 * Locally-enhanced feed-forward (the LEVT block's MLP) on ViT tokens
 * [B, 1+N, D] whose N patch tokens form a √N×√N grid in row-major order.
 * DTN's LEVT (Zhang et al., "Distilled Transformers with Locally Enhanced
 * Global Representations for Face Forgery Detection", Pattern Recognition
 * 2025) is described only in its abstract (a ViT that learns locally-enhanced
 * global representations); this is the closest documented design, the
 * feed-forward of LocalViT (Li et al., arXiv 2104.05707, Fig. 2 and eq. 5)
 * and CeiT's LeFF (Yuan et al., ICCV 2021, §3.2):
 *
 *   h = GELU(x W₁ + b₁)                      (every token, D → rD)
 *   h_patch ← GELU(DWConv₃ₓ₃(grid(h_patch)))  (patch tokens only)
 *   y = h W₂ + b₂                             (every token, rD → D)
 *
 * The depthwise 3×3 convolution (with bias, zero padding 'same') mixes each
 * hidden channel over the 8 neighbouring patches, the local artifacts a pure
 * ViT misses. Choices: GELU throughout (the ViT's activation; LocalViT uses
 * h-swish, CeiT adds BatchNorm — left out so the block does not depend on the
 * batch); the class token goes through the point-wise layers but skips the
 * depthwise convolution (it has no grid position; CeiT and LocalViT split it
 * off the same way). Initialisation: truncated normal std 0.02 for W₁ and W₂
 * (timm), the depthwise kernel as PyTorch's default conv (U(±1/√9)), zero
 * biases; all seeded by `seed`.
 */
import * as tf from '@tensorflow/tfjs';
import { check, positiveInt } from '../errors.js';
import { vitWeightInit } from './attention.js';
import { gelu } from './gelu.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

export interface LocallyEnhancedFeedForwardArgs extends LayerArgs {
  /** Hidden width rD. */
  hiddenDim: number;
  seed?: number;
}

/** Tokens [B, 1+N, D] → [B, 1+N, D]; see the module comment. */
export class LocallyEnhancedFeedForward extends tf.layers.Layer {
  static readonly className = 'LocallyEnhancedFeedForward';
  readonly hiddenDim: number;
  private readonly seed?: number;
  private fc1Kernel!: tf.LayerVariable;
  private fc1Bias!: tf.LayerVariable;
  private depthwiseKernel!: tf.LayerVariable;
  private depthwiseBias!: tf.LayerVariable;
  private fc2Kernel!: tf.LayerVariable;
  private fc2Bias!: tf.LayerVariable;

  constructor(args: LocallyEnhancedFeedForwardArgs) {
    super(args);
    this.hiddenDim = positiveInt(args.hiddenDim, 'hiddenDim');
    if (args.seed !== undefined) check(Number.isInteger(args.seed), 'seed', args.seed, 'an integer');
    this.seed = args.seed;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const [, tokens, dim] = inputShape as tf.Shape;
    const grid = Math.round(Math.sqrt((tokens as number) - 1));
    check(typeof dim === 'number' && typeof tokens === 'number' && grid * grid === tokens - 1, `${this.name} input`, `shape [${(inputShape as tf.Shape).join(', ')}]`, 'tokens [batch, 1 + g², channels]: a class token and a square patch grid');
    const r = this.hiddenDim;
    const seed = (k: number) => (this.seed === undefined ? undefined : this.seed + k);
    this.fc1Kernel = this.addWeight('fc1_kernel', [dim, r], 'float32', vitWeightInit(seed(0)));
    this.fc1Bias = this.addWeight('fc1_bias', [r], 'float32', tf.initializers.zeros());
    this.depthwiseKernel = this.addWeight('depthwise_kernel', [3, 3, r, 1], 'float32', tf.initializers.randomUniform({ minval: -1 / 3, maxval: 1 / 3, seed: seed(1) }));
    this.depthwiseBias = this.addWeight('depthwise_bias', [r], 'float32', tf.initializers.zeros());
    this.fc2Kernel = this.addWeight('fc2_kernel', [r, dim], 'float32', vitWeightInit(seed(2)));
    this.fc2Bias = this.addWeight('fc2_bias', [dim], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return inputShape as tf.Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor3D;
      const [b, tokens, d] = x.shape;
      const g = Math.round(Math.sqrt(tokens - 1));
      const r = this.hiddenDim;
      const h = gelu(tf.add(tf.matMul(tf.reshape(x, [b * tokens, d]), this.fc1Kernel.read() as tf.Tensor2D), this.fc1Bias.read()));
      const hidden = tf.reshape(h, [b, tokens, r]);
      const cls = tf.slice(hidden, [0, 0, 0], [b, 1, r]);
      const grid = tf.reshape(tf.slice(hidden, [0, 1, 0], [b, tokens - 1, r]), [b, g, g, r]) as tf.Tensor4D;
      const local = gelu(tf.add(tf.depthwiseConv2d(grid, this.depthwiseKernel.read() as tf.Tensor4D, 1, 'same'), this.depthwiseBias.read()));
      const enhanced = tf.concat([cls, tf.reshape(local, [b, tokens - 1, r])], 1);
      const y = tf.add(tf.matMul(tf.reshape(enhanced, [b * tokens, r]), this.fc2Kernel.read() as tf.Tensor2D), this.fc2Bias.read());
      return tf.reshape(y, [b, tokens, d]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), hiddenDim: this.hiddenDim, ...(this.seed === undefined ? {} : { seed: this.seed }) };
  }
}
tf.serialization.registerClass(LocallyEnhancedFeedForward);
