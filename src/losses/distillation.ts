/**
 * Deepfake self-distillation (DSD) of DTN (Zhang et al., "Distilled
 * Transformers with Locally Enhanced Global Representations for Face Forgery
 * Detection", Pattern Recognition 2025): soft labels for a detector from a
 * teacher made from the detector itself. Only DTN's abstract is public
 * ("a deepfake self-distillation scheme to provide the model with abundant
 * soft label information"); the loss is the closest documented design,
 * Hinton et al.'s knowledge distillation ("Distilling the Knowledge in a
 * Neural Network", 2015, §2) with the temperature-squared scaling, mixed
 * with the hard-label cross-entropy:
 *
 *   L = (1 − α)·CE(y, z_s) + α·T²·KL(softmax(z_t/T) ‖ softmax(z_s/T)),
 *
 * KL averaged over the batch (PyTorch's `kl_div(…, reduction='batchmean')`),
 * CE the mean softmax cross-entropy, z_s the student's logits, z_t the
 * teacher's. The teacher is the exponential moving average of the student's
 * own weights (the "mean teacher" of Tarvainen & Valpola, NeurIPS 2017,
 * §2), run in inference mode on the same batch: the trainer's EMA hook
 * (src/train/ema.ts, `ema.teacher`) hands its logits to the objective as
 * `context.teacher`; they come from a separate model, so no gradient flows
 * into the teacher. Why an EMA rather than a frozen first-stage model: one
 * run instead of two, and the teacher improves with the student (the design
 * the DTN summary's "soft tag generation" does not rule out).
 *
 * Options (validated when built): `temperature` T > 0 (default 2, within the
 * {2, 4} commonly used for binary detectors), `weight` α in [0, 1] (default
 * 0.5, the α of lucidrains' DistillWrapper); α = 0 is plain cross-entropy.
 * Logged metrics: `accuracy` (top-1), `ce`, `kd` (T²·KL, the unweighted
 * distillation term).
 */
import * as tf from '@tensorflow/tfjs';
import { check } from '../errors.js';
import type { Objective } from '../train/trainer.js';
import type { ClassificationLossContext } from './classification.js';
import type { LossDefinition } from './loss-definition.js';

export interface SelfDistillationOptions {
  /** Softmax temperature T (default 2). */
  temperature?: number;
  /** Weight α of the distillation term (default 0.5). */
  weight?: number;
}

/** The terms of the loss for student logits `student`, teacher logits `teacher` [B, K] and one-hot targets [B, K]. */
export function selfDistillationTerms(student: tf.Tensor2D, teacher: tf.Tensor2D, oneHot: tf.Tensor2D, temperature: number): { ce: tf.Scalar; kd: tf.Scalar } {
  return tf.tidy(() => {
    const ce = tf.losses.softmaxCrossEntropy(oneHot, student) as tf.Scalar;
    const logQ = tf.logSoftmax(tf.div(teacher, temperature));
    const logP = tf.logSoftmax(tf.div(student, temperature));
    const kl = tf.div(tf.sum(tf.mul(tf.exp(logQ), tf.sub(logQ, logP))), student.shape[0]);
    return { ce, kd: tf.mul(kl, temperature * temperature) as tf.Scalar };
  });
}

/** DSD as a trainer objective over logits [B, numClasses] and integer labels; needs `context.teacher` (the EMA hook with `teacher: true`). */
export function selfDistillationObjective(numClasses: number, options: SelfDistillationOptions = {}): Objective {
  check(Number.isInteger(numClasses) && numClasses > 1, 'numClasses', numClasses, 'an integer ≥ 2');
  const temperature = options.temperature ?? 2;
  const weight = options.weight ?? 0.5;
  check(typeof temperature === 'number' && Number.isFinite(temperature) && temperature > 0, 'temperature', options.temperature, 'a number > 0');
  check(typeof weight === 'number' && weight >= 0 && weight <= 1, 'weight', options.weight, 'a number in [0, 1]');
  return {
    compute(outputs, batch, context) {
      check(!Array.isArray(outputs) && outputs.rank === 2 && outputs.shape[1] === numClasses, 'model output', outputs, `logits of shape [batch, ${numClasses}]`);
      const teacher = context.teacher;
      check(teacher instanceof tf.Tensor && tf.util.arraysEqual(teacher.shape, outputs.shape), 'teacher', teacher, 'the logits of the weight average for the batch (train with the EMA teacher: ema.teacher)');
      const logits = outputs as tf.Tensor2D;
      const labels = batch.label as tf.Tensor1D;
      const { ce, kd } = selfDistillationTerms(logits, teacher as tf.Tensor2D, tf.oneHot(labels, numClasses) as tf.Tensor2D, temperature);
      const loss = tf.add(tf.mul(ce, 1 - weight), tf.mul(kd, weight)) as tf.Scalar;
      const accuracy = tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'float32')) as tf.Scalar;
      return { loss, metrics: { accuracy, ce, kd } };
    },
  };
}

export const DISTILLATION_LOSSES: readonly LossDefinition<ClassificationLossContext, Objective>[] = [
  {
    name: 'self-distillation',
    kind: 'distillation',
    description: 'deepfake self-distillation: (1 − α)·cross-entropy + α·T²·KL from the soft labels of the EMA teacher',
    options: { temperature: 'softmax temperature T > 0 (default 2)', weight: 'weight α of the distillation term in [0, 1] (default 0.5)' },
    create: (o, c) => selfDistillationObjective(c.numClasses, { temperature: o.temperature as number | undefined, weight: o.weight as number | undefined }),
  },
];
