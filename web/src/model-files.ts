/**
 * Loading wavecv models in the browser with their metadata: from a URL (the
 * models bundled with the app) or from files the user picks — the
 * `model.json` and `weights.bin` of a run folder's `model/` (`wavecv train …
 * --out RUN` writes `RUN/model/`). The metadata (task, preprocessing, class
 * names, thresholds) travels inside `model.json`, so nothing else is needed.
 */
import * as tf from '@tensorflow/tfjs';
import { parseModelMetadata, type ModelMetadata } from '../../src/browser.js';

export interface LoadedModel<E extends object = Record<string, unknown>> {
  model: tf.LayersModel;
  metadata: ModelMetadata<E>;
  /** Where it came from (URL or file name), for display. */
  source: string;
}

function withMetadata<E extends object>(model: tf.LayersModel, source: string, task: string): LoadedModel<E> {
  try {
    const metadata = parseModelMetadata(model.getUserDefinedMetadata(), source) as unknown as ModelMetadata<E>;
    if (metadata.task !== task) throw new Error(`${source}: a model of task "${metadata.task}", expected one trained by \`wavecv train ${task}\``);
    return { model, metadata, source };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/** Loads the model at `url` (its `model.json`) and checks that it was trained for `task`. */
export async function loadModelFromUrl<E extends object = Record<string, unknown>>(url: string, task: string): Promise<LoadedModel<E>> {
  return withMetadata<E>(await tf.loadLayersModel(url), url, task);
}

/** Loads a model from picked files (`model.json` plus the weight files it names) and checks its task. */
export async function loadModelFromFiles<E extends object = Record<string, unknown>>(files: FileList | File[], task: string): Promise<LoadedModel<E>> {
  const list = Array.from(files);
  const json = list.find((f) => f.name === 'model.json');
  if (!json) throw new Error(`model: got ${list.map((f) => f.name).join(', ') || 'no files'}, expected model.json and weights.bin of a run folder's model/`);
  const weights = list.filter((f) => f !== json);
  return withMetadata<E>(await tf.loadLayersModel(tf.io.browserFiles([json, ...weights])), json.name, task);
}
