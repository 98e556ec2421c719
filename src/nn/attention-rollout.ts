/**
 * What a ViT's class token looks at, from the attention maps of its blocks
 * (each [B, H, N, N], token 0 the class token, as `vitAttentionMaps` in
 * ./vit.ts returns them):
 *
 * - {@link classTokenAttention}: the class token's row of one block's maps
 *   without its own column, A_h[0, 1:] per head ([B, H, N−1]) — the weights
 *   with which that block mixes the patch tokens into the class token.
 * - {@link attentionRollout}: attention rollout (Abnar & Zuidema,
 *   "Quantifying Attention Flow in Transformers", ACL 2020, §3): the
 *   residual connection is modelled by Â_l = 0.5·Ā_l + 0.5·I with Ā_l the
 *   mean of block l's heads, each row of Â_l renormalised to sum 1, and the
 *   attention of the output tokens to the input tokens is the product
 *   R = Â_L · … · Â_1 (the last block leftmost); the class token's row
 *   R[0, 1:] ([B, N−1]) says how much each patch's input token reaches the
 *   class token through all blocks.
 *
 * Design: the head mean is the paper's choice (not the max); rows are
 * renormalised after the identity is added so that maps whose rows do not
 * sum to 1 (MAS's re-weighted maps Â, ./attention.ts) still give a row-
 * stochastic product. Both functions return new tensors and keep their
 * inputs.
 */
import * as tf from '@tensorflow/tfjs';
import { check } from '../errors.js';

function checkMaps(maps: tf.Tensor4D, argument: string): void {
  const [, , n, m] = maps.shape;
  check(maps.rank === 4 && n === m && n >= 2, argument, `shape [${maps.shape.join(', ')}]`, 'attention maps [batch, heads, tokens, tokens] with a class token and at least one patch token');
}

/** The class token's attention to the patch tokens in each head: [B, H, N−1]. */
export function classTokenAttention(maps: tf.Tensor4D): tf.Tensor3D {
  checkMaps(maps, 'maps');
  const [b, h, n] = maps.shape;
  return tf.tidy(() => tf.reshape(tf.slice(maps, [0, 0, 0, 1], [b, h, 1, n - 1]), [b, h, n - 1]));
}

/** Attention rollout over blocks in order (first block first): the class token's row without its own column, [B, N−1]. */
export function attentionRollout(blocks: readonly tf.Tensor4D[]): tf.Tensor2D {
  check(blocks.length > 0, 'blocks', blocks.length, 'the attention maps of at least one block');
  blocks.forEach((m, l) => {
    checkMaps(m, `blocks[${l}]`);
    check(m.shape[0] === blocks[0].shape[0] && m.shape[2] === blocks[0].shape[2], `blocks[${l}]`, `shape [${m.shape.join(', ')}]`, `the batch and token count of blocks[0] [${blocks[0].shape.join(', ')}]`);
  });
  const [b, , n] = blocks[0].shape;
  return tf.tidy(() => {
    const eye = tf.eye(n).expandDims(0);
    let rollout: tf.Tensor3D | undefined;
    for (const maps of blocks) {
      const mixed = tf.add(tf.mul(tf.mean(maps, 1), 0.5), tf.mul(eye, 0.5)) as tf.Tensor3D;
      const step = tf.div(mixed, tf.sum(mixed, -1, true)) as tf.Tensor3D;
      rollout = rollout ? (tf.matMul(step, rollout) as tf.Tensor3D) : step;
    }
    return tf.reshape(tf.slice(rollout!, [0, 0, 1], [b, 1, n - 1]), [b, n - 1]);
  });
}
