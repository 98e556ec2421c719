/**
 * The model registry (after timm's `_registry.py`): one constructor per model
 * name, uniform options, variants as arguments. Model families register
 * their constructors when their module is imported; `models/index.ts`
 * imports every family so that `createModel` knows all names.
 */
import type * as tf from '@tensorflow/tfjs';
import { WavecvError } from '../errors.js';

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
  create: (options: ModelOptions) => tf.LayersModel;
}

const entries = new Map<string, ModelEntry>();

export function registerModel(entry: ModelEntry): void {
  if (entries.has(entry.name)) throw new Error(`model ${entry.name} registered twice`);
  entries.set(entry.name, entry);
}

export function createModel(name: string, options: ModelOptions = {}): tf.LayersModel {
  const entry = entries.get(name);
  if (!entry) throw new WavecvError('model', name, `a registered model name (${[...entries.keys()].join(', ')})`);
  return entry.create(options);
}

export function listModels(family?: string): ModelEntry[] {
  return [...entries.values()].filter((e) => family === undefined || e.family === family);
}
