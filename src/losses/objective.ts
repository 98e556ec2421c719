/**
 * The adapter from a {@link FaceLoss} (and optionally ECLoss on a target
 * layer) to the trainer's {@link Objective} (`src/train/trainer.ts`).
 *
 * Per step, inside the trainer's gradient tape: the loss's epoch is synced
 * from the step context (so a run resumed mid-epoch has the right schedule),
 * `beforeStep` updates state that the loss needs before it is computed (EPL's
 * empirical prototypes, USS's data-driven bias — both read the features and
 * write non-trainable buffers, creating no gradient path), then `compute` gives
 * the loss. After the optimiser update, `onStepEnd` calls `afterStep` with the
 * step's features (USS's memory writes). Logged metrics: `accuracy` (sample-wise
 * top-1 on the loss's class scores), `threshold` (the learned unified threshold
 * in cosine units, where the loss learns one), and the ECLoss value.
 */
import * as tf from '@tensorflow/tfjs';
import { check } from '../errors.js';
import type { Objective, ObjectiveResult, ObjectiveState, StepContext } from '../train/trainer.js';
import type { FaceLoss } from './common.js';
import type { ExplainableChannelLoss } from './ecloss.js';

export interface FaceObjectiveOptions {
  /** Batch key of the integer class labels (default `label`). */
  labelKey?: string;
  /** Index of the embedding among the model's outputs (default 0). */
  featureOutput?: number;
  /** Log sample-wise accuracy and the unified threshold (default true). */
  logMetrics?: boolean;
  /** ECLoss on the activations the model returns as output `output`, added with `weight`. */
  ecloss?: { loss: ExplainableChannelLoss; output: number; weight: number };
}

function pick(outputs: tf.Tensor | tf.Tensor[], index: number, argument: string): tf.Tensor {
  const list = Array.isArray(outputs) ? outputs : [outputs];
  check(index >= 0 && index < list.length, argument, index, `an index among the model's ${list.length} output(s)`);
  return list[index];
}

/** Wraps `loss` (which the objective then owns) as a trainer objective. */
export function faceObjective(loss: FaceLoss, options: FaceObjectiveOptions = {}): Objective {
  const labelKey = options.labelKey ?? 'label';
  const featureOutput = options.featureOutput ?? 0;
  const logMetrics = options.logMetrics ?? true;
  const ec = options.ecloss;
  if (ec) check(Number.isFinite(ec.weight) && ec.weight >= 0, 'ecloss.weight', ec.weight, 'a finite number ≥ 0');
  let epoch = -1;
  const syncEpoch = (e: number) => {
    if (e !== epoch) {
      loss.onEpochStart(e);
      epoch = e;
    }
  };
  const inputs = (outputs: tf.Tensor | tf.Tensor[], batch: Record<string, tf.Tensor>) => {
    const features = pick(outputs, featureOutput, 'featureOutput') as tf.Tensor2D;
    const labels = batch[labelKey];
    check(labels !== undefined, 'labelKey', labelKey, `a key of the batch (${Object.keys(batch).join(', ')})`);
    return { features, labels: labels as tf.Tensor1D };
  };
  return {
    get variables() {
      return loss.trainableVariables;
    },
    compute(outputs: tf.Tensor | tf.Tensor[], batch: Record<string, tf.Tensor>, context: StepContext): ObjectiveResult {
      syncEpoch(context.epoch);
      const { features, labels } = inputs(outputs, batch);
      loss.beforeStep(features, labels);
      let total = loss.compute(features, labels).loss;
      const metrics: Record<string, tf.Scalar> = {};
      if (ec) {
        const value = ec.loss.compute(pick(outputs, ec.output, 'ecloss.output') as tf.Tensor4D).loss;
        metrics.ecloss = value;
        total = tf.add(total, tf.mul(value, ec.weight));
      }
      if (logMetrics) {
        metrics.accuracy = tf.tidy(() => {
          const predicted = tf.argMax(loss.scores(features), 1);
          return tf.mean(tf.cast(tf.equal(predicted, tf.cast(labels, 'int32')), 'float32')) as tf.Scalar;
        });
        const t = loss.threshold();
        if (t) metrics.threshold = t;
      }
      return { loss: total, metrics };
    },
    onStepEnd(outputs: tf.Tensor | tf.Tensor[], batch: Record<string, tf.Tensor>, context: StepContext): void {
      syncEpoch(context.epoch);
      const { features, labels } = inputs(outputs, batch);
      loss.afterStep(features, labels);
    },
    onEpochStart(e: number): void {
      syncEpoch(e);
    },
    getState(): ObjectiveState {
      const state = loss.getState();
      const trainable = new Set<tf.Tensor>(loss.trainableVariables);
      const tensors: tf.NamedTensorMap = {};
      for (const [key, t] of Object.entries(state.tensors)) if (!trainable.has(t)) tensors[key] = t;
      return { tensors, json: state.json };
    },
    setState(state: ObjectiveState): void {
      check(typeof state.json === 'object' && state.json !== null, 'objective state json', state.json, 'the saved state of the face loss');
      loss.setState({ tensors: state.tensors ?? {}, json: state.json as Record<string, unknown> });
      epoch = -1;
    },
  };
}
