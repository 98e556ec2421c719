/**
 * Shared pieces of the face-recognition losses (`src/losses/`): the
 * {@link FaceLoss} contract every head implements, label checking, cosine
 * logits, stop-gradient, the combined angular/cosine margin and the two
 * criteria (softmax cross-entropy and the summed binary cross-entropy of
 * UniFace). Every function here is pure and leaves no tensors behind apart
 * from what it returns.
 */
import * as tf from '@tensorflow/tfjs';
import { check } from '../errors.js';
import { readScalars, hostValues } from '../engine/read.js';
import { l2Normalize } from '../nn/l2-normalize.js';

/** Class labels of a batch: integers in [0, numClasses). */
export type Labels = tf.Tensor1D | readonly number[] | Int32Array;

/**
 * Everything a loss needs to continue a run bit-for-bit, in the shape of the
 * trainer's objective state: `tensors` are the loss's own variables (class
 * weights, biases, feature memory, empirical prototypes) returned as views —
 * do not dispose them — and `json` holds counters, flags and settings.
 * `setState` copies the tensors it is given (the caller keeps ownership) and
 * leaves any variable whose key is absent unchanged, so a trainer that saves
 * the trainable variables itself may drop them from the state.
 */
export interface LossState {
  tensors: Record<string, tf.Tensor>;
  json: Record<string, unknown>;
}

/** What {@link FaceLoss.compute} returns. The caller owns (and disposes) `loss`. */
export interface LossResult {
  loss: tf.Scalar;
}

/**
 * The contract of every face loss / head in wavecv.
 *
 * A loss holds its own trainable `tf.Variable`s (for example the class weight
 * matrix W and a unified bias b), its non-trainable state, and hooks that a
 * trainer calls around each step:
 *
 * - `onEpochStart(epoch)` (0-based) drives the schedule switches of UniTSFace
 *   ("after the first epoch") and EPL ("from epoch E").
 * - `beforeStep(features, labels)` runs before `compute` with the batch's
 *   features and changes state only (EPL's prototype update happens here, as in
 *   the authors' code; USS initialises its bias from data here).
 * - `compute(features, labels)` is pure with respect to the loss's state, so it
 *   can run inside `tf.variableGrads`.
 * - `afterStep(features, labels)` runs after the optimiser step (USS writes its
 *   memory of latest features here).
 *
 * `beforeStep` and `afterStep` never create a gradient path: they read the
 * features and write non-trainable buffers only.
 */
export interface FaceLoss {
  /** Short name of the loss, e.g. `cosface`, `uce`, `uss`. */
  readonly kind: string;
  readonly numClasses: number;
  readonly embeddingDim: number;
  /** Trainable variables in a fixed order. */
  readonly trainableVariables: tf.Variable[];
  compute(features: tf.Tensor2D, labels: Labels): LossResult;
  /**
   * Class scores for accuracy metrics, shape [batch, numClasses], in cosine
   * units (no scale, no margin, no bias) for the normalised heads.
   */
  scores(features: tf.Tensor2D): tf.Tensor2D;
  onEpochStart(epoch: number): void;
  beforeStep(features: tf.Tensor2D, labels: Labels): void;
  afterStep(features: tf.Tensor2D, labels: Labels): void;
  /**
   * The learned unified threshold in cosine units (t = b/s) as a new scalar
   * the caller disposes, for heads that learn one (a tensor, so that the
   * trainer reads it with the step's other scalars; {@link readThreshold}
   * gives the number).
   */
  threshold(): tf.Scalar | undefined;
  getState(): LossState;
  setState(state: LossState): void;
  dispose(): void;
}

/** Options shared by the heads that own a class-weight matrix. */
export interface HeadOptions {
  numClasses: number;
  embeddingDim: number;
  /** Seed of the weight initialiser (default 1). */
  seed?: number;
  /** Prefix of the variable names (default: the loss kind). Made unique if taken. */
  name?: string;
}

/** Checks the labels and returns them as a plain integer array. */
export function readLabels(labels: Labels, batch: number, numClasses: number, argument = 'labels'): number[] {
  let values: number[];
  if (labels instanceof tf.Tensor) {
    check(labels.rank === 1, argument, labels, 'a rank-1 tensor of class indices');
    values = Array.from(hostValues(labels, argument));
  } else {
    values = Array.from(labels);
  }
  check(values.length === batch, argument, values, `${batch} labels, one per feature row`);
  for (const v of values) {
    check(Number.isInteger(v) && v >= 0 && v < numClasses, argument, values, `integers in [0, ${numClasses})`);
  }
  return values;
}

/** The learned unified threshold of `loss` as a number (read asynchronously), or undefined for heads without one. */
export async function readThreshold(loss: FaceLoss): Promise<number | undefined> {
  const t = loss.threshold();
  if (!t) return undefined;
  try {
    return (await readScalars([t]))[0];
  } finally {
    t.dispose();
  }
}

/** Checks that `features` is [batch, embeddingDim] and finite-shaped. */
export function checkFeatures(features: tf.Tensor, embeddingDim: number, argument = 'features'): asserts features is tf.Tensor2D {
  check(features instanceof tf.Tensor && features.rank === 2, argument, features, 'a rank-2 tensor [batch, embeddingDim]');
  check(features.shape[1] === embeddingDim, argument, features, `${embeddingDim} columns (the embedding size)`);
  check(features.shape[0] > 0, argument, features, 'at least one row');
}

/** Checks a positive finite number option. */
export function checkPositive(value: number, argument: string): void {
  check(Number.isFinite(value) && value > 0, argument, value, 'a positive finite number');
}

/** Checks a finite number option. */
export function checkFinite(value: number, argument: string): void {
  check(Number.isFinite(value), argument, value, 'a finite number');
}

/** A variable name not yet registered with the engine, built from `base`. */
export function uniqueVariableName(base: string): string {
  const taken = tf.engine().registeredVariables;
  if (!(base in taken)) return base;
  for (let i = 1; ; i++) {
    const name = `${base}_${i}`;
    if (!(name in taken)) return name;
  }
}

/** cos(x_i, w_j) for rows of `x` [B, D] and rows of `w` [C, D]: a [B, C] matrix. */
export function cosineMatrix(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.matMul(l2Normalize(x), l2Normalize(w), false, true));
}

/**
 * `f(x)` as a constant: computed off the gradient tape (TF.js records no op
 * run inside a custom gradient's forward pass), with a zero gradient back to
 * `x` (`f(x.detach())` in PyTorch). For values that carry no gradient but
 * stay on the device, such as the index of a maximum.
 */
export function detached<R extends tf.Tensor>(x: tf.Tensor, f: (x: tf.Tensor) => R): R {
  const op = tf.customGrad((...inputs) => ({ value: f(inputs[0] as tf.Tensor), gradFunc: () => tf.zerosLike(inputs[0] as tf.Tensor) }));
  return op(x) as R;
}

/**
 * Identity in the forward pass, zero gradient in the backward pass
 * (`x.detach()` in PyTorch; TF.js has no such op).
 */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return detached(x, (t) => t.clone()) as T;
}

/** One-hot float32 matrix [labels.length, numClasses]. */
export function oneHotMatrix(labels: readonly number[], numClasses: number): tf.Tensor2D {
  return tf.tidy(() => tf.oneHot(tf.tensor1d(labels as number[], 'int32'), numClasses).toFloat() as tf.Tensor2D);
}

/**
 * The combined margin of insightface (`CombinedMarginLoss`):
 * the positive cosine cos θ_y becomes cos(m1·θ_y + m2) − m3.
 * ArcFace (Deng et al., CVPR'19, Eq. 3) is (1, m, 0); CosFace (Wang et al.,
 * CVPR'18, Eq. 4) is (1, 0, m); SphereFace-style multiplicative margins use m1.
 */
export interface MarginSpec {
  m1?: number;
  m2?: number;
  m3?: number;
  /**
   * Gradient through an angular margin (m1 ≠ 1 or m2 ≠ 0):
   * `exact` differentiates cos(m1·acos(c) + m2) (the ArcFace paper);
   * `identity` uses the forward value but the gradient of c itself (insightface's
   * current `arcface_torch` and EPL's "characteristic gradient detachment").
   * The cosine margin m3 is always exact. Default `exact`.
   */
  gradient?: 'exact' | 'identity';
}

/** Validates a margin spec and fills the defaults (1, 0, 0, exact). */
export function resolveMargin(spec: MarginSpec, argument = 'margin'): Required<MarginSpec> {
  const m1 = spec.m1 ?? 1;
  const m2 = spec.m2 ?? 0;
  const m3 = spec.m3 ?? 0;
  checkFinite(m1, `${argument}.m1`);
  check(m1 > 0, `${argument}.m1`, m1, 'a positive multiplicative margin');
  checkFinite(m2, `${argument}.m2`);
  checkFinite(m3, `${argument}.m3`);
  const gradient = spec.gradient ?? 'exact';
  check(gradient === 'exact' || gradient === 'identity', `${argument}.gradient`, gradient, "'exact' or 'identity'");
  return { m1, m2, m3, gradient };
}

/** Cosines are clipped to ±(1 − 1e-7) before acos, as insightface and EPL do. */
const COS_LIMIT = 1 - 1e-7;

/**
 * Applies the combined margin to the positive entries (where `oneHot` is 1) of
 * the cosine matrix `cos` and returns the new matrix; negatives are unchanged.
 * No fallback for m1·θ + m2 > π (none in insightface's current code): the caller
 * chooses margins that keep θ + m within [0, π] for the cosines it expects.
 */
export function applyMargin(cos: tf.Tensor2D, oneHot: tf.Tensor2D, margin: Required<MarginSpec>): tf.Tensor2D {
  return tf.tidy(() => {
    const { m1, m2, m3, gradient } = margin;
    let positive: tf.Tensor = cos;
    if (m1 !== 1 || m2 !== 0) {
      const clipped = tf.clipByValue(cos, -COS_LIMIT, COS_LIMIT);
      const shifted = tf.cos(tf.add(tf.mul(tf.acos(clipped), m1), m2));
      positive = gradient === 'exact' ? shifted : tf.add(cos, stopGradient(tf.sub(shifted, cos)));
    }
    if (m3 !== 0) positive = tf.sub(positive, m3);
    if (positive === cos) return cos.clone();
    return tf.add(cos, tf.mul(oneHot, tf.sub(positive, cos))) as tf.Tensor2D;
  });
}

/**
 * Mean softmax cross-entropy of `logits` [B, C] against one-hot targets;
 * `rowWeights` (0/1, optional) drops rows and averages over the kept ones.
 */
export function softmaxCrossEntropy(logits: tf.Tensor2D, oneHot: tf.Tensor2D, rowWeights?: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const perRow = tf.sub(tf.logSumExp(logits, 1), tf.sum(tf.mul(logits, oneHot), 1));
    return weightedMean(perRow, rowWeights);
  });
}

/**
 * The summed binary cross-entropy of UniFace (ICCV'23, Eq. 9 and its λ form):
 * Σ_j [ y_j·softplus(−z_j) + λ·(1−y_j)·softplus(z_j) ], averaged over rows.
 * `z` holds the bias-shifted logits (positives already carry their margin).
 * With `clampAt` the argument of softplus is clamped to [−clampAt, clampAt]
 * first, as the authors' heads clamp to [−s, s] (gradient 0 outside).
 * `columnWeights` (0/1, optional) drops classes, `rowWeights` drops rows.
 */
export function summedBinaryCrossEntropy(
  z: tf.Tensor2D,
  oneHot: tf.Tensor2D,
  options: { lambda?: number; clampAt?: number; columnWeights?: tf.Tensor1D; rowWeights?: tf.Tensor1D } = {},
): tf.Scalar {
  return tf.tidy(() => {
    const zz = options.clampAt === undefined ? z : tf.clipByValue(z, -options.clampAt, options.clampAt);
    const positive = tf.mul(oneHot, tf.softplus(tf.neg(zz)));
    let negative: tf.Tensor = tf.mul(tf.sub(1, oneHot), tf.softplus(zz));
    if (options.lambda !== undefined && options.lambda !== 1) negative = tf.mul(negative, options.lambda);
    let terms: tf.Tensor = tf.add(positive, negative);
    if (options.columnWeights) terms = tf.mul(terms, options.columnWeights.reshape([1, -1]));
    return weightedMean(tf.sum(terms, 1), options.rowWeights);
  });
}

function weightedMean(perRow: tf.Tensor, rowWeights?: tf.Tensor1D): tf.Scalar {
  if (!rowWeights) return tf.mean(perRow) as tf.Scalar;
  return tf.div(tf.sum(tf.mul(perRow, rowWeights)), tf.maximum(tf.sum(rowWeights), 1)) as tf.Scalar;
}

/**
 * Assigns `state.tensors[key]` to `variable` after checking its shape; does
 * nothing when the key is absent (see {@link LossState}).
 */
export function restoreVariable(state: LossState, key: string, variable: tf.Variable): void {
  const t = state.tensors[key];
  if (t === undefined) return;
  check(t instanceof tf.Tensor && shapesEqual(t.shape, variable.shape), `state.tensors.${key}`, t, `a tensor of shape [${variable.shape.join(', ')}]`);
  tf.tidy(() => variable.assign(t.toFloat()));
}

/** Reads a number from a loss state's json. */
export function readStateNumber(state: LossState, key: string): number {
  const v = state.json[key];
  check(typeof v === 'number' && !Number.isNaN(v), `state.json.${key}`, v, 'a number');
  return v;
}

/** Reads a boolean from a loss state's json. */
export function readStateBoolean(state: LossState, key: string): boolean {
  const v = state.json[key];
  check(typeof v === 'boolean', `state.json.${key}`, v, 'a boolean');
  return v;
}

/** Checks that a state belongs to a loss of this kind. */
export function checkStateKind(state: LossState, kind: string): void {
  check(typeof state === 'object' && state !== null && typeof state.tensors === 'object' && typeof state.json === 'object', 'state', state, 'an object { tensors, json }');
  check(state.json.kind === kind, 'state.json.kind', state.json.kind, `"${kind}" (a state saved by the same loss)`);
}

function shapesEqual(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * kaiming_normal_(a=1, mode='fan_in') of the authors' heads: N(0, 1/D) for a
 * [C, D] weight (the scale is irrelevant after normalisation; the shape of the
 * distribution keeps rows isotropic).
 */
export function initClassWeights(numClasses: number, embeddingDim: number, seed: number): tf.Tensor2D {
  return tf.randomNormal([numClasses, embeddingDim], 0, 1 / Math.sqrt(embeddingDim), 'float32', seed) as tf.Tensor2D;
}

/** Checks the common head options. */
export function checkHeadOptions(options: HeadOptions): void {
  check(Number.isInteger(options.numClasses) && options.numClasses >= 2, 'numClasses', options.numClasses, 'an integer ≥ 2');
  check(Number.isInteger(options.embeddingDim) && options.embeddingDim >= 1, 'embeddingDim', options.embeddingDim, 'a positive integer');
  if (options.seed !== undefined) check(Number.isInteger(options.seed), 'seed', options.seed, 'an integer');
}
