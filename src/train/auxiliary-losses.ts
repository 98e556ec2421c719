/**
 * Loss terms that layers contribute during the training forward pass — a
 * weight regulariser, the load-balancing loss of a mixture-of-experts layer
 * (Fedus et al. 2022, "Switch Transformers", eq. 4: α·N·Σᵢ fᵢ·Pᵢ), a
 * sparsity penalty on activations — added by the trainer to the objective's
 * loss and logged by name. (Keras's `Layer.add_loss`; tfjs-layers has none
 * that works outside `model.fit`.)
 *
 * The contract (design choice, ours): inside `call`, when `kwargs.training`
 * is true, a layer calls {@link addAuxiliaryLoss}`(name, value, weight)`
 * with a scalar built from its inputs or weights (so that it is on the
 * gradient tape). The trainer opens a collector around the model's forward
 * pass and the objective ({@link collectAuxiliaryLosses}), inside
 * `tf.variableGrads`, and minimises `objective loss + Σ weight·value`.
 * Outside a collector (inference, evaluation, a teacher's forward pass)
 * `addAuxiliaryLoss` does nothing, so such layers cost nothing at test time
 * and models save and load as usual. A layer names its term itself —
 * prefixing its own name when every layer's term should be logged apart;
 * terms of one name are summed (as Switch Transformers sums the balancing
 * loss over its MoE layers), and must then share their weight. A layer
 * that implements {@link AuxiliaryLossLayer} declares its term names, which
 * the trainer writes into config.json.
 */
import * as tf from '@tensorflow/tfjs';
import { check } from '../errors.js';

/** One term: `weight · value` is added to the loss; `value` is logged as `aux/<name>`. */
export interface AuxiliaryLossTerm {
  name: string;
  value: tf.Scalar;
  weight: number;
}

/** A layer that contributes auxiliary loss terms through {@link addAuxiliaryLoss} when called with `training: true`. */
export interface AuxiliaryLossLayer extends tf.layers.Layer {
  /** Names of the terms it adds (for documentation and config). */
  readonly auxiliaryLossNames: string[];
}

interface Collector {
  terms: Map<string, AuxiliaryLossTerm>;
  /** Every tensor the collector kept alive. */
  kept: tf.Tensor[];
}

let open: Collector | undefined;

/**
 * Keeps `t` past the tidy scopes it was made in: tfjs-layers runs a model's
 * layers inside `tf.tidy`, which would free the term before the trainer
 * reads it.
 */
function keep<T extends tf.Tensor>(collector: Collector, t: T): T {
  collector.kept.push(tf.keep(t));
  return t;
}

/**
 * Records `weight · value` as part of this training step's loss; a no-op
 * outside {@link collectAuxiliaryLosses}. Call it from a layer's `call`
 * (with the scalar still on the gradient tape).
 */
export function addAuxiliaryLoss(name: string, value: tf.Scalar, weight = 1): void {
  if (!open) return;
  check(typeof name === 'string' && name !== '', 'auxiliary loss name', name, 'a non-empty name');
  check(value instanceof tf.Tensor && value.rank === 0, `auxiliary loss ${name}`, value, 'a scalar tensor');
  check(Number.isFinite(weight), `auxiliary loss ${name} weight`, weight, 'a finite number');
  const previous = open.terms.get(name);
  if (previous) check(previous.weight === weight, `auxiliary loss ${name} weight`, weight, `the weight ${previous.weight} of the term of that name already added in this step`);
  const total = previous ? (tf.add(previous.value, keep(open, value)) as tf.Scalar) : value;
  open.terms.set(name, { name, value: keep(open, total), weight });
}

/**
 * Runs the synchronous `fn` with a collector open and returns what it
 * returned with the terms added meanwhile (in the order first added), and
 * every tensor the collector kept alive for them: the caller disposes those
 * once it has differentiated the loss. Collectors do not nest: a model run
 * inside another collector is an error.
 */
export function collectAuxiliaryLosses<T>(fn: () => T): { result: T; terms: AuxiliaryLossTerm[]; kept: tf.Tensor[] } {
  check(open === undefined, 'collectAuxiliaryLosses', 'a nested call', 'one collector at a time');
  const collector: Collector = { terms: new Map(), kept: [] };
  open = collector;
  try {
    const result = fn();
    return { result, terms: [...collector.terms.values()], kept: collector.kept };
  } catch (error) {
    tf.dispose(collector.kept);
    throw error;
  } finally {
    open = undefined;
  }
}

/** `Σ weight·value` of `terms` added to `loss` (the same tensor when there are none). */
export function withAuxiliaryLosses(loss: tf.Scalar, terms: AuxiliaryLossTerm[]): tf.Scalar {
  return terms.reduce((total, t) => tf.add(total, tf.mul(t.value, t.weight)) as tf.Scalar, loss);
}
