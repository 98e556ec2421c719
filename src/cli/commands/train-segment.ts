/**
 * `wavecv train segment`: semantic segmentation (src/tasks/segment.ts) of a
 * VOC, CamVid, Cityscapes or `images/` + `masks/` folder with `segnet` or
 * `unet`, vanilla or WaveSNet (`--wavelet`), through the run template: the
 * same run folder, resume, logging and Ctrl-C handling as `train classify`.
 * Defaults follow the reference's recipe at CPU scale: SGD momentum 0.9,
 * weight decay 5e-4, poly schedule (power 0.9), batch 8.
 */
import type { Command } from 'commander';
import { SEGMENT_AUGMENTATIONS, trainSegmenter, type SegmentAugmentation } from '../../tasks/segment.js';
import { startEngine } from '../engine-option.js';
import { withFlagName } from '../flag-names.js';
import { choice, keyValueParser, nonNegative, positiveInteger } from '../option-parsers.js';
import { addTrainerOptions, interruptSignal, progressFor, trainCommand, trainerSettings, type TrainerCliOptions, type TrainerDefaults } from './train.js';

interface SegmentCliOptions extends TrainerCliOptions {
  model: string;
  wavelet?: string;
  modelOption?: Record<string, unknown>;
  data: string;
  imageSize?: number;
  augment: string;
  classWeights: 'none' | 'median-frequency';
  diceWeight: number;
  trainLimit?: number;
  testLimit?: number;
  evalBatchSize: number;
}

const DEFAULTS: TrainerDefaults = { epochs: 10, batchSize: 8, schedule: 'poly', sgdLr: 0.01 };

export function registerTrainSegment(program: Command): void {
  const command = trainCommand(program)
    .command('segment')
    .description('train a segmentation network (segnet, unet; vanilla or WaveSNet) on a VOC, CamVid, Cityscapes or images/+masks/ folder')
    .requiredOption('--model <name>', 'segnet or unet')
    .option('--wavelet <name>', "wavelet of the WaveSNet variant (haar, db2, bior2.2, … any pywt name); 'none' for vanilla")
    .option('--model-option <key=value>', 'further model option, repeatable (e.g. width=16)', keyValueParser('--model-option', 'width=16'))
    .requiredOption('--data <dir>', 'a segmentation folder: VOC, CamVid (SegNet tutorial), Cityscapes, or images/ + masks/ (e.g. from `wavecv generate scenes`)')
    .option('--image-size <n>', 'resize each pair so its shorter side is n and keep the centre n×n', positiveInteger('image-size'))
    .option('--augment <list>', `auto (all), none, or a comma-separated list of ${SEGMENT_AUGMENTATIONS.join(', ')}`, 'auto')
    .option('--class-weights <mode>', 'none or median-frequency (from the training masks)', choice('class-weights', ['none', 'median-frequency'] as const), 'none')
    .option('--dice-weight <w>', 'weight of a soft Dice term added to the cross-entropy', nonNegative('dice-weight'), 0)
    .option('--train-limit <n>', 'train on the first n training pairs only', positiveInteger('train-limit'))
    .option('--test-limit <n>', 'evaluate on the first n evaluation pairs only', positiveInteger('test-limit'))
    .option('--eval-batch-size <n>', 'images per evaluation batch', positiveInteger('eval-batch-size'), 16);
  addTrainerOptions(command, DEFAULTS).action(async (options: SegmentCliOptions, cmd: Command) => {
    const engine = await startEngine(cmd.parent!);
    const { optimizer, schedule, clip } = trainerSettings(options, DEFAULTS);
    const augment: 'auto' | 'none' | SegmentAugmentation[] =
      options.augment === 'auto' || options.augment === 'none' ? options.augment : (options.augment.split(',').map((a) => a.trim()) as SegmentAugmentation[]);
    const modelOptions: Record<string, unknown> = { ...options.modelOption };
    if (options.wavelet !== undefined) modelOptions.wavelet = options.wavelet;
    const interrupt = interruptSignal();
    process.stderr.write(`backend ${engine.backend}; training ${options.model}${options.wavelet ? ` (${options.wavelet})` : ''} on ${options.data} into ${options.out}\n`);
    try {
      const outcome = await trainSegmenter({
        model: options.model,
        modelOptions,
        data: options.data,
        dataOptions: options.imageSize ? { size: options.imageSize } : {},
        classWeights: options.classWeights,
        diceWeight: options.diceWeight,
        augment,
        epochs: options.epochs,
        batchSize: options.batchSize,
        optimizer,
        schedule,
        clip,
        seed: options.seed,
        out: options.out,
        resume: options.resume,
        trainLimit: options.trainLimit,
        testLimit: options.testLimit,
        evalBatchSize: options.evalBatchSize,
        evalEverySteps: options.evalEvery,
        checkpointEverySteps: options.checkpointEvery,
        progress: progressFor(options.progress),
        signal: interrupt.signal,
        renameError: (error) => withFlagName(error, { 'dataOptions.size': '--image-size', classWeights: '--class-weights', diceWeight: '--dice-weight' }),
      });
      const t = outcome.result.test;
      const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
      process.stdout.write(
        outcome.stopped === 'completed'
          ? `test mIoU ${pct(t.mIoU)}, pixel accuracy ${pct(t.pixelAccuracy)}, boundary F1 ${pct(t.boundaryF1)} on ${outcome.result.testSize} images after ${outcome.steps} steps ` +
              `(${outcome.trainSeconds.toFixed(1)} s of training steps); wrote ${outcome.outDir}/{model/,metrics.json,training-curve.png,loss-curve.png,log.jsonl,config.json,checkpoints/}\n`
          : `stopped at step ${outcome.steps}; continue with the same command and --resume\n`,
      );
    } finally {
      interrupt.release();
      if (interrupt.signal.aborted) process.exitCode = 130;
    }
  });
}
