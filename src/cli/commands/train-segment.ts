/**
 * `wavecv train segment`: semantic segmentation (src/tasks/segment.ts) of a
 * VOC, CamVid, Cityscapes or `images/` + `masks/` folder with `segnet` or
 * `unet`, vanilla or WaveSNet (`--wavelet`), through the run template: the
 * same run folder, resume, logging and Ctrl-C handling as `train classify`.
 * Defaults follow the reference's recipe at CPU scale: SGD momentum 0.9,
 * weight decay 5e-4, poly schedule (power 0.9), batch 8, DeepLab's head at
 * 10× the learning rate. The loss is a `segmentation` loss of the registry
 * (`--loss`, `--loss-option k=v`; `--class-weights` and `--dice-weight` are
 * shorthands for the cross-entropy's options).
 */
import type { Command } from 'commander';
import { SEGMENT_AUGMENTATIONS, trainSegmenter, type SegmentAugmentation } from '../../tasks/segment.js';
import { startEngine } from '../engine-option.js';
import { withFlagName } from '../flag-names.js';
import { lossNames } from '../../losses/registry.js';
import { choice, keyValueParser, lossOptionParser, nonNegative, positiveInteger } from '../option-parsers.js';
import { addTrainerOptions, interruptSignal, lossOptionsOf, trainCommand, trainerSettings, type TrainerCliOptions, type TrainerDefaults } from './train.js';
import { examples } from '../help-examples.js';
import { printResult } from '../report.js';
import { recordedCommand } from '../run-config.js';

interface SegmentCliOptions extends TrainerCliOptions {
  model: string;
  wavelet?: string;
  modelOption?: Record<string, unknown>;
  data: string;
  imageSize?: number;
  augment: string;
  loss: string;
  lossOption?: Record<string, unknown>;
  classWeights?: 'none' | 'median-frequency';
  diceWeight?: number;
  headLrMultiplier?: number;
  trainLimit?: number;
  testLimit?: number;
  evalBatchSize: number;
}

const DEFAULTS: TrainerDefaults = { epochs: 10, batchSize: 8, schedule: 'poly', sgdLr: 0.01 };

export function registerTrainSegment(program: Command): void {
  const command = trainCommand(program)
    .command('segment')
    .description('train a segmentation network (segnet, unet; vanilla or WaveSNet) on a VOC, CamVid, Cityscapes or images/+masks/ folder')
    .addHelpText('after', examples('wavecv generate anatomy --out data-generated/anatomy', 'wavecv train segment --model unet --wavelet haar --model-option width=8 --data data-generated/anatomy --epochs 15 --batch-size 8 --lr 0.05 --out runs/anatomy-unet-haar'))
    .requiredOption('--model <name>', 'segnet or unet')
    .option('--wavelet <name>', "wavelet of the WaveSNet variant (haar, db2, bior2.2, … any pywt name); 'none' for vanilla")
    .option('--model-option <key=value>', 'further model option, repeatable (e.g. width=16)', keyValueParser('--model-option', 'width=16'))
    .requiredOption('--data <dir>', 'a segmentation folder: VOC, CamVid (SegNet tutorial), Cityscapes, or images/ + masks/ (e.g. from `wavecv generate scenes`)')
    .option('--image-size <n>', 'resize each pair so its shorter side is n and keep the centre n×n', positiveInteger('image-size'))
    .option('--augment <list>', `auto (all), none, or a comma-separated list of ${SEGMENT_AUGMENTATIONS.join(', ')}`, 'auto')
    .option('--loss <name>', `segmentation loss: ${lossNames('segmentation').join(', ')}`, 'cross-entropy')
    .option('--loss-option <key=value>', 'option of the loss, repeatable (cross-entropy: classWeights, diceWeight; dice: smooth); options the loss does not take are refused', lossOptionParser('diceWeight=0.5'))
    .option('--class-weights <mode>', 'cross-entropy: none (default) or median-frequency (from the training masks)', choice('class-weights', ['none', 'median-frequency'] as const))
    .option('--dice-weight <w>', 'cross-entropy: weight of a soft Dice term added (default 0)', nonNegative('dice-weight'))
    .option('--head-lr-multiplier <m>', "learning rate of the model's head (DeepLab's ASPP + decoder) relative to --lr (default 10 for deeplabv3plus, as the reference; 1 for models without a head)", nonNegative('head-lr-multiplier'))
    .option('--train-limit <n>', 'train on the first n training pairs only', positiveInteger('train-limit'))
    .option('--test-limit <n>', 'evaluate on the first n evaluation pairs only', positiveInteger('test-limit'))
    .option('--eval-batch-size <n>', 'images per evaluation batch', positiveInteger('eval-batch-size'), 16);
  addTrainerOptions(command, DEFAULTS).action(async (options: SegmentCliOptions, cmd: Command) => {
    const engine = await startEngine(cmd.parent!);
    const shared = trainerSettings(options, DEFAULTS);
    const augment: 'auto' | 'none' | SegmentAugmentation[] =
      options.augment === 'auto' || options.augment === 'none' ? options.augment : (options.augment.split(',').map((a) => a.trim()) as SegmentAugmentation[]);
    const modelOptions: Record<string, unknown> = { ...options.modelOption };
    if (options.wavelet !== undefined) modelOptions.wavelet = options.wavelet;
    const { lossOptions, flags } = lossOptionsOf(
      { classWeights: { flag: '--class-weights', value: options.classWeights }, diceWeight: { flag: '--dice-weight', value: options.diceWeight } },
      options.lossOption,
    );
    const interrupt = interruptSignal();
    process.stderr.write(`backend ${engine.backend}; training ${options.model}${options.wavelet ? ` (${options.wavelet})` : ''} on ${options.data} into ${options.out}\n`);
    try {
      const outcome = await trainSegmenter({
        model: options.model,
        modelOptions,
        data: options.data,
        dataOptions: options.imageSize ? { size: options.imageSize } : {},
        loss: options.loss,
        lossOptions,
        headLrMultiplier: options.headLrMultiplier,
        augment,
        ...shared,
        trainLimit: options.trainLimit,
        testLimit: options.testLimit,
        evalBatchSize: options.evalBatchSize,
        evalEverySteps: options.evalEvery,
        signal: interrupt.signal,
        renameError: (error) => withFlagName(error, { ...flags, 'dataOptions.size': '--image-size', headLrMultiplier: '--head-lr-multiplier' }),
        command: recordedCommand(cmd),
      });
      const t = outcome.result.test;
      const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
      printResult(options.json, outcome, () =>
        outcome.stopped === 'completed'
          ? `test mIoU ${pct(t.mIoU)}, pixel accuracy ${pct(t.pixelAccuracy)}, boundary F1 ${pct(t.boundaryF1)} on ${outcome.result.testSize} images after ${outcome.steps} steps ` +
            `(${outcome.trainSeconds.toFixed(1)} s of training steps); wrote ${outcome.outDir}/{model/,metrics.json,training-curve.png,loss-curve.png,log.jsonl,config.json,checkpoints/}`
          : `stopped at step ${outcome.steps}; continue with the same command and --resume`,
      );
    } finally {
      interrupt.release();
      if (interrupt.signal.aborted) process.exitCode = 130;
    }
  });
}
