/**
 * Which trainable variables the optimiser updates, and how: parameter groups
 * with their own learning-rate multiplier and weight decay (PyTorch's
 * `param_groups`: e.g. 10× the learning rate for a new decoder or classifier
 * over a pretrained encoder, as DeepLab does for its classifier, Chen et al.
 * 2015, "Semantic Image Segmentation with Deep Convolutional Nets and Fully
 * Connected CRFs"; no weight decay on biases and normalisation parameters,
 * the "no bias decay" of He et al. 2019, "Bag of Tricks for Image
 * Classification with Convolutional Neural Networks", §3.1) and frozen
 * variables (not updated, no gradient computed, no optimiser state).
 *
 * Selection (design choice, ours): a {@link ParameterSelector} is a regular
 * expression (or its source string) tested against the variable's name —
 * for model weights the layer-scoped name `layerName/weightName`, e.g.
 * `decoder_conv1/kernel`, `batch_normalization_BatchNormalization3/gamma` —
 * or a predicate over {@link ParameterInfo}, or a list of those (any one
 * matching selects). A variable belongs to the first group that selects it,
 * in the order given; variables no group selects form the default group
 * (multiplier 1, the optimiser's own weight decay). Freezing wins over every
 * group. {@link isBiasOrNorm} selects the rank-0/1 variables (biases,
 * BatchNorm/LayerNorm scales and shifts).
 *
 * A group's `weightDecay`, when given, replaces the optimiser's for its
 * variables (and the optimiser's `decayRank1` rule); its `lrMultiplier`
 * multiplies the scheduled learning rate at every step, so groups work with
 * every schedule and warm-up.
 */
import { check, WavecvError } from '../errors.js';

/** What a selector sees of a trainable variable. */
export interface ParameterInfo {
  /** `layerName/weightName` for model weights; the variable's name for objective variables. */
  name: string;
  shape: number[];
  rank: number;
  /** Whether it is a weight of the model or a variable of the objective (e.g. a margin loss's class centres). */
  owner: 'model' | 'objective';
}

export type ParameterSelector = RegExp | string | ((parameter: ParameterInfo) => boolean) | ParameterSelector[];

export interface ParameterGroupSpec {
  /** Shown in config.json and in errors. */
  name: string;
  select: ParameterSelector;
  /** Multiplies the scheduled learning rate (default 1). */
  lrMultiplier?: number;
  /** Weight decay of the group, replacing the optimiser's (default: the optimiser's rule). */
  weightDecay?: number;
}

export interface FreezeSpec {
  select: ParameterSelector;
  /**
   * `'inference'` (default): BatchNorm layers all of whose trainable weights
   * are frozen normalise with their moving statistics and stop updating them
   * during training — a frozen backbone stays exactly as it was (Detectron's
   * FrozenBatchNorm). `'train'`: they keep normalising with batch statistics
   * and updating their moving averages, as PyTorch does for a module whose
   * parameters merely have `requires_grad = False`.
   */
  batchNorm?: 'inference' | 'train';
}

/** Per optimised variable: its learning-rate multiplier and weight decay override. */
export interface ParameterSettings {
  lrMultiplier: number;
  weightDecay?: number;
}

/** Selects rank-0/1 variables: biases and the scales and shifts of normalisation layers. */
export function isBiasOrNorm(parameter: ParameterInfo): boolean {
  return parameter.rank <= 1;
}

function compile(selector: ParameterSelector, argument: string): (p: ParameterInfo) => boolean {
  if (Array.isArray(selector)) {
    check(selector.length > 0, argument, selector, 'a non-empty list of selectors');
    const parts = selector.map((s, i) => compile(s, `${argument}[${i}]`));
    return (p) => parts.some((f) => f(p));
  }
  if (typeof selector === 'function') return selector;
  if (selector instanceof RegExp) return (p) => new RegExp(selector.source, selector.flags.replace('g', '')).test(p.name);
  if (typeof selector === 'string') {
    let pattern: RegExp;
    try {
      pattern = new RegExp(selector);
    } catch (error) {
      throw new WavecvError(argument, selector, `a regular expression over variable names (${(error as Error).message})`);
    }
    return (p) => pattern.test(p.name);
  }
  throw new WavecvError(argument, selector, 'a regular expression, a predicate over the variable, or a list of those');
}

/** A selector as written into config.json. */
export function describeSelector(selector: ParameterSelector): unknown {
  if (Array.isArray(selector)) return selector.map(describeSelector);
  if (typeof selector === 'function') return `predicate ${selector.name || '(anonymous)'}`;
  if (selector instanceof RegExp) return selector.toString();
  return selector;
}

export interface ResolvedParameters {
  /** Indices (into the candidates) of the variables the optimiser updates, in order. */
  optimised: number[];
  /** Settings of each optimised variable, aligned with `optimised`. */
  settings: ParameterSettings[];
  /** Per candidate: the index of its group, -1 for the default group, -2 when frozen. */
  assignment: number[];
  /** The groups as written into config.json, with the number of variables and values each holds. */
  summary: Array<Record<string, unknown>>;
}

export const DEFAULT_GROUP = -1;
export const FROZEN = -2;

/** Sorts `candidates` into groups, the default group and the frozen set; see the module doc. */
export function resolveParameters(candidates: ParameterInfo[], groups: ParameterGroupSpec[] = [], freeze?: FreezeSpec): ResolvedParameters {
  check(Array.isArray(groups), 'parameterGroups', groups, 'a list of parameter groups');
  const names = new Set<string>();
  const tests = groups.map((g, i) => {
    check(typeof g.name === 'string' && g.name !== '' && !names.has(g.name), `parameterGroups[${i}].name`, g.name, 'a name of its own');
    names.add(g.name);
    check(g.lrMultiplier === undefined || (Number.isFinite(g.lrMultiplier) && g.lrMultiplier >= 0), `parameterGroups[${i}].lrMultiplier`, g.lrMultiplier, 'a finite number ≥ 0');
    check(g.weightDecay === undefined || (Number.isFinite(g.weightDecay) && g.weightDecay >= 0), `parameterGroups[${i}].weightDecay`, g.weightDecay, 'a finite number ≥ 0');
    return compile(g.select, `parameterGroups[${i}].select`);
  });
  if (freeze) check(freeze.batchNorm === undefined || freeze.batchNorm === 'inference' || freeze.batchNorm === 'train', 'freeze.batchNorm', freeze.batchNorm, "'inference' or 'train'");
  const frozen = freeze ? compile(freeze.select, 'freeze.select') : () => false;
  const assignment = candidates.map((p) => (frozen(p) ? FROZEN : tests.findIndex((t) => t(p))));
  const optimised = assignment.flatMap((g, i) => (g === FROZEN ? [] : [i]));
  check(optimised.length > 0, 'freeze', describeSelector(freeze?.select ?? []), `a selection that leaves at least one of the ${candidates.length} trainable variables to train`);
  const settings = optimised.map((i) => {
    const group = groups[assignment[i]];
    return group ? { lrMultiplier: group.lrMultiplier ?? 1, weightDecay: group.weightDecay } : { lrMultiplier: 1 };
  });
  const count = (g: number) => {
    const members = candidates.filter((_, i) => assignment[i] === g);
    return { variables: members.length, values: members.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0) };
  };
  const summary: Array<Record<string, unknown>> = groups.map((g, i) => ({ name: g.name, select: describeSelector(g.select), lrMultiplier: g.lrMultiplier ?? 1, weightDecay: g.weightDecay, ...count(i) }));
  summary.push({ name: 'default', lrMultiplier: 1, ...count(DEFAULT_GROUP) });
  if (freeze) summary.push({ name: 'frozen', select: describeSelector(freeze.select), batchNorm: freeze.batchNorm ?? 'inference', ...count(FROZEN) });
  return { optimised, settings, assignment, summary };
}
