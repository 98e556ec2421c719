/**
 * The metadata a saved wavecv model carries for inference, evaluation and
 * export, stored in its `model.json` as TF.js `userDefinedMetadata`, so a
 * model folder stands alone — a browser that loads `model.json` gets the
 * preprocessing with it. Browser-safe (no Node module): the run folder
 * (`run-folder.ts`, which re-exports this module) reads and writes it on
 * disk, the browser app reads it from uploaded or bundled files.
 *
 * It is typed and versioned: task, model name and options, preprocessing
 * (input shape, per-channel mean/std applied to inputs in [0, 1], class
 * names), named decision thresholds with their source, the training
 * counters, and a task-specific `extension` (e.g. the face task's loss and
 * flip test). Consumers never read normalisation constants of their own:
 * they read {@link ModelMetadata.preprocessing}.
 *
 * Compatibility (design decision): models saved before the typed metadata
 * (format 1: flat keys `model`/`backbone`, `modelOptions`, `inputShape`,
 * `normalization`, `classNames`, `threshold`, …; segment3d's `cube` and
 * `normalization: { scale, mean, std }`) are converted on reading by
 * {@link parseModelMetadata}.
 */
import * as tf from '@tensorflow/tfjs';
import { checkNormalization, type Normalization } from '../data/normalization.js';
import { check } from '../errors.js';

/** How raw inputs become model inputs. */
export interface Preprocessing {
  /** Shape of one input without the batch axis: `[H, W, C]`, or `[D, H, W, C]` for volumes. */
  inputShape: number[];
  /**
   * How raw values are scaled to [0, 1] before `normalization`: absent,
   * divided by 255 (8-bit pixels; microscope volumes too, whatever their
   * bit depth, as the 3-D WaveUNet reference does); `'minmax'`, each scan
   * min–max scaled on its own (registration scans, whose units vary by
   * modality and scanner).
   */
  intensity?: 'minmax';
  /** Applied to inputs scaled to [0, 1] (see `intensity`). */
  normalization: Normalization;
}

/** A decision threshold and where it came from (shown to users with the decision). */
export interface Threshold {
  value: number;
  source: string;
}

export const MODEL_METADATA_FORMAT = 'wavecv-model';
export const MODEL_METADATA_VERSION = 2;

/** What a saved model carries; `E` is the task's own typed extension. */
export interface ModelMetadata<E extends object = Record<string, unknown>> {
  format: typeof MODEL_METADATA_FORMAT;
  version: typeof MODEL_METADATA_VERSION;
  /** The task that trained it (`classify`, `face`, …). */
  task: string;
  /** Registry name and the full options it was built with (`createModel(name, options)` rebuilds it). */
  model: { name: string; options: Record<string, unknown> };
  preprocessing: Preprocessing;
  /** Names of the output classes, in output order (when the task has classes). */
  classNames?: string[];
  /** Named decision thresholds, e.g. the face task's `learned` (loss) and `verification` (stored by eval verification). */
  thresholds: Record<string, Threshold>;
  training: { steps: number; seed: number; engine?: string };
  extension: E;
}

const isNumbers = (v: unknown): v is number[] => Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number' && Number.isFinite(x));

/**
 * The flat metadata `train segment3d` wrote before the typed metadata
 * (`task`, `model`, `modelOptions`, `cube`, and `normalization` as
 * `{ scale: 1/255, mean, std }` of one channel) → the current format.
 */
function fromSegment3dFormat1(raw: Record<string, unknown>, where: string): ModelMetadata {
  const cube = raw.cube;
  const n = (raw.normalization ?? {}) as { scale?: unknown; mean?: unknown; std?: unknown };
  check(isNumbers(cube) && cube.length === 3, `${where} cube`, cube, 'the cube [D, H, W] of a segment3d model');
  check(n.scale === 1 / 255 && typeof n.mean === 'number' && typeof n.std === 'number', `${where} normalization`, raw.normalization, '{ scale: 1/255, mean, std } of a segment3d model');
  return {
    format: MODEL_METADATA_FORMAT,
    version: MODEL_METADATA_VERSION,
    task: 'segment3d',
    model: { name: String(raw.model), options: (raw.modelOptions as Record<string, unknown>) ?? {} },
    preprocessing: { inputShape: [...cube, 1], normalization: { mean: [n.mean], std: [n.std] } },
    thresholds: {},
    training: { steps: Number(raw.trainedSteps), seed: Number(raw.seed) },
    extension: { cube },
  };
}

/** Format 1 (flat keys, written before the typed metadata) → the current format. */
function fromFormat1(raw: Record<string, unknown>, where: string): ModelMetadata {
  const task = raw.task;
  if (task === 'segment3d') return fromSegment3dFormat1(raw, where);
  check(task === 'classify' || task === 'face', `${where} task`, task, "'classify', 'face' or 'segment3d' (metadata of a wavecv model)");
  const thresholds: Record<string, Threshold> = {};
  if (typeof raw.threshold === 'number') thresholds.learned = { value: raw.threshold, source: String(raw.thresholdSource ?? 'learned') };
  const stored = raw.verificationThreshold as Threshold | undefined;
  if (stored && typeof stored.value === 'number') thresholds.verification = { value: stored.value, source: String(stored.source) };
  const extension: Record<string, unknown> = {};
  if (task === 'face') {
    extension.loss = raw.loss;
    extension.flip = Boolean(raw.flip);
    if (raw.ecloss) extension.ecloss = raw.ecloss;
  }
  return {
    format: MODEL_METADATA_FORMAT,
    version: MODEL_METADATA_VERSION,
    task,
    model: { name: String(task === 'face' ? raw.backbone : raw.model), options: (raw.modelOptions as Record<string, unknown>) ?? {} },
    preprocessing: { inputShape: raw.inputShape as number[], normalization: raw.normalization as Normalization },
    classNames: raw.classNames as string[] | undefined,
    thresholds,
    training: { steps: Number(raw.trainedSteps), seed: Number(raw.seed), engine: raw.engine as string | undefined },
    extension,
  };
}

/**
 * The typed metadata of a model from its `userDefinedMetadata` (either
 * format), checked; `where` (the model.json path) names it in errors.
 */
export function parseModelMetadata(raw: unknown, where: string): ModelMetadata {
  check(raw !== null && typeof raw === 'object', where, raw, 'a model saved by `wavecv train` (model.json with userDefinedMetadata)');
  const record = raw as Record<string, unknown>;
  let meta: ModelMetadata;
  if (record.format === MODEL_METADATA_FORMAT) {
    check(record.version === MODEL_METADATA_VERSION, `${where} metadata version`, record.version, `${MODEL_METADATA_VERSION} (a newer wavecv wrote this model?)`);
    meta = record as unknown as ModelMetadata;
  } else {
    meta = fromFormat1(record, where);
  }
  check(typeof meta.task === 'string' && meta.task !== '', `${where} task`, meta.task, 'a task name');
  check(typeof meta.model?.name === 'string' && typeof meta.model.options === 'object', `${where} model`, meta.model, '{ name, options }');
  const shape = meta.preprocessing?.inputShape;
  check(isNumbers(shape) && shape.every((d) => Number.isInteger(d) && d > 0) && (shape.length === 3 || shape.length === 4), `${where} inputShape`, shape, '[H, W, C] or [D, H, W, C] positive integers');
  const normalization = checkNormalization(meta.preprocessing.normalization, `${where} normalization`);
  const intensity = meta.preprocessing.intensity;
  check(intensity === undefined || intensity === 'minmax', `${where} intensity`, intensity, "'minmax' or nothing (pixels divided by 255)");
  check(normalization.mean.length === 1 || normalization.mean.length === shape[shape.length - 1], `${where} normalization`, normalization.mean, `1 or ${shape[shape.length - 1]} values (one per channel)`);
  return meta;
}

/** Sets `metadata` on `model` before saving (as plain JSON, which is all TF.js stores). */
export function setModelMetadata(model: tf.LayersModel, metadata: ModelMetadata<object>): void {
  model.setUserDefinedMetadata(JSON.parse(JSON.stringify(metadata)) as Record<string, unknown>);
}

/** Images in [0, 1] (channels last) → model inputs, by the metadata's normalisation. Pure tensor op; the caller owns the result. */
export function applyNormalization(images: tf.Tensor, normalization: Normalization): tf.Tensor {
  return tf.tidy(() => tf.div(tf.sub(images, normalization.mean), normalization.std));
}
