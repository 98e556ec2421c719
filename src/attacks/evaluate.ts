/**
 * Adversarial accuracy: top-1 accuracy of a classifier on images attacked
 * one batch at a time (the attack sees the true labels, as in the
 * untargeted white-box setting of Goodfellow et al. 2015 and Madry et al.
 * 2018).
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../engine/random.js';
import { check } from '../errors.js';
import type { ImageBatch } from '../data/corruptions/image.js';
import { countTopK } from '../metrics/classification.js';
import type { Classifier } from './classifier.js';
import { fgsm } from './fgsm.js';
import { pgd } from './pgd.js';

export type AttackSpec = { kind: 'fgsm'; epsilon: number } | { kind: 'pgd'; epsilon: number; steps?: number; stepSize?: number; randomStart?: boolean };

export interface AdversarialAccuracyOptions {
  batchSize?: number;
  /** Seed of PGD's random starts (default 0). */
  seed?: number;
}

/** Top-1 accuracy (fraction) of `classifier` on `images` after `attack`. */
export async function adversarialAccuracy(classifier: Classifier, images: ImageBatch, labels: Int32Array, attack: AttackSpec, options: AdversarialAccuracyOptions = {}): Promise<number> {
  const [n, h, w, c] = images.shape;
  check(labels.length === n, 'labels', labels.length, `${n} labels, one per image`);
  const batchSize = options.batchSize ?? 100;
  check(Number.isInteger(batchSize) && batchSize >= 1, 'batchSize', batchSize, 'a positive integer');
  const rng = new Rng(options.seed ?? 0);
  const per = h * w * c;
  let correct = 0;
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    const x = tf.tensor4d(images.data.subarray(start * per, end * per), [end - start, h, w, c]);
    const y = tf.tensor1d(labels.subarray(start, end), 'int32');
    const adversarial = attack.kind === 'fgsm' ? fgsm(classifier, x, y, attack.epsilon) : pgd(classifier, x, y, { ...attack, rng });
    const logits = classifier(adversarial);
    correct += await countTopK(logits, labels.subarray(start, end), 1);
    tf.dispose([x, y, adversarial, logits]);
    await tf.nextFrame();
  }
  return n === 0 ? NaN : correct / n;
}
