/**
 * `wavecv train forgery`: a face-forgery detector (src/tasks/forgery.ts) —
 * `dtn` with its switches (`--no-moe`, `--no-levt`, `--no-mas`, and the
 * training switch `--dsd`), the CNN baseline `xception-small` or the plain
 * ViT `vit-tiny` — on real/fake folders or a FaceForensics++ frame tree,
 * through the run template (run folder, resume, logging, Ctrl-C). Defaults:
 * AdamW (lr 1e-3 unless `--lr`), cosine schedule, batch 16, input 128 px,
 * 8 frames per video.
 */
import type { Command } from 'commander';
import { trainForgery } from '../../tasks/forgery.js';
import { startEngine } from '../engine-option.js';
import { withFlagName } from '../flag-names.js';
import { keyValueParser, nonNegative, positive, positiveInteger } from '../option-parsers.js';
import { addTrainerOptions, interruptSignal, trainCommand, trainerSettings, type TrainerCliOptions, type TrainerDefaults } from './train.js';
import { examples } from '../help-examples.js';
import { printResult } from '../report.js';
import { recordedCommand } from '../run-config.js';

interface ForgeryCliOptions extends TrainerCliOptions {
  model: string;
  modelOption?: Record<string, unknown>;
  moe: boolean;
  levt: boolean;
  mas: boolean;
  experts?: number;
  topK?: number;
  dsd?: boolean;
  dsdTemperature?: number;
  dsdWeight?: number;
  emaDecay?: number;
  data: string;
  imageSize: number;
  framesPerVideo: number;
  flip: boolean;
  trainLimit?: number;
  testLimit?: number;
  evalBatchSize: number;
}

const DEFAULTS: TrainerDefaults = { epochs: 10, batchSize: 16, optimizer: 'adamw', schedule: 'cosine' };

export function registerTrainForgery(program: Command): void {
  const command = trainCommand(program)
    .command('forgery')
    .description('train a face-forgery detector (dtn with its MoE/LEVT/MAS/DSD switches, xception-small, vit-tiny) on real/fake folders or FaceForensics++ frames')
    .addHelpText('after', examples('wavecv generate forgeries --faces node_modules/@vladmandic/face-api/demo --out data-generated/forgeries --variants 2', 'wavecv train forgery --model xception-small --data data-generated/forgeries --epochs 2 --out runs/xception-sbi --json'))
    .option('--model <name>', 'dtn, xception-small, vit-tiny, vit-small', 'dtn')
    .option('--model-option <key=value>', 'further model option, repeatable (e.g. depth=6, width=0.5)', keyValueParser('--model-option', 'depth=6'))
    .option('--no-moe', 'dtn: one 3×3 convolution instead of the mixture of experts')
    .option('--no-levt', 'dtn: plain MLP instead of the locally-enhanced feed-forward')
    .option('--no-mas', 'dtn: attention without multi-attention scaling')
    .option('--experts <n>', 'dtn: MoE experts', positiveInteger('experts'))
    .option('--top-k <k>', 'dtn: experts per token', positiveInteger('top-k'))
    .option('--dsd', 'deepfake self-distillation from the EMA teacher')
    .option('--dsd-temperature <T>', 'DSD temperature (default 2)', positive('dsd-temperature'))
    .option('--dsd-weight <α>', 'DSD weight of the soft-label term in [0, 1] (default 0.5)', nonNegative('dsd-weight'))
    .option('--ema-decay <d>', "decay of the teacher's weight average (default 0.99)", nonNegative('ema-decay'))
    .requiredOption('--data <dir>', 'forgery data: DIR/{real,fake}/… (optionally under train/ and test/) or a FaceForensics++ tree')
    .option('--image-size <n>', 'frames resized to n×n (a multiple of 16 for dtn, 32 for xception-small)', positiveInteger('image-size'), 128)
    .option('--frames-per-video <n>', 'frames kept per video, evenly spread', positiveInteger('frames-per-video'), 8)
    .option('--no-flip', 'no horizontal flips')
    .option('--train-limit <n>', 'train on the first n frames only', positiveInteger('train-limit'))
    .option('--test-limit <n>', 'evaluate on the first n frames only', positiveInteger('test-limit'))
    .option('--eval-batch-size <n>', 'frames per evaluation batch', positiveInteger('eval-batch-size'), 32);
  addTrainerOptions(command, DEFAULTS).action(async (o: ForgeryCliOptions, cmd: Command) => {
    const engine = await startEngine(cmd.parent!);
    const shared = trainerSettings(o, DEFAULTS);
    const modelOptions: Record<string, unknown> = { ...o.modelOption };
    if (o.model === 'dtn') {
      if (!o.moe) modelOptions.moe = false;
      if (!o.levt) modelOptions.levt = false;
      if (!o.mas) modelOptions.mas = false;
    }
    if (o.experts !== undefined) modelOptions.experts = o.experts;
    if (o.topK !== undefined) modelOptions.topK = o.topK;
    const interrupt = interruptSignal();
    process.stderr.write(`backend ${engine.backend}; training ${o.model}${o.dsd ? ' with DSD' : ''} on ${o.data} into ${o.out}\n`);
    try {
      const outcome = await trainForgery({
        model: o.model,
        modelOptions,
        data: o.data,
        dataOptions: { size: o.imageSize, framesPerVideo: o.framesPerVideo },
        dsd: o.dsd,
        dsdTemperature: o.dsdTemperature,
        dsdWeight: o.dsdWeight,
        emaDecay: o.emaDecay,
        flip: o.flip,
        ...shared,
        trainLimit: o.trainLimit,
        testLimit: o.testLimit,
        evalBatchSize: o.evalBatchSize,
        evalEverySteps: o.evalEvery,
        signal: interrupt.signal,
        renameError: (error) =>
          withFlagName(error, {
            'dataOptions.size': '--image-size',
            'modelOptions.inputSize': '--image-size',
            inputSize: '--image-size',
            'modelOptions.experts': '--experts',
            experts: '--experts',
            topK: '--top-k',
            'dataOptions.framesPerVideo': '--frames-per-video',
            framesPerVideo: '--frames-per-video',
            dsdTemperature: '--dsd-temperature',
            dsdWeight: '--dsd-weight',
            emaDecay: '--ema-decay',
            'lossOptions.temperature': '--dsd-temperature',
            'lossOptions.weight': '--dsd-weight',
          }),
        command: recordedCommand(cmd),
      });
      const t = outcome.result;
      const f = (v: number) => v.toFixed(4);
      printResult(o.json, outcome, () =>
        outcome.stopped === 'completed'
          ? `frame AUC ${f(t.frame.auc)}, EER ${f(t.frame.eer)}, AP ${f(t.frame.ap)}, accuracy ${f(t.frame.accuracy)} on ${t.frames} frames; video AUC ${f(t.video.auc)} on ${t.video.videos} videos, after ${outcome.steps} steps ` +
            `(${outcome.trainSeconds.toFixed(1)} s of training steps); wrote ${outcome.outDir}/{model/,metrics.json,roc.png,loss-curve.png,auc-curve.png,log.jsonl,config.json,checkpoints/}`
          : `stopped at step ${outcome.steps}; continue with the same command and --resume`,
      );
    } finally {
      interrupt.release();
      if (interrupt.signal.aborted) process.exitCode = 130;
    }
  });
}
