/**
 * `wavecv train segment3d --model waveunet3d --data DIR --out RUN`: 3-D
 * neuron segmentation on cubes through the run template (the same run
 * folder, resume, logging and Ctrl-C handling as the other `train`
 * commands), with a segmentation loss of the registry (default: weighted
 * cross-entropy (1, 5)), the reference's normalisation and augmentation
 * (src/tasks/segment3d.ts).
 */
import type { Command } from 'commander';
import { trainSegment3d } from '../../tasks/segment3d.js';
import { startEngine } from '../engine-option.js';
import { lossNames } from '../../losses/registry.js';
import { withFlagName } from '../flag-names.js';
import { integerTuple, lossOptionParser, modelOptionParser, positiveInteger } from '../option-parsers.js';
import { addTrainerOptions, interruptSignal, trainCommand, trainerSettings, type TrainerCliOptions } from './train.js';
import { examples } from '../help-examples.js';
import { printResult } from '../report.js';
import { recordedCommand } from '../run-config.js';

interface Segment3dCliOptions extends TrainerCliOptions {
  model: string;
  modelOption?: Record<string, unknown>;
  data: string;
  cube: [number, number, number];
  cubesPerVolume: number;
  testLimit?: number;
  loss: string;
  lossOption?: Record<string, unknown>;
}

export function registerTrainSegment3d(program: Command): void {
  const command = trainCommand(program)
    .command('segment3d')
    .description('train a 3-D segmentation network (waveunet3d) on cubes of neuron volumes')
    .addHelpText('after', examples('wavecv generate neurons --out data-generated/neurons --train 8 --test 4 --noise low --seed 1', 'wavecv train segment3d --data data-generated/neurons --model-option variant=wavesnet-v3 --cube 16,64,64 --epochs 2 --cubes-per-volume 4 --batch-size 2 --out runs/neuron-v3'))
    .option('--model <name>', 'registry model name', 'waveunet3d')
    .option('--model-option <key=value>', 'model option, repeatable (variant=wavesnet-v3, width=4, wavelet=haar)', modelOptionParser('variant=wavesnet-v4'))
    .requiredOption('--data <dir>', 'folder with train/ and test/ (images/*.tif, masks/*.tif), e.g. from wavecv generate neurons')
    .option('--cube <d,h,w>', 'training cube size (multiples of 16)', integerTuple('cube', 3, (v) => v > 0 && v % 16 === 0, 'positive multiples of 16', '32,128,128'), [32, 128, 128])
    .option('--cubes-per-volume <n>', 'random cubes drawn from each training volume per epoch', positiveInteger('cubes-per-volume'), 4)
    .option('--test-limit <n>', 'evaluate on the first n test volumes only', positiveInteger('test-limit'))
    .option('--loss <name>', `segmentation loss: ${lossNames('segmentation').join(', ')}`, 'cross-entropy')
    .option('--loss-option <key=value>', 'option of the loss, repeatable (cross-entropy: classWeights=[1,5] (default), diceWeight=0.5; dice: smooth=1); options the loss does not take are refused', lossOptionParser('diceWeight=0.5'));
  addTrainerOptions(command, { epochs: 30, batchSize: 2, schedule: 'poly', sgdLr: 0.1 }).action(async (o: Segment3dCliOptions, cmd: Command) => {
    const engine = await startEngine(cmd.parent!);
    const shared = trainerSettings(o, { sgdLr: 0.1 });
    const interrupt = interruptSignal();
    process.stderr.write(`backend ${engine.backend}; training ${o.model} ${JSON.stringify(o.modelOption ?? {})} on ${o.data} into ${o.out}\n`);
    try {
      const outcome = await trainSegment3d({
        model: o.model,
        modelOptions: o.modelOption,
        data: o.data,
        cube: o.cube,
        cubesPerVolume: o.cubesPerVolume,
        testLimit: o.testLimit,
        loss: o.loss,
        lossOptions: o.lossOption,
        ...shared,
        signal: interrupt.signal,
        renameError: (error) => withFlagName(error, { cube: '--cube', cubesPerVolume: '--cubes-per-volume' }),
        command: recordedCommand(cmd),
      });
      const test = outcome.result.test;
      printResult(o.json, outcome, () =>
        outcome.stopped === 'completed'
          ? `test voxel Dice ${test.meanDice.toFixed(4)} (mean of ${test.volumes.length} volumes) after ${outcome.steps} steps, ${outcome.seconds.toFixed(0)} s; wrote ${outcome.outDir}/{model/,metrics.json,loss-curve.png,log.jsonl,config.json,checkpoints/}`
          : `stopped at step ${outcome.steps}; continue with the same command and --resume`,
      );
    } finally {
      interrupt.release();
      if (interrupt.signal.aborted) process.exitCode = 130;
    }
  });
}
