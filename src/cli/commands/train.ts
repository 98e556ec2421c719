/**
 * `wavecv train <task>`: training commands, one sub-command per task, all
 * driving the one trainer (src/train/).
 *
 * Adding a task: write `register<Task>(train: Command)` that calls
 * `train.command('<task>')`, applies {@link addTrainerOptions} and reads them
 * back with {@link trainerSettings}; then either add it to
 * {@link TRAIN_SUBCOMMANDS} (one line) or register it from its own command
 * file through {@link trainCommand}, which returns the one `train` command
 * whichever file creates it first.
 *
 * `wavecv train classify`: image classification (src/tasks/classify.ts).
 */
import { Command } from 'commander';
import { check } from '../../errors.js';
import { checkOutputPath } from '../../io/output-path.js';
import { AUGMENTATIONS, trainClassifier, type Augmentation } from '../../tasks/classify.js';
import type { ClipSpec } from '../../train/clip.js';
import type { OptimizerSpec } from '../../train/optimizers.js';
import { SCHEDULE_TYPES, type EpochScheduleSpec } from '../../train/schedules.js';
import { startEngine } from '../engine-option.js';
import { createProgress } from '../progress.js';
import { lossNames } from '../../losses/index.js';
import { withFlagName } from '../flag-names.js';
import { lossOptionParser, modelOptionParser, nonNegative, nonNegativeInteger, parseNumberList, positive, positiveInteger } from '../option-parsers.js';
import { examples } from '../help-examples.js';
import { JSON_HELP, printResult } from '../report.js';
import { addConfigOption, deferRequiredOptions, recordedCommand } from '../run-config.js';

/** Registers one `train` sub-command on the `train` command it is given. */
export type TrainSubcommand = (train: Command) => void;

export const TRAIN_SUBCOMMANDS: TrainSubcommand[] = [registerTrainClassify];

/** The `train` command of `program`, created on first use. */
export function trainCommand(program: Command): Command {
  const existing = program.commands.find((c) => c.name() === 'train');
  // required flags may come from --config: commander's check is deferred to the config merge (src/cli/run-config.ts)
  return existing ?? program.command('train').description('train a model with the wavecv trainer (see `wavecv train <task> --help`)').hook('preSubcommand', (_train, task) => deferRequiredOptions(task));
}

export function registerTrain(program: Command): void {
  const train = trainCommand(program);
  for (const register of TRAIN_SUBCOMMANDS) register(train);
}

/** The trainer options every `train` sub-command shares (flags as written in the help). */
export interface TrainerCliOptions {
  epochs: number;
  batchSize: number;
  optimizer: string;
  lr?: number;
  momentum: number;
  nesterov?: boolean;
  weightDecay: number;
  decoupledWd?: boolean;
  beta1: number;
  beta2: number;
  schedule: string;
  milestones?: string;
  stepEpochs?: number;
  gamma: number;
  power: number;
  minLr: number;
  warmupEpochs: number;
  clipNorm?: number;
  clipValue?: number;
  seed: number;
  out: string;
  resume?: boolean;
  checkpointEvery?: number;
  evalEvery?: number;
  progress: string;
  json?: boolean;
}

/** Per-command defaults of the shared trainer flags. */
export interface TrainerDefaults {
  epochs?: number;
  batchSize?: number;
  optimizer?: string;
  schedule?: string;
  /** `--lr` of SGD when not given (default {@link SGD_LR}). */
  sgdLr?: number;
}

/** Default `--lr` of SGD and of Adam/AdamW. */
export const SGD_LR = 0.05;
export const ADAM_LR = 0.001;

/**
 * Adds the shared trainer flags to a `train` sub-command, and `--config`
 * (src/cli/run-config.ts) for all its flags; `--help` shows the same defaults
 * that {@link trainerSettings} applies.
 */
export function addTrainerOptions(command: Command, defaults: TrainerDefaults = {}): Command {
  return addConfigOption(command)
    .option('--epochs <n>', 'epochs to train', positiveInteger('epochs'), defaults.epochs ?? 10)
    .option('--batch-size <n>', 'images per step', positiveInteger('batch-size'), defaults.batchSize ?? 64)
    .option('--optimizer <name>', 'sgd, adam or adamw', defaults.optimizer ?? 'sgd')
    .option('--lr <rate>', `base learning rate (default: ${defaults.sgdLr ?? SGD_LR} for sgd, ${ADAM_LR} for adam/adamw)`, nonNegative('lr'))
    .option('--momentum <m>', 'SGD momentum', nonNegative('momentum'), 0.9)
    .option('--nesterov', 'SGD with Nesterov momentum')
    .option('--weight-decay <λ>', 'weight decay λ (L2 for sgd/adam unless --decoupled-wd; decoupled for adamw)', nonNegative('weight-decay'), 5e-4)
    .option('--decoupled-wd', 'decoupled (AdamW-style) weight decay for sgd/adam')
    .option('--beta1 <b>', 'Adam β1', nonNegative('beta1'), 0.9)
    .option('--beta2 <b>', 'Adam β2', nonNegative('beta2'), 0.999)
    .option('--schedule <type>', `learning-rate schedule: ${SCHEDULE_TYPES.join(', ')}`, defaults.schedule ?? 'cosine')
    .option('--milestones <epochs>', 'multistep: comma-separated epochs, e.g. 30,60')
    .option('--step-epochs <n>', 'step: epochs between decays', positive('step-epochs'))
    .option('--gamma <g>', 'step/multistep: decay factor', positive('gamma'), 0.1)
    .option('--power <p>', 'poly: exponent', positive('power'), 0.9)
    .option('--min-lr <rate>', 'cosine/poly: final rate', nonNegative('min-lr'), 0)
    .option('--warmup-epochs <n>', 'linear warm-up length in epochs (may be fractional)', nonNegative('warmup-epochs'), 0)
    .option('--clip-norm <c>', 'clip gradients to this global L2 norm', positive('clip-norm'))
    .option('--clip-value <c>', 'clip each gradient element to [-c, c]', positive('clip-value'))
    .option('--seed <n>', 'seed of model initialisation, data order and augmentation', nonNegativeInteger('seed'), 0)
    .requiredOption('--out <dir>', 'run folder (config.json, log.jsonl, checkpoints/, model/, metrics.json, curves)')
    .option('--resume', 'continue the run in --out from its latest checkpoint')
    .option('--checkpoint-every <steps>', 'also checkpoint every this many steps (always: every epoch)', positiveInteger('checkpoint-every'))
    .option('--eval-every <steps>', 'also evaluate every this many steps (always: every epoch)', positiveInteger('eval-every'))
    .option('--progress <mode>', 'auto (bar on a terminal, lines otherwise), bar, lines', 'auto')
    .option('--json', JSON_HELP);
}

/** The run settings every `train` task takes from the shared flags. */
export interface TrainerSettings {
  epochs: number;
  batchSize: number;
  optimizer: OptimizerSpec;
  schedule: EpochScheduleSpec;
  clip?: ClipSpec;
  seed: number;
  out: string;
  resume?: boolean;
  checkpointEverySteps?: number;
  progress: ReturnType<typeof progressFor>;
}

/**
 * The settings the shared flags describe (optimiser, schedule, clipping,
 * epochs, batch, seed, run folder, resume, checkpoints, progress), in the
 * shape every task's options take, so a command spreads them.
 */
export function trainerSettings(o: TrainerCliOptions, defaults: TrainerDefaults = {}): TrainerSettings {
  check(['sgd', 'adam', 'adamw'].includes(o.optimizer), 'optimizer', o.optimizer, 'sgd, adam or adamw');
  check((SCHEDULE_TYPES as readonly string[]).includes(o.schedule), 'schedule', o.schedule, SCHEDULE_TYPES.join(', '));
  check(['auto', 'bar', 'lines'].includes(o.progress), 'progress', o.progress, 'auto, bar or lines');
  const lr = o.lr ?? (o.optimizer === 'sgd' ? (defaults.sgdLr ?? SGD_LR) : ADAM_LR);
  const optimizer: OptimizerSpec =
    o.optimizer === 'sgd'
      ? { type: 'sgd', lr, momentum: o.momentum, nesterov: Boolean(o.nesterov), weightDecay: o.weightDecay, decoupledWeightDecay: Boolean(o.decoupledWd) }
      : { type: o.optimizer as 'adam' | 'adamw', lr, beta1: o.beta1, beta2: o.beta2, weightDecay: o.weightDecay, decoupledWeightDecay: o.optimizer === 'adamw' || Boolean(o.decoupledWd) };
  const milestones = o.milestones === undefined ? undefined : parseNumberList(o.milestones, 'milestones', 0, Number.MAX_SAFE_INTEGER);
  const schedule: EpochScheduleSpec = {
    type: o.schedule as EpochScheduleSpec['type'],
    milestones,
    stepEpochs: o.stepEpochs,
    gamma: o.gamma,
    power: o.power,
    minLr: o.minLr,
    warmupEpochs: o.warmupEpochs,
  };
  const clip = o.clipNorm !== undefined || o.clipValue !== undefined ? { globalNorm: o.clipNorm, value: o.clipValue } : undefined;
  return {
    epochs: o.epochs,
    batchSize: o.batchSize,
    optimizer,
    schedule,
    clip,
    seed: o.seed,
    out: o.out,
    resume: o.resume,
    checkpointEverySteps: o.checkpointEvery,
    progress: progressFor(o.progress),
  };
}

/** The progress display the `--progress` flag asks for. */
export function progressFor(mode: string) {
  return createProgress({ tty: mode === 'auto' ? undefined : mode === 'bar' });
}

/**
 * An AbortSignal raised by the first Ctrl-C (the trainer then checkpoints
 * after the current step and stops); a second Ctrl-C exits at once.
 */
export function interruptSignal(): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const onSigint = (): void => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('\ninterrupted: stopping after this step and writing a checkpoint (Ctrl-C again to quit now)\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  return { signal: controller.signal, release: () => process.off('SIGINT', onSigint) };
}

/**
 * The loss options of a `train` command: shorthand flags (`--margin 0.3`,
 * `--label-smoothing 0.1`) and repeated `--loss-option key=value`, merged; a
 * key given both ways is refused. `flags` maps each key given by a shorthand
 * to that flag, so that errors name the flag the user typed.
 */
export function lossOptionsOf(
  shorthands: Record<string, { flag: string; value: unknown }>,
  keyValues: Record<string, unknown> = {},
): { lossOptions: Record<string, unknown>; flags: Record<string, string> } {
  const lossOptions: Record<string, unknown> = { ...keyValues };
  const flags: Record<string, string> = {};
  for (const [key, { flag, value }] of Object.entries(shorthands)) {
    if (value === undefined) continue;
    check(!(key in keyValues), flag, value, `no --loss-option ${key} as well (give the option once)`);
    lossOptions[key] = value;
    flags[`lossOptions.${key}`] = flag;
  }
  return { lossOptions, flags };
}

interface ClassifyCliOptions extends TrainerCliOptions {
  model: string;
  wavelet?: string;
  bands?: string;
  modelOption?: Record<string, unknown>;
  data: string;
  imageSize?: number;
  augment: string;
  loss: string;
  lossOption?: Record<string, unknown>;
  labelSmoothing?: number;
  trainLimit?: number;
  testLimit?: number;
  evalBatchSize: number;
}

function registerTrainClassify(train: Command): void {
  const command = train
    .command('classify')
    .description('train an image classifier from the model registry on IDX, CIFAR or image-folder data')
    .addHelpText('after', examples('wavecv train classify --model cnn28 --wavelet haar --data fashion-mnist --train-limit 2000 --test-limit 500 --epochs 1 --out runs/cnn28-haar', 'wavecv train classify --model resnet18-cifar --model-option width=16 --wavelet db2 --data fashion-mnist --epochs 2 --batch-size 128 --lr 0.1 --nesterov --out runs/r18-db2 --json'))
    .requiredOption('--model <name>', 'registry model name, e.g. cnn28, resnet18-cifar, resnet18')
    .option('--wavelet <name>', "wavelet of the WaveCNet variant (e.g. haar, db2, bior3.3); 'none' for vanilla")
    .option('--bands <bands>', 'wavelet bands kept when downsampling: low, average, concat')
    .option('--model-option <key=value>', 'further model option, repeatable (e.g. width=16)', modelOptionParser('width=16'))
    .requiredOption('--data <path|alias>', 'fashion-mnist, or a folder of IDX files, CIFAR binaries or class sub-folders of images')
    .option('--image-size <n>', 'image folders: resize images to n×n', positiveInteger('image-size'))
    .option('--augment <list>', `auto, none, or a comma-separated list of ${AUGMENTATIONS.join(', ')}`, 'auto')
    .option('--loss <name>', `classification loss: ${lossNames('classification').join(', ')}`, 'cross-entropy')
    .option('--loss-option <key=value>', 'option of the loss, repeatable (e.g. labelSmoothing=0.1); options the loss does not take are refused', lossOptionParser('labelSmoothing=0.1'))
    .option('--label-smoothing <ε>', 'cross-entropy: label smoothing in [0, 1) (default 0)', nonNegative('label-smoothing'))
    .option('--train-limit <n>', 'train on the first n training images only', positiveInteger('train-limit'))
    .option('--test-limit <n>', 'evaluate on the first n test images only', positiveInteger('test-limit'))
    .option('--eval-batch-size <n>', 'images per evaluation batch', positiveInteger('eval-batch-size'), 256);
  addTrainerOptions(command).action(async (options: ClassifyCliOptions, cmd: Command) => {
    checkOutputPath(options.out, 'folder');
    const engine = await startEngine(cmd.parent!);
    const shared = trainerSettings(options);
    const augment: 'auto' | 'none' | Augmentation[] =
      options.augment === 'auto' || options.augment === 'none' ? options.augment : (options.augment.split(',').map((a) => a.trim()) as Augmentation[]);
    const modelOptions: Record<string, unknown> = { ...options.modelOption };
    if (options.wavelet !== undefined) modelOptions.wavelet = options.wavelet;
    if (options.bands !== undefined) modelOptions.bands = options.bands;
    const { lossOptions, flags } = lossOptionsOf({ labelSmoothing: { flag: '--label-smoothing', value: options.labelSmoothing } }, options.lossOption);
    const interrupt = interruptSignal();
    process.stderr.write(`backend ${engine.backend}; training ${options.model}${options.wavelet ? ` (${options.wavelet})` : ''} on ${options.data} into ${options.out}\n`);
    try {
      const result = await trainClassifier({
        model: options.model,
        modelOptions,
        data: options.data,
        dataOptions: options.imageSize ? { size: options.imageSize } : {},
        ...shared,
        loss: options.loss,
        lossOptions,
        augment,
        trainLimit: options.trainLimit,
        testLimit: options.testLimit,
        evalBatchSize: options.evalBatchSize,
        evalEverySteps: options.evalEvery,
        signal: interrupt.signal,
        renameError: (error) => withFlagName(error, { ...flags, 'dataOptions.size': '--image-size' }),
        command: recordedCommand(cmd),
      });
      const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
      printResult(options.json, result, () =>
        result.stopped === 'completed'
          ? `test top-1 ${pct(result.test.top1)}, top-5 ${pct(result.test.top5)}, loss ${result.test.loss.toFixed(4)} on ${result.test.count} images after ${result.steps} steps ` +
            `(${result.trainSeconds.toFixed(1)} s of training steps, ${result.seconds.toFixed(1)} s this session); wrote ${result.outDir}/{model/,metrics.json,training-curve.png,loss-curve.png,log.jsonl,config.json,checkpoints/}`
          : `stopped at step ${result.steps}; continue with the same command and --resume`,
      );
    } finally {
      interrupt.release();
      // Stopped by Ctrl-C: the checkpoint is written; exit as an interrupted program does.
      if (interrupt.signal.aborted) process.exitCode = 130;
    }
  });
}
