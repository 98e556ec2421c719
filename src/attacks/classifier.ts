/**
 * What the attacks attack: a {@link Classifier} maps images in input space
 * ([0, 1], NHWC) to logits. {@link classifierFromModel} wraps a
 * `tf.LayersModel` that was trained on normalised inputs, so the attacks
 * perturb and clip in [0, 1] while the model sees (x − mean)/std; gradients
 * flow through the normalisation.
 */
import * as tf from '@tensorflow/tfjs';
import { checkNormalization, type Normalization } from '../data/normalization.js';
import { check } from '../errors.js';

/** Images in [0, 1] (NHWC) → logits [batch, classes]. Must not dispose its input. */
export type Classifier = (images: tf.Tensor4D) => tf.Tensor2D;

/** `model` as a {@link Classifier} of [0, 1] images, normalised per channel by `normalization` (the model's input normalisation) inside. */
export function classifierFromModel(model: tf.LayersModel, normalization?: Normalization): Classifier {
  if (normalization) checkNormalization(normalization);
  return (images) =>
    tf.tidy(() => {
      const input = normalization ? tf.div(tf.sub(images, normalization.mean), normalization.std) : images;
      const out = model.apply(input, { training: false }) as tf.Tensor;
      check(out.rank === 2, 'model output', out, 'logits of shape [batch, classes]');
      return out as tf.Tensor2D;
    });
}

/** Summed softmax cross-entropy of logits against integer labels. */
export function crossEntropySum(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const oneHot = tf.oneHot(tf.cast(labels, 'int32'), logits.shape[1]);
    return tf.neg(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)))) as tf.Scalar;
  });
}

/**
 * ∇ₓ of the summed cross-entropy of `classifier(x)` against `labels`. The
 * sum (not the mean) keeps per-image gradients independent of batch size;
 * the sign-based attacks do not care about the scale.
 */
export function inputGradient(classifier: Classifier, images: tf.Tensor4D, labels: tf.Tensor1D): tf.Tensor4D {
  return tf.tidy(() => tf.grad((x: tf.Tensor) => crossEntropySum(classifier(x as tf.Tensor4D), labels))(images) as tf.Tensor4D);
}
