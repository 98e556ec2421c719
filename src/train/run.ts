/**
 * The run template: the skeleton every `wavecv train <task>` shares, written
 * once. A task is a {@link TrainingTask} — a small object in `src/tasks/` —
 * and {@link runTraining} drives it:
 *
 *  1. `validate(options)`: the task checks every option of its own; the
 *     template checks the shared ones and the run folder (`out` a folder or
 *     absent, `checkpoints/` a folder, no checkpoint there unless resuming).
 *     Nothing has been read or written yet, so a bad option costs nothing.
 *  2. Staging folders left by killed processes are removed
 *     ({@link removeStaleStaging}); a resumed run reads its `config.json`.
 *  3. `openData(options)`: the task opens its data (any readers, any number of
 *     keys per example).
 *  4. Preprocessing: `preprocessing(options, data)` for a fresh run; a
 *     resumed run takes the one recorded in its `config.json` instead (so the
 *     normalisation is never recomputed from other data).
 *  5. `setup(...)`: the task builds the model (the one saved), optionally
 *     the model trained (e.g. with extra outputs), the objective, the loader,
 *     the evaluation, its run `definition` and any trainer options (passed
 *     through to {@link Trainer} unchanged, so trainer features reach every
 *     task without touching the template).
 *  6. On resume, the run's definition — the template's (epochs, batch size,
 *     optimizer, schedule, clipping, seed) and the task's (model, options,
 *     data, limits, loss, …) — must equal the one in `config.json`; the first
 *     difference is refused with its key (e.g. `modelOptions.wavelet`, which
 *     the CLI shows as `--wavelet`). Runs written before a key was recorded
 *     are not compared on that key.
 *  7. The trainer trains (`config.json`, `log.jsonl`, `checkpoints/`); when
 *     it completes, the model is saved under `model/` with its
 *     {@link ModelMetadata} (the task's `metadata(result)` plus the
 *     preprocessing and training counters).
 *  8. `finish(result)` returns the task's figures, written with the run's
 *     status and history to `metrics.json`; `charts(...)` returns line charts
 *     written as PNGs. Both run also for a run stopped early (Ctrl-C), whose
 *     figures are then the last evaluation's.
 *
 * Every option key in errors is the task's option name (`trainLimit`,
 * `modelOptions.wavelet`); errors thrown before training starts pass through
 * `renameError`, with which the CLI names its flags instead.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DataLoader } from '../data/dataset.js';
import { engineInfo } from '../engine/backend.js';
import { check, WavecvError } from '../errors.js';
import { writeJsonAtomic } from '../io/atomic.js';
import { saveModel } from '../io/model-io.js';
import { lineChartSpec, type LineChartOptions, type Series } from '../plot/line-chart.js';
import { writeFigure } from '../plot/vega.js';
import { checkNormalization } from '../data/normalization.js';
import {
  checkRunFolder,
  MODEL_METADATA_FORMAT,
  MODEL_METADATA_VERSION,
  readRunConfig,
  removeStaleStaging,
  setModelMetadata,
  type ModelMetadata,
  type Preprocessing,
  type Threshold,
} from './run-folder.js';
import { trainerLoopOptions, type EpochTrainingSettings } from './task-settings.js';
import { Trainer, type EpochSummary, type EvaluationSpec, type Objective, type StepRecord, type TrainerOptions, type TrainResult } from './trainer.js';

/** The settings every task takes (what `addTrainerOptions` offers on the CLI). */
export interface RunSettings extends EpochTrainingSettings {
  /** Examples per step (default 64). */
  batchSize?: number;
  /** Run folder. */
  out: string;
  /** Continue the run in `out` from its latest checkpoint (the run's definition must not change). */
  resume?: boolean;
  /** Also evaluate every this many steps (tasks with an evaluation). */
  evalEverySteps?: number;
  /**
   * Further trainer options, passed to {@link Trainer} unchanged (the task's
   * own `trainer` options win over these).
   */
  trainer?: Partial<Omit<TrainerOptions, 'model' | 'objective' | 'data' | 'config'>>;
  /**
   * Applied to every error thrown while the options are resolved (before
   * training starts): the CLI renames option keys to its flags with it.
   */
  renameError?: (error: unknown) => unknown;
}

/** A line chart the template draws into the run folder. */
export interface RunChart {
  /** File name in the run folder, e.g. `training-curve.png`. */
  file: string;
  series: Series[];
  options: LineChartOptions;
}

/** Per-step training curves averaged over windows of a tenth of an epoch (at least one step). */
export interface WindowedCurves {
  /** Epoch (fractional) at the end of each window. */
  x: number[];
  loss: number[];
  /** Mean of the step metric `metric` over each window (NaN where a step did not log it). */
  metric: number[];
}

/** Averages the log's step records over windows of a tenth of an epoch, for the task's charts. */
export function windowedStepCurves(steps: StepRecord[], stepsPerEpoch: number, metric: string): WindowedCurves {
  const window = Math.max(1, Math.floor(stepsPerEpoch / 10));
  const curves: WindowedCurves = { x: [], loss: [], metric: [] };
  for (let i = 0; i + window <= steps.length; i += window) {
    const slice = steps.slice(i, i + window);
    curves.x.push(slice[slice.length - 1].step / stepsPerEpoch);
    curves.loss.push(slice.reduce((s, r) => s + r.loss, 0) / slice.length);
    curves.metric.push(slice.reduce((s, r) => s + (r.metrics?.[metric] ?? NaN), 0) / slice.length);
  }
  return curves;
}

/** What the task's `metadata` contributes to the saved model's {@link ModelMetadata}. */
export interface TaskModelMetadata<X extends object> {
  model: { name: string; options: Record<string, unknown> };
  classNames?: string[];
  thresholds?: Record<string, Threshold>;
  extension: X;
}

/** What a task builds for one run (see {@link TrainingTask.setup}). */
export interface TaskRun<X extends object, R> {
  /** The model that is saved (and, unless `trained` is given, trained). */
  model: tf.LayersModel;
  /** The model the trainer trains when it differs from `model` (e.g. `model` with an extra feature output); shares its weights. */
  trained?: tf.LayersModel;
  objective: Objective;
  loader: DataLoader;
  evaluate?: Omit<EvaluationSpec, 'everySteps'>;
  /**
   * Everything of the task that defines the run (model name and options, data
   * summary, limits, loss and its options, augmentation, …), keyed by option
   * name; recorded in config.json and compared on resume, in this order. Put
   * options before summaries derived from them, so a changed option is named
   * rather than its effect.
   */
  definition: Record<string, unknown>;
  /** Further settings recorded in config.json that may change on resume (evaluation batch size, …). */
  settings?: Record<string, unknown>;
  /** Trainer options of the task (input keys, hooks), passed through unchanged. */
  trainer?: Partial<Omit<TrainerOptions, 'model' | 'objective' | 'data' | 'config'>>;
  /** The task's part of the saved model's metadata (called when training completed). */
  metadata(result: TrainResult): TaskModelMetadata<X> | Promise<TaskModelMetadata<X>>;
  /** The task's figures for metrics.json (and any files of its own), after training completed or stopped. */
  finish(result: TrainResult, run: RunContext): Promise<{ metrics: Record<string, unknown>; result: R }>;
  /** One metrics.json history row per epoch (default: the trainer's summary). */
  historyRow?(summary: EpochSummary): Record<string, unknown>;
  /** Charts of the run (training curves); `steps` are the log's step records. */
  charts?(history: EpochSummary[], steps: StepRecord[]): RunChart[];
  /** Frees what the task created (the objective's variables, extra models); the template disposes `model`. */
  dispose?(): void;
}

/** What `setup` and `finish` learn about the run. */
export interface RunContext {
  outDir: string;
  modelDir: string;
  preprocessing: Preprocessing;
  /** Whether the run continues from a checkpoint. */
  resumed: boolean;
}

/**
 * A training task: the plug-in of the run template. `O` are its options
 * (the shared {@link RunSettings} plus its own), `D` its opened data, `X`
 * the typed extension of its model metadata, `R` its result.
 *
 * How the coming families fit: a segmentation task's data yields `image` and
 * `mask` keys and its loader augments both with one draw; registration opens
 * fixed and moving volumes (no labels) and passes `inputKeys: ['fixed',
 * 'moving']` in `trainer`; a detector whose threshold is chosen on a
 * validation split records it in `thresholds`. Each keeps its own figures in
 * `finish` and its own metadata in `extension`.
 */
export interface TrainingTask<O extends RunSettings, D, X extends object = Record<string, never>, R = undefined> {
  /** The task name recorded in config.json, metrics.json and the model metadata (`classify`, `face`, …). */
  readonly name: string;
  /**
   * Checks every option of the task before anything is read or written,
   * throwing a WavecvError named by the option's key.
   */
  validate(options: O): void;
  /** Opens the data of the run. */
  openData(options: O): Promise<D>;
  /** The preprocessing of a fresh run, from its data (a resumed run reuses the recorded one). */
  preprocessing(options: O, data: D): Promise<Preprocessing> | Preprocessing;
  /** Builds the run: model, objective, loader, evaluation, definition. */
  setup(options: O, data: D, context: RunContext): TaskRun<X, R>;
}

/** What {@link runTraining} returns. */
export interface RunOutcome<R> {
  outDir: string;
  modelDir: string;
  /** The task's result (from `finish`). */
  result: R;
  history: EpochSummary[];
  steps: number;
  stopped: 'completed' | 'aborted';
  /** Seconds spent in training steps over the whole run (resumed parts included). */
  trainSeconds: number;
  /** Seconds of this call. */
  seconds: number;
  preprocessing: Preprocessing;
}

/** Checks the shared settings (the trainer checks its own once built; these must fail before any work). */
function validateSettings(settings: RunSettings): void {
  check(Number.isInteger(settings.epochs) && settings.epochs > 0, 'epochs', settings.epochs, 'a positive integer');
  check(Number.isInteger(settings.seed) && settings.seed >= 0, 'seed', settings.seed, 'an integer ≥ 0');
  if (settings.batchSize !== undefined) check(Number.isInteger(settings.batchSize) && settings.batchSize > 0, 'batchSize', settings.batchSize, 'a positive integer');
  check(settings.optimizer !== undefined && typeof settings.optimizer.lr === 'number' && settings.optimizer.lr >= 0, 'optimizer', settings.optimizer, 'an optimizer spec with lr ≥ 0');
  for (const key of ['checkpointEverySteps', 'evalEverySteps'] as const) {
    const v = settings[key];
    if (v !== undefined) check(Number.isInteger(v) && v > 0, key, v, 'a positive integer');
  }
  check(typeof settings.out === 'string' && settings.out !== '', 'out', settings.out, 'a run folder');
}

/** The path (`a.b.c`) of the first difference between two JSON values, or undefined when equal. */
export function firstDifference(a: unknown, b: unknown, path = ''): string | undefined {
  if (a === b) return undefined;
  const bothObjects = a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b);
  if (!bothObjects || Array.isArray(a)) return JSON.stringify(a) === JSON.stringify(b) ? undefined : path;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  for (const key of new Set([...Object.keys(ra), ...Object.keys(rb)])) {
    const found = firstDifference(ra[key], rb[key], path ? `${path}.${key}` : key);
    if (found !== undefined) return found;
  }
  return undefined;
}

function valueAt(value: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), value);
}

/**
 * A definition as recorded in config.json: plain JSON, with top-level
 * settings that are not set recorded as `null` (so that a run recorded
 * without, e.g., a train limit can tell "none" from "not recorded").
 */
function recordable(definition: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(definition).map(([k, v]) => [k, v === undefined ? null : v]))));
}

/**
 * Refuses a resume whose definition differs from the recorded one, naming the
 * first differing key. Keys absent from `recorded` (runs written before they
 * were recorded) are not compared.
 */
export function checkResumeDefinition(definition: Record<string, unknown>, recorded: Record<string, unknown>, configPath: string): void {
  const current = recordable(definition);
  for (const [key, value] of Object.entries(current)) {
    if (!(key in recorded)) continue;
    const path = firstDifference(value, recorded[key], key);
    if (path !== undefined) {
      const before = valueAt(recorded, path);
      throw new WavecvError(
        path,
        valueAt(current, path) ?? 'nothing',
        `${before === undefined || before === null ? 'nothing' : JSON.stringify(before)} as in the run being resumed (${configPath}): a resumed run must not change its settings (start a new run folder instead)`,
      );
    }
  }
}

/** The preprocessing recorded in a run's config.json (current or first format). */
function recordedPreprocessing(config: Record<string, unknown>, where: string): Preprocessing | undefined {
  const p = config.preprocessing as Preprocessing | undefined;
  if (p) return { inputShape: p.inputShape, ...(p.intensity ? { intensity: p.intensity } : {}), normalization: checkNormalization(p.normalization, `${where} preprocessing.normalization`) };
  const imageShape = (config.data as { imageShape?: number[] } | undefined)?.imageShape;
  if (config.normalization && imageShape) return { inputShape: imageShape, normalization: checkNormalization(config.normalization, `${where} normalization`) };
  return undefined;
}

function stepRecords(outDir: string): StepRecord[] {
  const path = join(outDir, 'log.jsonl');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as StepRecord)
    .filter((r) => r.type === 'train');
}

/** Runs `task` with `options` through the template (see the module comment). */
export async function runTraining<O extends RunSettings, D, X extends object, R>(task: TrainingTask<O, D, X, R>, options: O): Promise<RunOutcome<R>> {
  const started = Date.now();
  const resolving = <T>(step: () => T): T => {
    try {
      return step();
    } catch (error) {
      throw options.renameError ? options.renameError(error) : error;
    }
  };
  const outDir = resolve(options.out);
  const configPath = join(outDir, 'config.json');
  const latest = resolving(() => {
    validateSettings(options);
    task.validate(options);
    return checkRunFolder(options.out, outDir, options.resume);
  });
  removeStaleStaging(outDir);
  const recorded = latest ? readRunConfig(outDir) : undefined;
  let data: D;
  let preprocessing: Preprocessing;
  try {
    data = await task.openData(options);
    preprocessing = (recorded && recordedPreprocessing(recorded, configPath)) || (await task.preprocessing(options, data));
  } catch (error) {
    throw options.renameError ? options.renameError(error) : error;
  }
  const context: RunContext = { outDir, modelDir: join(outDir, 'model'), preprocessing, resumed: latest !== undefined };
  const run = resolving(() => task.setup(options, data, context));
  let trainer: Trainer | undefined;
  try {
    const batchSize = run.loader.batchSize;
    const definition = recordable({
      ...run.definition,
      epochs: options.epochs,
      batchSize,
      optimizer: options.optimizer,
      scheduleInEpochs: options.schedule ?? { type: 'constant' },
      clip: options.clip,
      seed: options.seed,
    });
    if (recorded) resolving(() => checkResumeDefinition(definition, recorded, configPath));
    const stepsPerEpoch = run.loader.stepsPerEpoch;
    trainer = resolving(() => new Trainer({
      ...options.trainer,
      ...run.trainer,
      model: run.trained ?? run.model,
      objective: run.objective,
      data: run.loader,
      ...trainerLoopOptions(options, stepsPerEpoch, outDir),
      evaluate: run.evaluate ? { ...run.evaluate, everySteps: options.evalEverySteps } : undefined,
      config: { task: task.name, ...definition, preprocessing, ...run.settings },
    }));
    if (latest) await trainer.resume().catch((error: unknown) => Promise.reject(options.renameError ? options.renameError(error) : error));
    const result = await trainer.fit();
    if (result.stopped === 'completed') {
      const part = await run.metadata(result);
      const metadata: ModelMetadata<X> = {
        format: MODEL_METADATA_FORMAT,
        version: MODEL_METADATA_VERSION,
        task: task.name,
        model: part.model,
        preprocessing,
        classNames: part.classNames,
        thresholds: part.thresholds ?? {},
        training: { steps: result.steps, seed: options.seed, engine: engineInfo()?.backend },
        extension: part.extension,
      };
      setModelMetadata(run.model, metadata);
      await saveModel(run.model, context.modelDir);
    }
    const finished = await run.finish(result, context);
    const trainSeconds = result.history.reduce((s, h) => s + h.seconds, 0);
    writeJsonAtomic(join(outDir, 'metrics.json'), {
      task: task.name,
      ...finished.metrics,
      stopped: result.stopped,
      steps: result.steps,
      history: result.history.map((h) => run.historyRow?.(h) ?? h),
      trainSeconds,
      backend: engineInfo()?.backend,
    });
    if (run.charts) {
      for (const chart of run.charts(result.history, stepRecords(outDir))) {
        await writeFigure(join(outDir, chart.file), lineChartSpec(chart.series, chart.options));
      }
    }
    return {
      outDir,
      modelDir: context.modelDir,
      result: finished.result,
      history: result.history,
      steps: result.steps,
      stopped: result.stopped,
      trainSeconds,
      seconds: (Date.now() - started) / 1000,
      preprocessing,
    };
  } finally {
    trainer?.dispose();
    run.dispose?.();
    run.model.dispose();
  }
}
