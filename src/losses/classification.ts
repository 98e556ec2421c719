/**
 * The classification loss of the registry (src/losses/registry.ts):
 * softmax cross-entropy over logits `[B, K]` against integer labels `[B]`,
 * optionally with label smoothing (Szegedy et al. 2016, "Rethinking the
 * Inception Architecture", §7): the target is (1 − ε)·onehot + ε/K.
 */
import * as tf from '@tensorflow/tfjs';
import { check } from '../errors.js';
import type { Objective } from '../train/trainer.js';
import type { LossDefinition } from './loss-definition.js';

/** What the classify task supplies to build a classification loss. */
export interface ClassificationLossContext {
  numClasses: number;
}

/**
 * Softmax cross-entropy with label smoothing ε as a trainer objective; logs
 * `accuracy` (top-1 of the batch).
 */
export function classificationObjective(numClasses: number, labelSmoothing = 0): Objective {
  check(Number.isInteger(numClasses) && numClasses > 1, 'numClasses', numClasses, 'an integer ≥ 2');
  check(typeof labelSmoothing === 'number' && labelSmoothing >= 0 && labelSmoothing < 1, 'labelSmoothing', labelSmoothing, 'a number in [0, 1)');
  return {
    compute(outputs, batch) {
      check(!Array.isArray(outputs) && outputs.rank === 2 && outputs.shape[1] === numClasses, 'model output', outputs, `logits of shape [batch, ${numClasses}]`);
      const logits = outputs as tf.Tensor2D;
      const labels = batch.label as tf.Tensor1D;
      const onehot = tf.oneHot(labels, numClasses);
      const loss = tf.losses.softmaxCrossEntropy(onehot, logits, undefined, labelSmoothing) as tf.Scalar;
      const accuracy = tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'float32')) as tf.Scalar;
      return { loss, metrics: { accuracy } };
    },
  };
}

export const CLASSIFICATION_LOSSES: readonly LossDefinition<ClassificationLossContext, Objective>[] = [
  {
    name: 'cross-entropy',
    kind: 'classification',
    description: 'softmax cross-entropy, optionally with label smoothing',
    options: { labelSmoothing: 'label smoothing ε in [0, 1) (default 0)' },
    create: (o, c) => classificationObjective(c.numClasses, (o.labelSmoothing as number | undefined) ?? 0),
  },
];
