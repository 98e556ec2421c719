/**
 * The run folder and the metadata of a saved model: the one place that knows
 * how a `wavecv train <task>` run is laid out on disk and what a model carries
 * for inference, evaluation and export.
 *
 * A run folder `out/` holds `config.json` (the resolved settings; those that
 * define the run are compared on `--resume`), `log.jsonl`, `checkpoints/`,
 * `model/` (TF.js layers format), `metrics.json` and the task's charts.
 *
 * Model metadata ({@link ModelMetadata}, typed and parsed in the
 * browser-safe `model-metadata.ts`, re-exported here) lives in
 * `model/model.json` as its `userDefinedMetadata`, so the model folder
 * stands alone. Models saved in the first metadata format are converted on
 * reading; nothing rewrites them until a writer ({@link updateModelMetadata})
 * touches them, which then writes the current format.
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
import { check, WavecvError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { loadModel, MODEL_STAGING } from '../io/model-io.js';
import { CHECKPOINT_STAGING, latestCheckpoint } from './checkpoint.js';
import { parseModelMetadata, type ModelMetadata } from './model-metadata.js';

export * from './model-metadata.js';

/** The folder holding model.json: `path` itself or its `model/` sub-folder (a run folder). */
export function resolveModelDir(path: string): string {
  const dir = resolve(path);
  if (existsSync(join(dir, 'model.json'))) return dir;
  if (existsSync(join(dir, 'model', 'model.json'))) return join(dir, 'model');
  throw new WavecvError('model', path, 'a run folder of `wavecv train` (holding model/model.json) or a folder holding model.json');
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
