/**
 * Optimisers written over `tf.Variable`s, so that their whole state is a list
 * of named tensors (checkpointable) and their learning rate can be set before
 * every step. (TF.js 4.22 ships no AdamW, and only its SGD optimiser exposes
 * `setLearningRate`.)
 *
 * - **SGD** with momentum and Nesterov momentum, following the update of
 *   PyTorch's `torch.optim.SGD` (Sutskever et al. 2013, eq. 3 in the form
 *   `b ← μ b + g`, `θ ← θ − η (g + μ b)` for Nesterov, `θ ← θ − η b` otherwise;
 *   no dampening).
 * - **Adam** (Kingma & Ba 2015, Algorithm 1) with bias correction.
 * - **AdamW** (Loshchilov & Hutter 2019, "Decoupled Weight Decay
 *   Regularization", Algorithm 2): Adam with the decay applied to the weights
 *   directly, `θ ← θ − η λ θ`, not through the gradient.
 *
 * Weight decay (documented choice): `weightDecay` on SGD and Adam is the
 * classic L2 penalty added to the gradient (`g ← g + λ θ`, as in PyTorch's
 * SGD and Adam) unless `decoupledWeightDecay: true`, which applies the
 * AdamW rule `θ ← θ − η λ θ` (decay scaled by the current learning rate, as
 * in PyTorch's AdamW). AdamW is always decoupled, with PyTorch's default
 * λ = 0.01. `decayRank1: false` exempts
 * rank-0/1 variables (biases, BatchNorm scales and shifts) from decay.
 *
 * Parameter groups: `createOptimizer` takes optional per-variable
 * {@link ParameterSettings} (built by parameter-groups.ts): variable `i` is
 * updated with the learning rate `lr · lrMultiplier_i` and, when given,
 * the weight decay `weightDecay_i` in place of the spec's (and of
 * `decayRank1`). A multiplier of 1 leaves the update bit for bit as without
 * groups.
 *
 * Parameters are given once, in a fixed order, when the optimiser is built;
 * the state of parameter `i` is stored under `<slot>/<i>` so a checkpoint
 * loads into a fresh model instance whose variables have other names.
 */
import * as tf from '@tensorflow/tfjs';
import { check, WavecvError } from '../errors.js';
import type { ParameterSettings } from './parameter-groups.js';

export type OptimizerSpec = SgdSpec | AdamSpec;

interface CommonSpec {
  /** Base learning rate (a schedule may change it every step). */
  lr: number;
  weightDecay?: number;
  /** Apply weight decay to rank-0/1 variables too (default true). */
  decayRank1?: boolean;
}

export interface SgdSpec extends CommonSpec {
  type: 'sgd';
  momentum?: number;
  nesterov?: boolean;
  decoupledWeightDecay?: boolean;
}

export interface AdamSpec extends CommonSpec {
  type: 'adam' | 'adamw';
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** For `adam` only: decoupled (AdamW-style) rather than L2 decay. */
  decoupledWeightDecay?: boolean;
}

/** The serialisable state of an optimiser. */
export interface OptimizerState {
  json: { type: string; iterations: number };
  tensors: tf.NamedTensorMap;
}

/** What the trainer needs of an optimiser. */
export interface Optimizer {
  readonly spec: Readonly<OptimizerSpec>;
  /** Learning rate used by the next {@link Optimizer.applyGradients}. */
  learningRate: number;
  /** Number of updates applied so far. */
  readonly iterations: number;
  /**
   * Updates `params[i]` with `grads[i]` (null: no gradient, parameter left
   * untouched, as PyTorch skips parameters whose `.grad` is None).
   */
  applyGradients(grads: Array<tf.Tensor | null>): void;
  /** State tensors are views of the optimiser's variables, not copies. */
  getState(): OptimizerState;
  setState(state: OptimizerState): void;
  dispose(): void;
}

const OPTIMIZER_TYPES = ['sgd', 'adam', 'adamw'] as const;

function checkSpec(spec: OptimizerSpec): void {
  check((OPTIMIZER_TYPES as readonly string[]).includes(spec.type), 'optimizer', spec.type, `one of ${OPTIMIZER_TYPES.join(', ')}`);
  check(Number.isFinite(spec.lr) && spec.lr >= 0, 'lr', spec.lr, 'a finite learning rate ≥ 0');
  check(spec.weightDecay === undefined || (Number.isFinite(spec.weightDecay) && spec.weightDecay >= 0), 'weightDecay', spec.weightDecay, 'a number ≥ 0');
  if (spec.type === 'sgd') {
    check(spec.momentum === undefined || (spec.momentum >= 0 && spec.momentum < 1), 'momentum', spec.momentum, 'a number in [0, 1)');
    check(!spec.nesterov || (spec.momentum ?? 0) > 0, 'nesterov', spec.nesterov, 'momentum > 0 with Nesterov momentum');
  } else {
    check(spec.beta1 === undefined || (spec.beta1 >= 0 && spec.beta1 < 1), 'beta1', spec.beta1, 'a number in [0, 1)');
    check(spec.beta2 === undefined || (spec.beta2 >= 0 && spec.beta2 < 1), 'beta2', spec.beta2, 'a number in [0, 1)');
    check(spec.epsilon === undefined || spec.epsilon > 0, 'epsilon', spec.epsilon, 'a number > 0');
  }
}

abstract class VariableOptimizer implements Optimizer {
  learningRate: number;
  protected iterationCount = 0;
  protected readonly slots = new Map<string, tf.Variable[]>();
  private readonly decays: number[];
  private readonly lrMultipliers: number[];

  constructor(
    readonly spec: Readonly<OptimizerSpec>,
    protected readonly params: tf.Variable[],
    slotNames: string[],
    settings?: ParameterSettings[],
  ) {
    checkSpec(spec as OptimizerSpec);
    check(params.length > 0, 'params', params.length, 'at least one variable to optimise');
    check(settings === undefined || settings.length === params.length, 'settings', settings?.length, `${params.length} parameter settings, one per variable`);
    this.learningRate = spec.lr;
    const decayRank1 = spec.decayRank1 ?? true;
    const decay = spec.weightDecay ?? (spec.type === 'adamw' ? 0.01 : 0);
    this.decays = params.map((p, i) => settings?.[i].weightDecay ?? (decayRank1 || p.rank > 1 ? decay : 0));
    this.lrMultipliers = params.map((_, i) => settings?.[i].lrMultiplier ?? 1);
    for (const slot of slotNames) {
      this.slots.set(slot, params.map((p) => tf.tidy(() => tf.variable(tf.zerosLike(p), false))));
    }
  }

  get iterations(): number {
    return this.iterationCount;
  }

  protected decayOf(index: number): number {
    return this.decays[index];
  }

  /** The learning rate of parameter `index` in the next update. */
  protected lrOf(index: number): number {
    return this.learningRate * this.lrMultipliers[index];
  }

  applyGradients(grads: Array<tf.Tensor | null>): void {
    check(grads.length === this.params.length, 'grads', grads.length, `${this.params.length} gradients (one per parameter, null for none)`);
    check(Number.isFinite(this.learningRate) && this.learningRate >= 0, 'learningRate', this.learningRate, 'a finite number ≥ 0');
    this.iterationCount += 1;
    tf.tidy(() => {
      grads.forEach((grad, i) => {
        if (grad) this.update(i, this.params[i], grad);
      });
    });
  }

  /** One parameter's update; runs inside a tidy. */
  protected abstract update(index: number, param: tf.Variable, grad: tf.Tensor): void;

  getState(): OptimizerState {
    const tensors: tf.NamedTensorMap = {};
    for (const [slot, variables] of this.slots) variables.forEach((v, i) => (tensors[`${slot}/${i}`] = v));
    return { json: { type: this.spec.type, iterations: this.iterationCount }, tensors };
  }

  setState(state: OptimizerState): void {
    if (state.json.type !== this.spec.type) throw new WavecvError('optimizer state', state.json.type, `state of a ${this.spec.type} optimiser`);
    for (const [slot, variables] of this.slots) {
      variables.forEach((v, i) => {
        const t = state.tensors[`${slot}/${i}`];
        if (!t) throw new WavecvError('optimizer state', `${slot}/${i}`, 'a tensor for every optimiser slot (checkpoint of another model?)');
        if (!tf.util.arraysEqual(t.shape, v.shape)) throw new WavecvError(`optimizer state ${slot}/${i}`, t, `shape [${v.shape.join(', ')}]`);
        v.assign(t);
      });
    }
    this.iterationCount = state.json.iterations;
  }

  dispose(): void {
    for (const variables of this.slots.values()) variables.forEach((v) => v.dispose());
    this.slots.clear();
  }
}

/** SGD with optional (Nesterov) momentum and weight decay; see module doc. */
export class SGD extends VariableOptimizer {
  constructor(params: tf.Variable[], spec: Omit<SgdSpec, 'type'> & { type?: 'sgd' }, settings?: ParameterSettings[]) {
    const full: SgdSpec = { ...spec, type: 'sgd' };
    super(full, params, (full.momentum ?? 0) > 0 ? ['momentum'] : [], settings);
  }

  protected update(index: number, param: tf.Variable, grad: tf.Tensor): void {
    const spec = this.spec as SgdSpec;
    const lr = this.lrOf(index);
    const decay = this.decayOf(index);
    let g = grad;
    let p: tf.Tensor = param;
    if (decay > 0) {
      if (spec.decoupledWeightDecay) p = tf.mul(param, 1 - lr * decay);
      else g = tf.add(g, tf.mul(param, decay));
    }
    const momentum = spec.momentum ?? 0;
    if (momentum > 0) {
      const buffer = this.slots.get('momentum')![index];
      const next = tf.add(tf.mul(buffer, momentum), g);
      buffer.assign(next);
      g = spec.nesterov ? tf.add(g, tf.mul(next, momentum)) : next;
    }
    param.assign(tf.sub(p, tf.mul(g, lr)));
  }
}

/** Adam, or AdamW with decoupled weight decay; see module doc. */
export class Adam extends VariableOptimizer {
  constructor(params: tf.Variable[], spec: Omit<AdamSpec, 'type'> & { type?: 'adam' | 'adamw' }, settings?: ParameterSettings[]) {
    super({ ...spec, type: spec.type ?? 'adam' }, params, ['m', 'v'], settings);
  }

  protected update(index: number, param: tf.Variable, grad: tf.Tensor): void {
    const spec = this.spec as AdamSpec;
    const beta1 = spec.beta1 ?? 0.9;
    const beta2 = spec.beta2 ?? 0.999;
    const epsilon = spec.epsilon ?? 1e-8;
    const lr = this.lrOf(index);
    const decay = this.decayOf(index);
    const decoupled = spec.type === 'adamw' || spec.decoupledWeightDecay === true;
    let g = grad;
    let p: tf.Tensor = param;
    if (decay > 0) {
      if (decoupled) p = tf.mul(param, 1 - lr * decay);
      else g = tf.add(g, tf.mul(param, decay));
    }
    const m = this.slots.get('m')![index];
    const v = this.slots.get('v')![index];
    const mNext = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
    const vNext = tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2));
    m.assign(mNext);
    v.assign(vNext);
    const t = this.iterationCount;
    const correction1 = 1 - beta1 ** t;
    const correction2 = 1 - beta2 ** t;
    // θ ← θ − η · m̂ / (√v̂ + ε), with m̂ = m / c1, v̂ = v / c2 (Algorithm 1).
    const denominator = tf.add(tf.div(tf.sqrt(vNext), Math.sqrt(correction2)), epsilon);
    param.assign(tf.sub(p, tf.mul(tf.div(mNext, denominator), lr / correction1)));
  }
}

/** Builds the optimiser that `spec` describes over `params`, with optional per-parameter settings (parameter groups). */
export function createOptimizer(spec: OptimizerSpec, params: tf.Variable[], settings?: ParameterSettings[]): Optimizer {
  checkSpec(spec);
  if (spec.type === 'sgd') return new SGD(params, spec, settings);
  return new Adam(params, spec, settings);
}
