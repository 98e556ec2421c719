/**
 * Fast gradient sign method (Goodfellow, Shlens & Szegedy, "Explaining and
 * Harnessing Adversarial Examples", ICLR 2015, eq. 3), L∞, untargeted, in
 * input space:
 *
 *   x_adv = clip_[0,1]( x + ε · sign(∇ₓ L(f(x), y)) )
 *
 * with L the softmax cross-entropy. Where the gradient is exactly zero the
 * pixel is left unchanged (sign 0).
 */
import * as tf from '@tensorflow/tfjs';
import { check } from '../errors.js';
import { inputGradient, type Classifier } from './classifier.js';

export function fgsm(classifier: Classifier, images: tf.Tensor4D, labels: tf.Tensor1D, epsilon: number): tf.Tensor4D {
  check(Number.isFinite(epsilon) && epsilon >= 0, 'epsilon', epsilon, 'a non-negative number (L∞ radius in [0, 1] pixel units)');
  check(images.rank === 4, 'images', images, 'a [batch, height, width, channels] tensor');
  check(labels.shape[0] === images.shape[0], 'labels', labels, `${images.shape[0]} labels, one per image`);
  return tf.tidy(() => {
    const gradient = inputGradient(classifier, images, labels);
    return tf.clipByValue(tf.add(images, tf.mul(tf.sign(gradient), epsilon)), 0, 1) as tf.Tensor4D;
  });
}
