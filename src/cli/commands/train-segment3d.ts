/**
 * `wavecv train segment3d --model waveunet3d --data DIR --out RUN`: 3-D
 * neuron segmentation on cubes with weighted cross-entropy (1, 5), the
 * reference's normalisation and augmentation (src/tasks/segment3d.ts).
 */
import type { Command } from 'commander';
import { trainSegment3d } from '../../tasks/segment3d.js';
import { startEngine } from '../engine-option.js';
import { integerTuple, modelOptionParser, positiveInteger } from '../option-parsers.js';
import { addTrainerOptions, interruptSignal, progressFor, trainCommand, trainerSettings, type TrainerCliOptions } from './train.js';

interface Segment3dCliOptions extends TrainerCliOptions {
  model: string;
  modelOption?: Record<string, unknown>;
  data: string;
  cube: [number, number, number];
  cubesPerVolume: number;
  testLimit?: number;
}

export function registerTrainSegment3d(program: Command): void {
  const command = trainCommand(program)
    .command('segment3d')
    .description('train a 3-D segmentation network (waveunet3d) on cubes of neuron volumes')
    .option('--model <name>', 'registry model name', 'waveunet3d')
    .option('--model-option <key=value>', 'model option, repeatable (variant=wavesnet-v3, width=4, wavelet=haar)', modelOptionParser('variant=wavesnet-v4'))
    .requiredOption('--data <dir>', 'folder with train/ and test/ (images/*.tif, masks/*.tif), e.g. from wavecv generate neurons')
    .option('--cube <d,h,w>', 'training cube size (multiples of 16)', integerTuple('cube', 3, (v) => v > 0 && v % 16 === 0, 'positive multiples of 16', '32,128,128'), [32, 128, 128])
    .option('--cubes-per-volume <n>', 'random cubes drawn from each training volume per epoch', positiveInteger('cubes-per-volume'), 4)
    .option('--test-limit <n>', 'evaluate on the first n test volumes only', positiveInteger('test-limit'));
  addTrainerOptions(command, { epochs: 30, batchSize: 2, schedule: 'poly', sgdLr: 0.1 }).action(async (o: Segment3dCliOptions, cmd: Command) => {
    const engine = await startEngine(cmd.parent!);
    const { optimizer, schedule, clip } = trainerSettings(o, { sgdLr: 0.1 });
    const interrupt = interruptSignal();
    process.stderr.write(`backend ${engine.backend}; training ${o.model} ${JSON.stringify(o.modelOption ?? {})} on ${o.data} into ${o.out}\n`);
    try {
      const result = await trainSegment3d({
        model: o.model,
        modelOptions: o.modelOption,
        data: o.data,
        cube: o.cube,
        cubesPerVolume: o.cubesPerVolume,
        testLimit: o.testLimit,
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
        signal: interrupt.signal,
      });
      process.stdout.write(
        result.stopped === 'completed'
          ? `test voxel Dice ${result.test.meanDice.toFixed(4)} (mean of ${result.test.volumes.length} volumes) after ${result.steps} steps, ${result.seconds.toFixed(0)} s; wrote ${result.outDir}/{model/,metrics.json,log.jsonl,config.json,checkpoints/}\n`
          : `stopped at step ${result.steps}; continue with the same command and --resume\n`,
      );
    } finally {
      interrupt.release();
    }
  });
}
