/**
 * An exponential moving average of a model's weights (Polyak & Juditsky
 * 1992; as timm's `ModelEmaV2`): after every optimiser step,
 * `θ̄ ← d·θ̄ + (1 − d)·θ`, over every weight of the model — trainable
 * weights and BatchNorm moving statistics alike, as timm averages the whole
 * state dict. The average lives in a second instance of the architecture
 * (built by the caller, so that custom layers need no serialisation), which
 * can be evaluated, saved, or used as the teacher of self-distillation
 * ("mean teacher", Tarvainen & Valpola 2017, "Mean teachers are better role
 * models", §2).
 *
 * Warm-up (optional): early averages are dominated by the random
 * initialisation, so the decay of update `t` (0-based) is
 * `d_t = min(d, 1 − (1 + t/γ)^(−p))` — timm's `ModelEmaV3` warm-up (from
 * k-diffusion), with `γ = 1, p = 1` the mean teacher's `min(d, 1 − 1/(t+1))`
 * (Tarvainen & Valpola's code). The first update then copies the weights
 * (`d_0 = 0`). Without warm-up `d_t = d`.
 */
import * as tf from '@tensorflow/tfjs';
import { check, WavecvError } from '../errors.js';

export interface EmaSpec {
  /** A second instance of the trained model's architecture; its weights are overwritten with the average. */
  model: tf.LayersModel;
  /** Decay `d` in [0, 1), e.g. 0.999 (default 0.9998, timm's). */
  decay?: number;
  /** Decay warm-up `d_t = min(d, 1 − (1 + t/γ)^(−p))` (defaults γ = 1, p = 1: the mean teacher's ramp). */
  warmup?: { gamma?: number; power?: number };
  /** Run the average model (inference mode) on every batch and hand its outputs to the objective as `context.teacher`. */
  teacher?: boolean;
  /**
   * When the run completes, copy the average into the trained model, so the
   * task saves it as the final model; evaluations during training then run
   * on the average as well.
   */
  final?: boolean;
}

/** The running average; see the module doc. */
export class WeightEma {
  readonly decay: number;
  readonly model: tf.LayersModel;
  private updateCount = 0;

  constructor(
    private readonly source: tf.LayersModel,
    readonly spec: EmaSpec,
  ) {
    check(spec.model instanceof tf.LayersModel && spec.model !== source, 'ema.model', spec.model, 'a second instance of the trained model (not the model itself)');
    this.decay = spec.decay ?? 0.9998;
    check(Number.isFinite(this.decay) && this.decay >= 0 && this.decay < 1, 'ema.decay', spec.decay, 'a number in [0, 1)');
    if (spec.warmup) {
      check(spec.warmup.gamma === undefined || (Number.isFinite(spec.warmup.gamma) && spec.warmup.gamma > 0), 'ema.warmup.gamma', spec.warmup.gamma, 'a positive number');
      check(spec.warmup.power === undefined || (Number.isFinite(spec.warmup.power) && spec.warmup.power > 0), 'ema.warmup.power', spec.warmup.power, 'a positive number');
    }
    this.model = spec.model;
    const own = source.weights;
    const average = this.model.weights;
    check(average.length === own.length, 'ema.model', `${average.length} weights`, `${own.length} weights, as the trained model`);
    average.forEach((w, i) => {
      if (!tf.util.arraysEqual(w.shape as number[], own[i].shape as number[])) throw new WavecvError(`ema.model weight ${i} (${w.name})`, w.shape, `shape [${own[i].shape.join(', ')}] of ${own[i].name}`);
    });
    this.copy(source, this.model);
  }

  /** Updates applied so far. */
  get updates(): number {
    return this.updateCount;
  }

  /** The decay of update `t` (0-based). */
  decayAt(t: number): number {
    if (!this.spec.warmup) return this.decay;
    const { gamma = 1, power = 1 } = this.spec.warmup;
    return Math.min(this.decay, 1 - (1 + t / gamma) ** -power);
  }

  /** `θ̄ ← d_t·θ̄ + (1 − d_t)·θ` for every weight; call after each optimiser step. */
  update(): void {
    const d = this.decayAt(this.updateCount);
    const own = this.source.weights;
    tf.tidy(() => this.model.weights.forEach((w, i) => w.write(tf.add(tf.mul(w.read(), d), tf.mul(own[i].read(), 1 - d)))));
    this.updateCount += 1;
  }

  /** Outputs of the average model for `inputs`, in inference mode; the caller disposes them. */
  outputs(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor | tf.Tensor[] {
    return tf.tidy(() => this.model.apply(inputs, { training: false }) as tf.Tensor | tf.Tensor[]);
  }

  /** Overwrites the trained model's weights with the average. */
  copyIntoSource(): void {
    this.copy(this.model, this.source);
  }

  /** The average's weights (views, not copies) and update count, for a checkpoint. */
  getState(): { updates: number; tensors: tf.Tensor[] } {
    return { updates: this.updateCount, tensors: this.model.weights.map((w) => w.read()) };
  }

  setState(updates: number, tensors: tf.Tensor[]): void {
    const weights = this.model.weights;
    check(tensors.length === weights.length, 'checkpoint ema', tensors.length, `${weights.length} averaged weights`);
    weights.forEach((w, i) => {
      if (!tf.util.arraysEqual(tensors[i].shape, w.shape as number[])) throw new WavecvError(`checkpoint ema weight ${i}`, tensors[i], `shape [${w.shape.join(', ')}]`);
    });
    weights.forEach((w, i) => w.write(tensors[i]));
    this.updateCount = updates;
  }

  private copy(from: tf.LayersModel, to: tf.LayersModel): void {
    // Assignment shares the (immutable, reference-counted) data: no copy, nothing to dispose.
    const source = from.weights;
    to.weights.forEach((w, i) => w.write(source[i].read()));
  }
}
