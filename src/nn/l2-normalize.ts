/**
 * Row-wise L2 normalisation, the one used by the face losses (cosine logits,
 * EPL's prototypes), the embedding helpers and the verification scores.
 *
 * x_i ↦ x_i / max(‖x_i‖₂, ε) with ε = {@link L2_NORMALIZE_EPS} = 1e-12, the
 * default of PyTorch's `F.normalize`: a zero row stays zero (as scikit-learn's
 * `preprocessing.normalize`, which insightface's verification uses) and every
 * other float32 row comes out with unit norm. The SZU heads (UniFace, EPL)
 * call `F.normalize(x, eps=1e-5)` on features; that differs from this only for
 * rows whose norm is below 1e-5, which no trained or randomly initialised
 * backbone produces, so one ε serves every caller.
 */
import * as tf from '@tensorflow/tfjs';

/** ε of {@link l2Normalize}: the smallest norm divided by. */
export const L2_NORMALIZE_EPS = 1e-12;

/** Rows of `x` ([n, d]) divided by max(their L2 norm, {@link L2_NORMALIZE_EPS}). */
export function l2Normalize(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.div(x, tf.maximum(tf.norm(x, 'euclidean', 1, true), L2_NORMALIZE_EPS)) as tf.Tensor2D);
}
