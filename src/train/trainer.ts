/**
 * The one training loop of wavecv. It takes any `tf.LayersModel`, an
 * {@link Objective} (losses and metrics, possibly with trainable variables and
 * state of its own, e.g. the class centres of a margin loss or a memory bank
 * of features) and a {@link DataLoader}; it knows nothing of the task.
 *
 * One step: the model is called with `training: true` (BatchNormalization
 * then normalises with batch statistics and updates its moving mean and
 * variance, tfjs-layers `normalization.js`), the objective turns the outputs
 * into a scalar loss and named metrics, `tf.variableGrads` differentiates the
 * loss with respect to the model's trainable weights *and* the objective's
 * variables together, gradients are optionally clipped, and the optimiser
 * updates both. A non-finite loss stops the run before the update, with an
 * error naming the step and the last good checkpoint.
 *
 * Reproducibility: every random draw is derived from the run seed and
 * counters ({@link deriveSeed}); the step's unseeded TF.js random ops (e.g.
 * dropout) draw from `deriveSeed(seed, step-stream, step)` through
 * {@link withSeededRandom}. A checkpoint stores the model weights (trainable
 * and not), the optimiser state, the objective's variables and state, the
 * step, the loader position and the running per-epoch sums, so a resumed run
 * continues bit for bit (test/train/trainer.test.ts stops a run half-way and
 * compares the resumed weights with an uninterrupted run's).
 *
 * Outputs under `outDir`: `config.json` (resolved settings), `log.jsonl` (one
 * JSON object per step with loss, metrics and learning rate, plus eval,
 * checkpoint and resume records) and `checkpoints/`.
 *
 * Hooks for model families beyond classification, each optional and off by
 * default (without them a step is computed exactly as before):
 * - auxiliary loss terms that layers add during the forward pass
 *   (auxiliary-losses.ts): minimised with the objective's loss; the step's
 *   `loss` is then the total, `objective` the objective's part and
 *   `aux/<name>` each term's (unweighted) value, in log.jsonl and progress;
 * - parameter groups with their own learning-rate multiplier and weight
 *   decay, and frozen variables (parameter-groups.ts): frozen variables get no
 *   gradient and no optimiser state; the grouping is stored in config.json
 *   and in checkpoints, and a resume with another grouping is refused;
 * - an exponential moving average of the weights (ema.ts), updated after each
 *   step, checkpointed, optionally run on each batch as the objective's
 *   teacher (`context.teacher`) and copied into the model at the end;
 * - several model inputs (`inputKeys`); the objective sees every key of the
 *   batch (targets, masks, fixed and moving images).
 */
import * as tf from '@tensorflow/tfjs';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { batchToTensors, type DataLoader, type LoadedBatch } from '../data/dataset.js';
import { engineInfo } from '../engine/backend.js';
import { readScalars } from '../engine/read.js';
import { check, WavecvError } from '../errors.js';
import { writeJsonAtomic } from '../io/atomic.js';
import { collectAuxiliaryLosses, withAuxiliaryLosses, type AuxiliaryLossLayer } from './auxiliary-losses.js';
import { latestCheckpoint, readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { clipGradients, type ClipSpec } from './clip.js';
import { WeightEma, type EmaSpec } from './ema.js';
import { createOptimizer, type Optimizer, type OptimizerSpec } from './optimizers.js';
import { DEFAULT_GROUP, FROZEN, resolveParameters, type FreezeSpec, type ParameterGroupSpec, type ParameterInfo, type ResolvedParameters } from './parameter-groups.js';
import { createSchedule, type Schedule, type ScheduleSpec, type WarmupSpec } from './schedules.js';
import { deriveSeed, SEED_STREAMS, withSeededRandom } from '../engine/seed.js';

/** What the objective and callbacks learn about the current step. */
export interface StepContext {
  /** Index of this update, 0-based (the number of updates already applied). */
  step: number;
  epoch: number;
  /** Index of the batch within its epoch. */
  batch: number;
  learningRate: number;
  /** A seed for this step's own random draws (derived from the run seed and step). */
  seed: number;
  /** Outputs of the weight average (inference mode) for this batch, when `ema.teacher` is set: the teacher of self-distillation. */
  teacher?: tf.Tensor | tf.Tensor[];
}

export interface ObjectiveResult {
  loss: tf.Scalar;
  /** Extra scalars to log (accuracy, individual loss terms, …). */
  metrics?: Record<string, tf.Scalar>;
}

/** Serialisable state of an objective beyond its trainable variables. */
export interface ObjectiveState {
  tensors?: tf.NamedTensorMap;
  json?: unknown;
}

/**
 * Losses and metrics of one step. `compute` runs inside the gradient tape;
 * every tensor it creates is freed by the trainer except what it returns.
 */
export interface Objective {
  /** Trainable variables of the objective (e.g. classifier weights of a margin loss), optimised with the model. */
  variables?: tf.Variable[];
  compute(outputs: tf.Tensor | tf.Tensor[], batch: Record<string, tf.Tensor>, context: StepContext): ObjectiveResult;
  /**
   * Called after the update with the step's (pre-update) outputs and batch,
   * outside the tape: update memory banks, prototypes, running statistics.
   * The tensors are disposed by the trainer afterwards.
   */
  onStepEnd?(outputs: tf.Tensor | tf.Tensor[], batch: Record<string, tf.Tensor>, context: StepContext): void;
  /** Called when an epoch starts from its first batch (not when resuming mid-epoch). */
  onEpochStart?(epoch: number): void;
  /** State to checkpoint; tensors may be views of the objective's own variables. */
  getState?(): ObjectiveState;
  setState?(state: ObjectiveState): void;
}

/** Display of progress; the CLI passes a terminal bar or plain lines (src/cli/progress.ts). */
export interface ProgressReporter {
  start(info: { totalSteps: number; startStep: number; stepsPerEpoch: number }): void;
  update(step: number, values: { epoch: number; loss: number; lr: number; metrics: Record<string, number> }): void;
  /** A line of news (evaluation result, checkpoint written). */
  message(line: string): void;
  stop(): void;
}

export interface EvaluationSpec {
  /** Evaluate every this many steps (0 or absent: not by steps). */
  everySteps?: number;
  /** Evaluate every this many epochs (default 1 when `everySteps` is absent). */
  everyEpochs?: number;
  run(model: tf.LayersModel, context: { step: number; epoch: number }): Promise<Record<string, number>> | Record<string, number>;
}

export interface CheckpointSpec {
  everySteps?: number;
  /** Default 1 (every epoch) when `everySteps` is absent. */
  everyEpochs?: number;
  /** Number of checkpoints kept (default 2). */
  keep?: number;
}

export interface TrainerOptions {
  model: tf.LayersModel;
  objective: Objective;
  data: DataLoader;
  optimizer: OptimizerSpec;
  /** Learning-rate schedule in steps (default constant). */
  schedule?: ScheduleSpec & WarmupSpec;
  /** Length of the run in epochs; `maxSteps` wins when both are given. */
  epochs?: number;
  maxSteps?: number;
  seed: number;
  /** Batch keys fed to the model, in input order (default `image`). */
  inputKeys?: string | string[];
  clip?: ClipSpec;
  /** Folder for config.json, log.jsonl and checkpoints; nothing is written when absent. */
  outDir?: string;
  checkpoint?: CheckpointSpec;
  evaluate?: EvaluationSpec;
  progress?: ProgressReporter;
  /** Extra resolved settings (task, model, data) written into config.json. */
  config?: Record<string, unknown>;
  /** The command line that started the run (the CLI's resolved flags), written into config.json as `command` so the run can be repeated. */
  command?: Record<string, unknown>;
  /** Stops the run after the current step; a checkpoint is written first. */
  signal?: AbortSignal;
  /** Called after every step with its log record. */
  onStep?(record: StepRecord): void;
  /** Learning-rate multiplier and weight decay per group of variables (see parameter-groups.ts). */
  parameterGroups?: ParameterGroupSpec[];
  /** Variables left untouched by training (see parameter-groups.ts). */
  freeze?: FreezeSpec;
  /** An exponential moving average of the weights (see ema.ts). */
  ema?: EmaSpec;
}

export interface StepRecord {
  type: 'train';
  /** Updates applied so far, this one included (1-based). */
  step: number;
  epoch: number;
  batch: number;
  lr: number;
  loss: number;
  metrics: Record<string, number>;
  gradNorm?: number;
  ms: number;
}

export interface EpochSummary {
  epoch: number;
  /** Updates applied at the end of the epoch. */
  step: number;
  /** Steps of this epoch that were trained (less than an epoch for a final partial one). */
  steps: number;
  /** Mean loss and metrics over the epoch's steps. */
  train: Record<string, number>;
  eval?: Record<string, number>;
  lr: number;
  /** Seconds spent in this epoch's training steps (evaluation and checkpoints excluded). */
  seconds: number;
}

export interface TrainResult {
  steps: number;
  epochs: number;
  history: EpochSummary[];
  lastEval?: Record<string, number>;
  lastCheckpoint?: string;
  stopped: 'completed' | 'aborted';
  seconds: number;
}

interface RunningSums {
  count: number;
  sums: Record<string, number>;
  /** Milliseconds spent in the epoch's training steps. */
  ms: number;
}

/** Thrown when the loss becomes NaN or ±Inf. */
export class TrainingDivergedError extends WavecvError {
  constructor(
    readonly step: number,
    readonly loss: number,
    readonly lastCheckpoint: string | undefined,
  ) {
    super(`loss at step ${step}`, loss, 'a finite number');
    this.name = 'TrainingDivergedError';
    this.message =
      `loss became ${loss} at step ${step}; the run stopped before applying that update. ` +
      (lastCheckpoint ? `Last good checkpoint: ${lastCheckpoint} (continue from it with resume after lowering the learning rate or clipping gradients).` : 'No checkpoint had been written yet.');
  }
}

function asVariable(weight: { read(): tf.Tensor }): tf.Variable {
  return weight.read() as tf.Variable;
}

type LayerCall = (inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => tf.Tensor | tf.Tensor[];

/** Every layer of `model`, nested models' layers included. */
function allLayers(model: tf.LayersModel): tf.layers.Layer[] {
  return model.layers.flatMap((layer) => (layer instanceof tf.LayersModel ? [layer, ...allLayers(layer)] : [layer]));
}

/**
 * Puts BatchNorm layers (tfjs-layers' and wavecv's) whose trainable weights
 * are all frozen in inference mode: their `call` is wrapped on the instance
 * to run with `training: false` (tfjs-layers reads the mode from the call's
 * kwargs only, so there is no per-layer switch to set). Returns a function
 * that restores them.
 */
function freezeBatchNorm(model: tf.LayersModel, frozen: Set<string>): () => void {
  const patched = allLayers(model).filter((layer) => /BatchNorm/.test(layer.getClassName()) && layer.trainableWeights.length > 0 && layer.trainableWeights.every((w) => frozen.has(w.name)));
  for (const layer of patched) {
    const call = layer.call.bind(layer) as LayerCall;
    (layer as unknown as { call: LayerCall }).call = (inputs, kwargs) => call(inputs, { ...kwargs, training: false });
  }
  return () => patched.forEach((layer) => delete (layer as unknown as { call?: LayerCall }).call);
}

/** The training loop; see the module comment. */
export class Trainer {
  readonly model: tf.LayersModel;
  readonly objective: Objective;
  readonly loader: DataLoader;
  readonly optimizer: Optimizer;
  readonly schedule: Schedule;
  readonly totalSteps: number;
  readonly seed: number;
  private readonly options: TrainerOptions;
  private readonly params: tf.Variable[];
  /** Set when parameter groups or freezing are in use. */
  private readonly grouping?: ResolvedParameters;
  private readonly restoreBatchNorm?: () => void;
  private readonly ema?: WeightEma;
  private readonly inputKeys: string[];
  private stepCount = 0;
  private position = { epoch: 0, batch: 0 };
  private running: RunningSums = { count: 0, sums: {}, ms: 0 };
  private history: EpochSummary[] = [];
  private lastEval?: Record<string, number>;
  private lastCheckpointDir?: string;
  private lastLr: number;

  constructor(options: TrainerOptions) {
    check(options.model !== undefined, 'model', options.model, 'a tf.LayersModel');
    check(Number.isFinite(options.seed), 'seed', options.seed, 'a finite number');
    this.options = options;
    this.model = options.model;
    this.objective = options.objective;
    this.loader = options.data;
    this.seed = options.seed;
    const stepsPerEpoch = this.loader.stepsPerEpoch;
    check(options.epochs !== undefined || options.maxSteps !== undefined, 'epochs', options.epochs, 'a number of epochs or maxSteps');
    if (options.epochs !== undefined) check(Number.isInteger(options.epochs) && options.epochs > 0, 'epochs', options.epochs, 'a positive integer');
    if (options.maxSteps !== undefined) check(Number.isInteger(options.maxSteps) && options.maxSteps > 0, 'maxSteps', options.maxSteps, 'a positive integer');
    this.totalSteps = options.maxSteps ?? options.epochs! * stepsPerEpoch;
    this.inputKeys = typeof options.inputKeys === 'string' ? [options.inputKeys] : (options.inputKeys ?? ['image']);
    check(this.inputKeys.length === this.model.inputs.length, 'inputKeys', this.inputKeys, `${this.model.inputs.length} batch key(s), one per model input`);
    let frozenNames: string[] = [];
    const modelWeights = this.model.trainableWeights;
    const objectiveVariables = options.objective.variables ?? [];
    const candidates = [...modelWeights.map(asVariable), ...objectiveVariables];
    check(new Set(candidates.map((p) => p.name)).size === candidates.length, 'objective.variables', candidates.length, 'variables distinct from the model weights and from each other');
    if (options.parameterGroups !== undefined || options.freeze !== undefined) {
      const infos: ParameterInfo[] = [
        ...modelWeights.map((w) => ({ name: w.name, shape: w.shape as number[], rank: w.shape.length, owner: 'model' as const })),
        ...objectiveVariables.map((v) => ({ name: v.name, shape: v.shape, rank: v.rank, owner: 'objective' as const })),
      ];
      this.grouping = resolveParameters(infos, options.parameterGroups, options.freeze);
      this.params = this.grouping.optimised.map((i) => candidates[i]);
      frozenNames = infos.filter((_, i) => this.grouping!.assignment[i] === FROZEN).map((p) => p.name);
    } else {
      this.params = candidates;
    }
    if (options.ema) this.ema = new WeightEma(this.model, options.ema);
    this.optimizer = createOptimizer(options.optimizer, this.params, this.grouping?.settings);
    this.schedule = createSchedule(options.optimizer.lr, options.schedule);
    this.lastLr = this.schedule(0);
    for (const [name, spec] of [['evaluate', options.evaluate], ['checkpoint', options.checkpoint]] as const) {
      if (!spec) continue;
      if (spec.everySteps !== undefined) check(Number.isInteger(spec.everySteps) && spec.everySteps >= 0, `${name}.everySteps`, spec.everySteps, 'an integer ≥ 0');
      if (spec.everyEpochs !== undefined) check(Number.isInteger(spec.everyEpochs) && spec.everyEpochs >= 0, `${name}.everyEpochs`, spec.everyEpochs, 'an integer ≥ 0');
    }
    // Last, once nothing can throw: the model is changed only for a trainer that exists.
    if (options.freeze && (options.freeze.batchNorm ?? 'inference') === 'inference') this.restoreBatchNorm = freezeBatchNorm(this.model, new Set(frozenNames));
  }

  /** Updates applied so far. */
  get step(): number {
    return this.stepCount;
  }

  /** The epoch the next step belongs to. */
  get epoch(): number {
    return this.position.epoch;
  }

  get checkpointRoot(): string | undefined {
    return this.options.outDir ? join(this.options.outDir, 'checkpoints') : undefined;
  }

  private get logPath(): string | undefined {
    return this.options.outDir ? join(this.options.outDir, 'log.jsonl') : undefined;
  }

  private log(record: Record<string, unknown>): void {
    if (this.logPath) appendFileSync(this.logPath, JSON.stringify(record) + '\n');
  }

  /** The resolved settings written to config.json. */
  resolvedConfig(): Record<string, unknown> {
    const o = this.options;
    return {
      ...o.config,
      ...(o.command ? { command: o.command } : {}),
      trainer: {
        optimizer: o.optimizer,
        schedule: o.schedule ?? { type: 'constant' },
        epochs: o.epochs,
        totalSteps: this.totalSteps,
        stepsPerEpoch: this.loader.stepsPerEpoch,
        batchSize: this.loader.batchSize,
        shuffle: this.loader.shuffle,
        dropLast: this.loader.dropLast,
        prefetch: this.loader.prefetch,
        seed: this.seed,
        dataSeed: this.loader.seed,
        clip: o.clip,
        inputKeys: this.inputKeys,
        checkpoint: o.checkpoint,
        evaluate: o.evaluate ? { everySteps: o.evaluate.everySteps, everyEpochs: o.evaluate.everyEpochs } : undefined,
        parameters: this.params.reduce((n, p) => n + p.size, 0),
        parameterGroups: this.grouping?.summary,
        ema: o.ema ? { decay: this.ema!.decay, warmup: o.ema.warmup, teacher: o.ema.teacher ?? false, final: o.ema.final ?? false } : undefined,
        auxiliaryLosses: auxiliaryLossLayers(this.model),
      },
      engine: engineInfo(),
    };
  }

  /**
   * Loads the latest checkpoint under `outDir/checkpoints` (or `dir`, a
   * checkpoint folder or a checkpoints root). Returns false when there is
   * none, so a `--resume` run that finds nothing starts fresh.
   */
  async resume(dir?: string): Promise<boolean> {
    const root = dir ?? this.checkpointRoot;
    check(root !== undefined, 'resume', dir, 'a checkpoint folder, or outDir set on the trainer');
    const folder = existsSync(join(root, 'state.json')) ? root : latestCheckpoint(root);
    if (!folder) return false;
    const loaded = readCheckpoint(folder);
    const state = loaded.state as {
      step: number;
      position: { epoch: number; batch: number };
      seed: number;
      dataSeed: number;
      batchSize: number;
      optimizer: { type: string; iterations: number };
      objective?: unknown;
      running: RunningSums;
      history: EpochSummary[];
      lastEval?: Record<string, number>;
      modelWeights: Array<{ name: string; shape: number[] }>;
      parameterAssignment?: number[];
      ema?: { updates: number };
    };
    if (state.seed !== this.seed) throw new WavecvError('seed', this.seed, `the seed of the checkpoint being resumed (${state.seed})`);
    if (state.dataSeed !== this.loader.seed) throw new WavecvError('data seed', this.loader.seed, `the data seed of the checkpoint being resumed (${state.dataSeed})`);
    if (state.batchSize !== this.loader.batchSize) throw new WavecvError('batchSize', this.loader.batchSize, `the batch size of the checkpoint being resumed (${state.batchSize})`);
    const take = (name: string): tf.Tensor => {
      const host = loaded.tensors.get(name);
      if (!host) throw new WavecvError('checkpoint', folder, `a tensor named ${name} (checkpoint of another model or objective?)`);
      return tf.tensor(host.data, host.shape, host.dtype);
    };
    const weights = this.model.weights;
    if (state.modelWeights.length !== weights.length) {
      throw new WavecvError('checkpoint', folder, `${weights.length} model weights for this model (it holds ${state.modelWeights.length}: a checkpoint of another model?)`);
    }
    weights.forEach((w, i) => {
      if (!tf.util.arraysEqual(w.shape as number[], state.modelWeights[i].shape)) {
        throw new WavecvError(`checkpoint weight ${i} (${state.modelWeights[i].name})`, state.modelWeights[i].shape, `shape [${w.shape.join(', ')}] of ${w.name} (a checkpoint of another model?)`);
      }
    });
    const assignment = this.parameterAssignment();
    const stored = state.parameterAssignment ?? assignment.map(() => DEFAULT_GROUP);
    if (!tf.util.arraysEqual(stored, assignment)) {
      throw new WavecvError('parameterGroups', JSON.stringify(this.grouping?.summary ?? 'none'), `the parameter groups and frozen variables of the checkpoint being resumed (group per variable: ${JSON.stringify(stored)})`);
    }
    if (this.ema && !state.ema) throw new WavecvError('ema', 'a weight average', `none, as in the checkpoint being resumed (${folder} holds no average)`);
    tf.tidy(() => weights.forEach((w, i) => asVariable(w).assign(take(`model/${i}`))));
    if (this.ema) {
      const averaged = weights.map((_, i) => take(`ema/${i}`));
      try {
        this.ema.setState(state.ema!.updates, averaged);
      } finally {
        tf.dispose(averaged);
      }
    }
    const optimizerTensors: tf.NamedTensorMap = {};
    for (const name of loaded.tensors.keys()) if (name.startsWith('optimizer/')) optimizerTensors[name.slice('optimizer/'.length)] = take(name);
    try {
      this.optimizer.setState({ json: state.optimizer, tensors: optimizerTensors });
    } finally {
      tf.dispose(optimizerTensors);
    }
    const objectiveVariables = this.objective.variables ?? [];
    tf.tidy(() =>
      objectiveVariables.forEach((v, i) => {
        const t = take(`objective/var/${i}`);
        if (!tf.util.arraysEqual(t.shape, v.shape)) throw new WavecvError(`checkpoint objective variable ${i}`, t, `shape [${v.shape.join(', ')}]`);
        v.assign(t);
      }),
    );
    if (this.objective.setState) {
      const tensors: tf.NamedTensorMap = {};
      for (const name of loaded.tensors.keys()) if (name.startsWith('objective/state/')) tensors[name.slice('objective/state/'.length)] = take(name);
      try {
        this.objective.setState({ tensors, json: state.objective });
      } finally {
        tf.dispose(tensors);
      }
    }
    this.stepCount = state.step;
    this.position = { ...state.position };
    this.running = state.running;
    this.history = state.history;
    this.lastEval = state.lastEval;
    this.lastCheckpointDir = folder;
    this.lastLr = this.schedule(Math.max(0, this.stepCount - 1));
    if (this.logPath && existsSync(this.logPath)) {
      // Drop records of steps after the checkpoint: the resumed run writes them again.
      const kept = readFileSync(this.logPath, 'utf8')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .filter((line) => {
          try {
            return (JSON.parse(line) as { step?: number }).step! <= this.stepCount;
          } catch {
            return false;
          }
        });
      writeFileSync(this.logPath, kept.map((l) => l + '\n').join(''));
    }
    this.log({ type: 'resume', step: this.stepCount, epoch: this.position.epoch, batch: this.position.batch, checkpoint: folder });
    return true;
  }

  /** Writes a checkpoint of the current state now (requires `outDir`). */
  async saveCheckpoint(): Promise<string> {
    const root = this.checkpointRoot;
    check(root !== undefined, 'outDir', root, 'a folder to write checkpoints into');
    const tensors: Array<[string, tf.Tensor]> = [];
    this.model.weights.forEach((w, i) => tensors.push([`model/${i}`, w.read()]));
    const optimizerState = this.optimizer.getState();
    for (const [name, t] of Object.entries(optimizerState.tensors)) tensors.push([`optimizer/${name}`, t]);
    (this.objective.variables ?? []).forEach((v, i) => tensors.push([`objective/var/${i}`, v]));
    const objectiveState = this.objective.getState?.();
    for (const [name, t] of Object.entries(objectiveState?.tensors ?? {})) tensors.push([`objective/state/${name}`, t]);
    const emaState = this.ema?.getState();
    emaState?.tensors.forEach((t, i) => tensors.push([`ema/${i}`, t]));
    const state = {
      step: this.stepCount,
      position: this.position,
      seed: this.seed,
      dataSeed: this.loader.seed,
      batchSize: this.loader.batchSize,
      optimizer: optimizerState.json,
      objective: objectiveState?.json,
      running: this.running,
      history: this.history,
      lastEval: this.lastEval,
      modelWeights: this.model.weights.map((w) => ({ name: w.name, shape: w.shape })),
      parameterAssignment: this.grouping?.assignment,
      ema: emaState ? { updates: emaState.updates } : undefined,
      savedAt: new Date().toISOString(),
    };
    const dir = await writeCheckpoint(root, this.stepCount, state, tensors, this.options.checkpoint?.keep ?? 2);
    this.lastCheckpointDir = dir;
    this.log({ type: 'checkpoint', step: this.stepCount, dir });
    return dir;
  }

  private due(spec: { everySteps?: number; everyEpochs?: number } | undefined, epochEnded: boolean, endedEpoch: number): boolean {
    if (!spec) return false;
    const bySteps = spec.everySteps ?? 0;
    const byEpochs = spec.everyEpochs ?? (bySteps > 0 ? 0 : 1);
    if (bySteps > 0 && this.stepCount % bySteps === 0) return true;
    return epochEnded && byEpochs > 0 && (endedEpoch + 1) % byEpochs === 0;
  }

  private async runEvaluation(): Promise<Record<string, number>> {
    const spec = this.options.evaluate!;
    const started = Date.now();
    const evaluated = this.ema?.spec.final ? this.ema.model : this.model;
    const results = await spec.run(evaluated, { step: this.stepCount, epoch: this.position.epoch });
    this.lastEval = results;
    this.log({ type: 'eval', step: this.stepCount, epoch: this.position.epoch, ...results, ms: Date.now() - started });
    this.options.progress?.message(`eval @ step ${this.stepCount}: ${Object.entries(results).map(([k, v]) => `${k} ${formatNumber(v)}`).join(', ')}`);
    return results;
  }

  /**
   * One forward/backward/update on a loaded batch. The step's scalars (loss,
   * metrics, the clipped gradients' norm) are read back together, in one
   * asynchronous transfer after the backward pass and before the update, so a
   * GPU backend is stalled once per step and a non-finite loss still stops
   * the run before the weights change.
   */
  private async trainStep(loaded: LoadedBatch): Promise<StepRecord> {
    const started = Date.now();
    const step = this.stepCount;
    const lr = this.schedule(step);
    this.optimizer.learningRate = lr;
    this.lastLr = lr;
    const context: StepContext = {
      step,
      epoch: loaded.epoch,
      batch: loaded.batch,
      learningRate: lr,
      seed: deriveSeed(this.seed, SEED_STREAMS.objective, step),
    };
    const batch = batchToTensors(loaded.data);
    for (const key of this.inputKeys) {
      if (!batch[key]) {
        tf.dispose(batch);
        throw new WavecvError('inputKeys', key, `a key of the batch (${Object.keys(batch).join(', ')})`);
      }
    }
    const inputs = this.inputKeys.map((k) => batch[k]);
    const modelInput = inputs.length === 1 ? inputs[0] : inputs;
    let metrics: Record<string, tf.Scalar> = {};
    let outputs: tf.Tensor | tf.Tensor[] | undefined;
    const keepOutputs = this.objective.onStepEnd !== undefined;
    let value: tf.Scalar | undefined;
    let grads: Array<tf.Tensor | null> = [];
    let clippedNorm: tf.Scalar | undefined;
    let auxiliaryTensors: tf.Tensor[] = [];
    try {
      if (this.ema?.spec.teacher) context.teacher = this.ema.outputs(modelInput);
      const result = withSeededRandom(deriveSeed(this.seed, SEED_STREAMS.step, step), () =>
        tf.variableGrads(() => {
          const { result: out, terms, kept } = collectAuxiliaryLosses(() => {
            const forward = this.model.apply(modelInput, { training: true }) as tf.Tensor | tf.Tensor[];
            const computed = this.objective.compute(forward, batch, context);
            check(computed.loss instanceof tf.Tensor && computed.loss.rank === 0, 'objective loss', computed.loss, 'a scalar tensor');
            metrics = { ...computed.metrics };
            return { forward, loss: computed.loss };
          });
          auxiliaryTensors = kept;
          if (terms.length > 0) metrics.objective = out.loss;
          for (const term of terms) metrics[`aux/${term.name}`] = term.value;
          for (const m of Object.values(metrics)) tf.keep(m);
          if (keepOutputs) {
            outputs = out.forward;
            for (const t of Array.isArray(out.forward) ? out.forward : [out.forward]) tf.keep(t);
          }
          return withAuxiliaryLosses(out.loss, terms);
        }, this.params),
      );
      value = result.value;
      grads = this.params.map((p) => result.grads[p.name] ?? null);
      if (this.options.clip && (this.options.clip.globalNorm !== undefined || this.options.clip.value !== undefined)) {
        const clipped = clipGradients(grads, this.options.clip);
        tf.dispose(grads.filter((g): g is tf.Tensor => g !== null));
        grads = clipped.grads;
        clippedNorm = clipped.norm;
      }
      const metricNames = Object.keys(metrics);
      const [loss, ...rest] = await readScalars([value, ...metricNames.map((name) => metrics[name]), ...(clippedNorm ? [clippedNorm] : [])]);
      if (!Number.isFinite(loss)) throw new TrainingDivergedError(step + 1, loss, this.lastCheckpointDir);
      const metricValues: Record<string, number> = {};
      metricNames.forEach((name, i) => (metricValues[name] = rest[i]));
      const gradNorm = clippedNorm ? rest[metricNames.length] : undefined;
      this.optimizer.applyGradients(grads);
      this.ema?.update();
      if (this.objective.onStepEnd && outputs) this.objective.onStepEnd(outputs, batch, context);
      return { type: 'train', step: step + 1, epoch: loaded.epoch, batch: loaded.batch, lr, loss, metrics: metricValues, gradNorm, ms: Date.now() - started };
    } finally {
      tf.dispose([...grads.filter((g): g is tf.Tensor => g !== null), ...Object.values(metrics)]);
      if (value) value.dispose();
      if (clippedNorm) clippedNorm.dispose();
      if (outputs) tf.dispose(outputs);
      if (context.teacher) tf.dispose(context.teacher);
      tf.dispose(auxiliaryTensors);
      tf.dispose(batch);
    }
  }

  private closeEpoch(epoch: number, evalResult?: Record<string, number>): void {
    const train: Record<string, number> = {};
    for (const [k, v] of Object.entries(this.running.sums)) train[k] = v / Math.max(1, this.running.count);
    const seconds = this.running.ms / 1000;
    this.history.push({ epoch, step: this.stepCount, steps: this.running.count, train, eval: evalResult, lr: this.lastLr, seconds });
    this.log({ type: 'epoch', step: this.stepCount, epoch, steps: this.running.count, train, eval: evalResult, seconds });
    this.running = { count: 0, sums: {}, ms: 0 };
  }

  /** Trains until `totalSteps` updates have been applied, or the signal aborts. */
  async fit(): Promise<TrainResult> {
    const started = Date.now();
    const o = this.options;
    if (o.outDir) {
      mkdirSync(o.outDir, { recursive: true });
      writeJsonAtomic(join(o.outDir, 'config.json'), this.resolvedConfig());
      if (this.stepCount === 0 && this.logPath) writeFileSync(this.logPath, '');
    }
    const stepsPerEpoch = this.loader.stepsPerEpoch;
    o.progress?.start({ totalSteps: this.totalSteps, startStep: this.stepCount, stepsPerEpoch });
    let stopped: TrainResult['stopped'] = 'completed';
    let lastEvalStep = -1;
    try {
      while (this.stepCount < this.totalSteps && stopped === 'completed') {
        const { epoch, batch: startBatch } = this.position;
        if (startBatch === 0) this.objective.onEpochStart?.(epoch);
        for await (const loaded of this.loader.batches(epoch, startBatch)) {
          const record = await this.trainStep(loaded);
          this.stepCount += 1;
          this.position = { epoch, batch: loaded.batch + 1 };
          this.running.count += 1;
          this.running.ms += record.ms;
          for (const [k, v] of Object.entries({ loss: record.loss, ...record.metrics })) this.running.sums[k] = (this.running.sums[k] ?? 0) + v;
          this.log({ ...record });
          o.onStep?.(record);
          o.progress?.update(this.stepCount, { epoch, loss: record.loss, lr: record.lr, metrics: record.metrics });
          const epochEnded = loaded.batch + 1 === stepsPerEpoch;
          const finished = this.stepCount >= this.totalSteps;
          // Yield to the event loop once per step: a step's promises resolve as
          // microtasks, so without this a signal handler (Ctrl-C → signal.abort())
          // would not run before the whole run ended.
          await new Promise<void>((resolveYield) => setImmediate(resolveYield));
          if (o.signal?.aborted) stopped = 'aborted';
          let evalResult: Record<string, number> | undefined;
          if (o.evaluate && (this.due(o.evaluate, epochEnded, epoch) || (finished && lastEvalStep !== this.stepCount))) {
            evalResult = await this.runEvaluation();
            lastEvalStep = this.stepCount;
          }
          if (epochEnded) {
            this.closeEpoch(epoch, evalResult);
            this.position = { epoch: epoch + 1, batch: 0 };
          } else if (finished) {
            this.closeEpoch(epoch, evalResult);
          }
          if (o.outDir && (this.due(o.checkpoint ?? { everyEpochs: 1 }, epochEnded, epoch) || finished || stopped === 'aborted')) {
            const dir = await this.saveCheckpoint();
            o.progress?.message(`checkpoint @ step ${this.stepCount}: ${dir}`);
          }
          if (finished || stopped === 'aborted') break;
        }
      }
    } finally {
      o.progress?.stop();
    }
    if (this.ema?.spec.final && stopped === 'completed') {
      this.ema.copyIntoSource();
      this.log({ type: 'ema-final', step: this.stepCount, updates: this.ema.updates });
    }
    return {
      steps: this.stepCount,
      epochs: this.history.length,
      history: this.history,
      lastEval: this.lastEval,
      lastCheckpoint: this.lastCheckpointDir,
      stopped,
      seconds: (Date.now() - started) / 1000,
    };
  }

  /** The weight average, when `ema` is set (its model belongs to the caller). */
  get averageModel(): tf.LayersModel | undefined {
    return this.ema?.model;
  }

  /** Group of each trainable model weight and objective variable (-1 default, -2 frozen). */
  private parameterAssignment(): number[] {
    return this.grouping?.assignment ?? [...this.model.trainableWeights, ...(this.objective.variables ?? [])].map(() => DEFAULT_GROUP);
  }

  /**
   * Frees the optimiser's state variables and puts frozen BatchNorm layers
   * back to the usual mode (the model, the average model and the objective
   * stay with their owners).
   */
  dispose(): void {
    this.optimizer.dispose();
    this.restoreBatchNorm?.();
  }
}

/** The layers that declare auxiliary loss terms, with their term names (for config.json). */
function auxiliaryLossLayers(model: tf.LayersModel): Array<{ layer: string; terms: string[] }> | undefined {
  const declared = allLayers(model).flatMap((layer) => {
    const names = (layer as Partial<AuxiliaryLossLayer>).auxiliaryLossNames;
    return Array.isArray(names) ? [{ layer: layer.name, terms: names }] : [];
  });
  return declared.length ? declared : undefined;
}

function formatNumber(v: number): string {
  return Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(3);
}
