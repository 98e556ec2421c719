/**
 * Gradient clipping, as PyTorch's `clip_grad_norm_` and `clip_grad_value_`:
 * by global norm (Pascanu et al. 2013, "On the difficulty of training
 * recurrent neural networks", Algorithm 1: g ← g · c/‖g‖ when ‖g‖ > c, ‖g‖
 * the L2 norm of all gradients together) and by value (each element clamped
 * to [−c, c]). When both are given, values are clamped first.
 */
import * as tf from '@tensorflow/tfjs';
import { check } from '../errors.js';

export interface ClipSpec {
  /** Largest allowed global L2 norm of all gradients. */
  globalNorm?: number;
  /** Largest allowed absolute value of any gradient element. */
  value?: number;
}

export interface ClippedGradients {
  grads: Array<tf.Tensor | null>;
  /** Global norm before clipping by norm (a scalar tensor), when computed. */
  norm?: tf.Scalar;
}

/**
 * Clips `grads` (null entries pass through). The returned tensors are new;
 * the caller disposes them and the inputs.
 */
export function clipGradients(grads: Array<tf.Tensor | null>, spec: ClipSpec): ClippedGradients {
  check(spec.globalNorm === undefined || spec.globalNorm > 0, 'clip.globalNorm', spec.globalNorm, 'a positive norm');
  check(spec.value === undefined || spec.value > 0, 'clip.value', spec.value, 'a positive value');
  return tf.tidy(() => {
    let out = grads.map((g) => (g && spec.value !== undefined ? tf.clipByValue(g, -spec.value, spec.value) : g ? tf.clone(g) : null));
    let norm: tf.Scalar | undefined;
    if (spec.globalNorm !== undefined) {
      const present = out.filter((g): g is tf.Tensor => g !== null);
      const total = (present.length ? tf.sqrt(tf.addN(present.map((g) => tf.sum(tf.square(g))))) : tf.scalar(0)) as tf.Scalar;
      norm = total;
      // factor = min(1, c / (‖g‖ + 1e-6)), the PyTorch form.
      const factor = tf.minimum(tf.scalar(1), tf.div(tf.scalar(spec.globalNorm), tf.add(total, 1e-6)));
      out = out.map((g) => (g ? tf.mul(g, factor) : null));
    }
    // tidy keeps every tensor reachable from the returned object (nulls are skipped).
    return { grads: out, norm } as unknown as tf.TensorContainer;
  }) as unknown as ClippedGradients;
}
