/**
 * The run folder and the metadata of a saved model: the one place that knows
 * how a `wavecv train <task>` run is laid out on disk and what a model carries
 * for inference, evaluation and export.
 *
 * A run folder `out/` holds `config.json` (the resolved settings; those that
 * define the run are compared on `--resume`), `log.jsonl`, `checkpoints/`,
 * `model/` (TF.js layers format), `metrics.json` and the task's charts.
 *
 * Model metadata ({@link ModelMetadata}) lives in `model/model.json` as its
 * `userDefinedMetadata`, so the model folder stands alone — a browser that
 * loads `model.json` gets the preprocessing with it. It is typed and
 * versioned: task, model name and options, preprocessing (input shape,
 * per-channel mean/std applied to inputs in [0, 1], class names), named
 * decision thresholds with their source, the training counters, and a
 * task-specific `extension` (e.g. the face task's loss and flip test).
 * Consumers never read normalisation constants of their own: they read
 * {@link ModelMetadata.preprocessing}.
 *
 * Compatibility (design decision): models saved before the typed metadata
 * (format 1: flat keys `model`/`backbone`, `modelOptions`, `inputShape`,
 * `normalization`, `classNames`, `threshold`, …) are converted on reading by
 * {@link parseModelMetadata}; nothing rewrites them until a writer
 * ({@link updateModelMetadata}) touches them, which then writes the current
 * format.
 *
 * Writes are atomic: the model folder by `saveModel` (staged, then renamed),
 * model.json updates and JSON files by `writeFileAtomic`. Staging folders of a
 * process that died mid-write (`checkpoints/.step-N.writing-PID`,
 * `model.saving-PID`, `model.old-PID`) are removed by the next run in the
 * folder ({@link removeStaleStaging}) once their process is gone.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { checkNormalization, type Normalization } from '../data/normalization.js';
import { check, WavecvError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { loadModel, MODEL_STAGING } from '../io/model-io.js';
import { CHECKPOINT_STAGING, latestCheckpoint } from './checkpoint.js';

/** How raw inputs become model inputs. */
export interface Preprocessing {
  /** Shape of one input without the batch axis: `[H, W, C]`, or `[D, H, W, C]` for volumes. */
  inputShape: number[];
  /** Applied to inputs scaled to [0, 1] (8-bit pixels divided by 255). */
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

/** The folder holding model.json: `path` itself or its `model/` sub-folder (a run folder). */
export function resolveModelDir(path: string): string {
  const dir = resolve(path);
  if (existsSync(join(dir, 'model.json'))) return dir;
  if (existsSync(join(dir, 'model', 'model.json'))) return join(dir, 'model');
  throw new WavecvError('model', path, 'a run folder of `wavecv train` (holding model/model.json) or a folder holding model.json');
}

const isNumbers = (v: unknown): v is number[] => Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number' && Number.isFinite(x));

/** Format 1 (flat keys, written before the typed metadata) → the current format. */
function fromFormat1(raw: Record<string, unknown>, where: string): ModelMetadata {
  const task = raw.task;
  check(task === 'classify' || task === 'face', `${where} task`, task, "'classify' or 'face' (metadata of a wavecv model)");
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
  check(normalization.mean.length === 1 || normalization.mean.length === shape[shape.length - 1], `${where} normalization`, normalization.mean, `1 or ${shape[shape.length - 1]} values (one per channel)`);
  return meta;
}

/**
 * The metadata in `model.json` of a model folder (or run folder), or
 * undefined when the model carries none of wavecv's (a TF.js model saved by
 * other tools: neither `format` nor `task` in its userDefinedMetadata).
 */
export function findModelMetadata(path: string): ModelMetadata | undefined {
  const manifestPath = join(resolveModelDir(path), 'model.json');
  let manifest: { userDefinedMetadata?: Record<string, unknown> };
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch (error) {
    throw new WavecvError('model', manifestPath, `valid JSON (${(error as Error).message})`);
  }
  const raw = manifest.userDefinedMetadata;
  if (raw === undefined || raw === null || (typeof raw === 'object' && raw.format === undefined && raw.task === undefined)) return undefined;
  return parseModelMetadata(raw, manifestPath);
}

/** The metadata in `model.json` of a model folder (or run folder); a model without wavecv metadata is refused. */
export function readModelMetadata(path: string): ModelMetadata {
  const metadata = findModelMetadata(path);
  if (!metadata) throw new WavecvError('model', path, 'a model saved by `wavecv train` (its model.json holds no wavecv metadata)');
  return metadata;
}

/** Sets `metadata` on `model` before saving (as plain JSON, which is all TF.js stores). */
export function setModelMetadata(model: tf.LayersModel, metadata: ModelMetadata<object>): void {
  model.setUserDefinedMetadata(JSON.parse(JSON.stringify(metadata)) as Record<string, unknown>);
}

/**
 * Rewrites the metadata of a saved model atomically (model.json replaced by
 * rename), in the current format whatever format it was read in.
 */
export function updateModelMetadata(path: string, update: (metadata: ModelMetadata) => ModelMetadata): ModelMetadata {
  const manifestPath = join(resolveModelDir(path), 'model.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { userDefinedMetadata?: unknown };
  const next = update(parseModelMetadata(manifest.userDefinedMetadata, manifestPath));
  manifest.userDefinedMetadata = JSON.parse(JSON.stringify(next));
  writeFileAtomic(manifestPath, JSON.stringify(manifest));
  return next;
}

export interface LoadedRunModel<E extends object = Record<string, unknown>> {
  model: tf.LayersModel;
  metadata: ModelMetadata<E>;
  /** The folder holding model.json. */
  dir: string;
}

/**
 * Loads a model with its metadata from a model folder or a run folder;
 * with `task`, refuses models of another task.
 */
export async function loadRunModel<E extends object = Record<string, unknown>>(path: string, task?: string): Promise<LoadedRunModel<E>> {
  const dir = resolveModelDir(path);
  // The model first: loadModel names what is damaged in a model folder.
  const model = await loadModel(dir);
  try {
    const metadata = readModelMetadata(dir) as unknown as ModelMetadata<E>;
    if (task !== undefined && metadata.task !== task) throw new WavecvError('model', path, `a model trained by \`wavecv train ${task}\` (its metadata names task "${metadata.task}")`);
    return { model, metadata, dir };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/** Images in [0, 1] (channels last) → model inputs, by the metadata's normalisation. Pure tensor op; the caller owns the result. */
export function applyNormalization(images: tf.Tensor, normalization: Normalization): tf.Tensor {
  return tf.tidy(() => tf.div(tf.sub(images, normalization.mean), normalization.std));
}

/** Whether the process of a staging folder's PID is gone (EPERM: it exists, owned by someone else). */
function processGone(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function removeStale(dir: string, pattern: RegExp): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    const match = pattern.exec(name);
    if (match && processGone(Number(match[1]))) {
      rmSync(join(dir, name), { recursive: true, force: true });
      removed.push(join(dir, name));
    }
  }
  return removed;
}

/**
 * Removes staging folders left in a run folder by killed processes: partial
 * checkpoints (`checkpoints/.step-N.writing-PID`) and model saves
 * (`model.saving-PID`, `model.old-PID`) whose PID is no longer running.
 * Returns what it removed.
 */
export function removeStaleStaging(outDir: string): string[] {
  return [...removeStale(outDir, MODEL_STAGING), ...removeStale(join(outDir, 'checkpoints'), CHECKPOINT_STAGING)];
}

/**
 * Checks that `outDir` can hold a run before any work starts: it is a folder
 * (or absent), its `checkpoints` is a folder, and it holds no checkpoint
 * unless the run resumes. `out` is the folder as the user wrote it (for the
 * message). Returns the latest checkpoint, if any.
 */
export function checkRunFolder(out: string, outDir: string, resume: boolean | undefined): string | undefined {
  if (existsSync(outDir)) check(statSync(outDir).isDirectory(), 'out', out, 'a folder for the run (it is a file)');
  const checkpoints = join(outDir, 'checkpoints');
  if (existsSync(checkpoints)) check(statSync(checkpoints).isDirectory(), 'out', join(out, 'checkpoints'), 'a folder of checkpoints (it is a file)');
  const existing = existsSync(checkpoints) ? latestCheckpoint(checkpoints) : undefined;
  if (existing && !resume) throw new WavecvError('out', out, `a new run folder, or resume set to continue the run there (it holds ${existing})`);
  return existing;
}

/** The run's `config.json`, if there is one. */
export function readRunConfig(outDir: string): Record<string, unknown> | undefined {
  const path = join(outDir, 'config.json');
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new WavecvError('config', path, `valid JSON (${(error as Error).message})`);
  }
}
