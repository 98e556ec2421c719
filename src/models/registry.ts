/**
 * The model registry (after timm's `_registry.py`): one constructor per model
 * name, its declared options, variants as arguments. Model families register
 * their constructors when their module is imported; `models/index.ts`
 * imports every family so that `createModel` knows all names.
 *
 * Every entry declares the options it takes (`options`, see
 * ./option-specs.ts): `createModel` refuses unknown options, options of
 * other families and out-of-range values before the constructor runs, the
 * same way for every family. Every entry also names a small instance
 * (`smallOptions`): the test that builds, trains one step, saves and reloads
 * every registered model (test/models/all-models.test.ts) uses it, so a model
 * registered later is covered without touching the test.
 */
import type * as tf from '@tensorflow/tfjs';
import { WavecvError } from '../errors.js';
import { validateOptions, type OptionSpecs } from './option-specs.js';

/** Options every constructor understands; families add their own. */
export interface ModelOptions {
  numClasses?: number;
  inChannels?: number;
  /** Input height and width (square unless `inputShape` says otherwise). */
  inputSize?: number;
  [option: string]: unknown;
}

export interface ModelEntry {
  name: string;
  family: string;
  description: string;
  /** The options `create` reads, with their types and allowed values. */
  options: OptionSpecs;
  /** Options of a small instance of this model (a few MB at most, seconds to train a step on CPU), for tests and examples. */
  smallOptions: ModelOptions;
  /**
   * The model's head on top of its backbone, for models whose reference
   * trains it at a higher learning rate than the backbone: `select` matches
   * the head's variable names (`layerName/weightName`, as the trainer's
   * parameter groups see them) and `lrMultiplier` is the reference's factor.
   * Tasks that offer a head learning rate (`train segment
   * --head-lr-multiplier`) put these variables in a parameter group.
   */
  head?: { select: RegExp; lrMultiplier: number };
  create: (options: ModelOptions) => tf.LayersModel;
}

const entries = new Map<string, ModelEntry>();

export function registerModel(entry: ModelEntry): void {
  if (entries.has(entry.name)) throw new Error(`model ${entry.name} registered twice`);
  validateOptions(entry.name, entry.options, entry.smallOptions);
  entries.set(entry.name, entry);
}

/** The registry entry of `name`, or a {@link WavecvError} listing the names. */
export function modelEntry(name: string): ModelEntry {
  const entry = entries.get(name);
  if (!entry) throw new WavecvError('model', name, `a registered model name (${[...entries.keys()].join(', ')})`);
  return entry;
}

/** Builds model `name` after checking `options` against its declared options. */
export function createModel(name: string, options: ModelOptions = {}): tf.LayersModel {
  const entry = modelEntry(name);
  validateOptions(name, entry.options, options);
  return entry.create(options);
}

export function listModels(family?: string): ModelEntry[] {
  return [...entries.values()].filter((e) => family === undefined || e.family === family);
}
