/**
 * Builds a registry model and fills it with the weights of a PyTorch
 * checkpoint (`.pth`/`.pt` from `torch.save`, or `.safetensors`): the state
 * dict is found (./state-dict.ts), the model built with the given options —
 * plus `padding: 'pytorch'` where the family takes it, so strided windows pad
 * as PyTorch's do and the outputs match, and `randomInit: false`, since every
 * weight is about to be overwritten — and the parameters mapped by the
 * architecture's PyTorch naming (./pytorch-names.ts, ./load-state-dict.ts).
 */
import type * as tf from '@tensorflow/tfjs';
import { WavecvError } from '../errors.js';
import { createModel, modelEntry, type ModelOptions } from '../models/registry.js';
import { loadStateDict, type LoadReport } from './load-state-dict.js';
import { IMPORTABLE_MODELS, torchNaming } from './pytorch-names.js';
import { readStateDict, type StateDict } from './state-dict.js';

export interface ImportedModel {
  model: tf.LayersModel;
  /** The options the model was built with (what `createModel` needs to rebuild it). */
  options: ModelOptions;
  state: StateDict;
  report: LoadReport;
}

/** The options a model is built with for imported weights (see the module comment). */
export function importOptions(name: string, options: ModelOptions): ModelOptions {
  const declared = modelEntry(name).options;
  const out: ModelOptions = { ...options };
  if ('padding' in declared && out.padding === undefined) out.padding = 'pytorch';
  if ('randomInit' in declared) out.randomInit = false;
  return out;
}

/** Model `name` with `options` and the weights of the checkpoint at `path`. */
export function importWeights(path: string, name: string, options: ModelOptions = {}): ImportedModel {
  const naming = torchNaming(name);
  modelEntry(name);
  if (!naming) throw new WavecvError('model', name, `a model whose PyTorch weights wavecv reads (${IMPORTABLE_MODELS.join(', ')})`);
  const state = readStateDict(path);
  const built = importOptions(name, options);
  const model = createModel(name, built);
  try {
    const report = loadStateDict(model, state, naming, name);
    return { model, options: built, state, report };
  } catch (error) {
    model.dispose();
    throw error;
  }
}
