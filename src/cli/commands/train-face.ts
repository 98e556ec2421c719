/**
 * `wavecv train face`: trains a face-embedding backbone with a face loss
 * (src/tasks/face.ts). Registered on the shared `train` command group through
 * {@link trainCommand}.
 *
 *     wavecv train face --backbone iresnet18 --loss uss --data faces/ --out runs/r18-uss
 *     wavecv train face --backbone iresnet-tiny --loss epl --data fashion-mnist \
 *       --classes 0-6 --open-set 7-9 --per-class 500 --epochs 4 --out runs/fm-epl
 */
import type { Command } from 'commander';
import { lossNames } from '../../losses/index.js';
import { trainFace } from '../../tasks/face.js';
import { startEngine } from '../engine-option.js';
import { withFlagName } from '../flag-names.js';
import { alignMode, lossOptionParser, modelOptionParser, nonNegative, nonNegativeInteger, parseIntegerList, positiveInteger } from '../option-parsers.js';
import { addTrainerOptions, interruptSignal, lossOptionsOf, trainCommand, trainerSettings, type TrainerCliOptions, type TrainerDefaults } from './train.js';
import { examples } from '../help-examples.js';
import { printResult } from '../report.js';
import { recordedCommand } from '../run-config.js';

interface TrainFaceCliOptions extends TrainerCliOptions {
  backbone: string;
  modelOption?: Record<string, unknown>;
  loss: string;
  lossOption?: Record<string, unknown>;
  scale?: number;
  margin?: number;
  lambda?: number;
  k?: number;
  startEpoch?: number;
  data: string;
  size: number;
  align: 'none' | 'detect';
  classes?: string;
  perClass?: number;
  openSet?: string;
  pairs: number;
  pairSeed: number;
  flip?: boolean;
  ecloss?: string;
  eclossWeight: number;
  evalBatchSize: number;
}

/** Trainer defaults of `train face`: SGD at lr 0.1, the SZU group's face-training rate. */
const FACE_TRAINER_DEFAULTS: TrainerDefaults = { epochs: 10, batchSize: 64, schedule: 'cosine', sgdLr: 0.1 };

export function registerTrainFace(program: Command): void {
  const command = trainCommand(program)
    .command('face')
    .description('train a face-embedding backbone with a face loss (softmax, CosFace, ArcFace, BCE, UCE, USS, EPL; optional ECLoss)')
    .addHelpText('after', examples('wavecv train face --backbone iresnet-tiny --loss epl --data fashion-mnist --classes 0-6 --open-set 7-9 --per-class 500 --epochs 4 --out runs/fm-epl', { note: 'identity folders (one folder of aligned face crops per person)', run: 'wavecv train face --backbone iresnet18 --loss uss --data faces/ --out runs/r18-uss --json' }))
    .requiredOption('--backbone <name>', 'registry backbone: iresnet18|34|50|100, lresnet50e-ir, …, iresnet-tiny, mobilefacenet')
    .option('--model-option <key=value>', 'further backbone option, repeatable (e.g. embeddingSize=128, widths=[16,32])', modelOptionParser('embeddingSize=128'))
    .requiredOption('--loss <name>', `face loss: ${lossNames('face').join(', ')}`)
    .option('--loss-option <key=value>', 'option of the loss, repeatable (scale, margin, lambda, k, startEpoch — each loss takes its own; others are refused)', lossOptionParser('margin=0.35'))
    .option('--scale <s>', 'scale s / γ of the head (default 64)', nonNegative('scale'))
    .option('--margin <m>', "margin of the head (default: the method's own)", nonNegative('margin'))
    .option('--lambda <λ>', 'UCE/BCE: weight of the negatives (default 1)', nonNegative('lambda'))
    .option('--k <k>', 'EPL: adaptive-margin factor (default 0.7)', nonNegative('k'))
    .option('--start-epoch <e>', 'EPL: first 0-based epoch of the empirical term (default 3); USS: of the sample-to-sample term (default 1)', nonNegativeInteger('start-epoch'))
    .requiredOption('--data <path|alias>', 'identity folders (one sub-folder of face images per person), mnist, fashion-mnist, or a classification folder')
    .option('--size <n>', 'identity folders: crop size', positiveInteger('size'), 112)
    .option('--align <mode>', "identity folders: 'none' (aligned crops) or 'detect' (detect faces and align to the ArcFace template)", alignMode, 'none')
    .option('--classes <list>', 'train on these class indices only, e.g. 0-6')
    .option('--per-class <n>', 'at most n training images per class', positiveInteger('per-class'))
    .option('--open-set <list>', 'after training, verify on seeded pairs of these held-out classes of the test split, e.g. 7-9')
    .option('--pairs <n>', 'open-set pairs (multiple of 20)', positiveInteger('pairs'), 6000)
    .option('--pair-seed <n>', 'seed of the open-set pairs', nonNegativeInteger('pair-seed'), 0)
    .option('--flip', 'random horizontal flips and flip-test embeddings (default: on for RGB data)')
    .option('--no-flip', 'no flips')
    .option('--ecloss <layer>', 'add ECLoss on this layer (e.g. stage3)')
    .option('--ecloss-weight <w>', 'weight of ECLoss', nonNegative('ecloss-weight'), 0.1)
    .option('--eval-batch-size <n>', 'images per embedding batch', positiveInteger('eval-batch-size'), 256);
  addTrainerOptions(command, FACE_TRAINER_DEFAULTS).action(async (options: TrainFaceCliOptions, cmd: Command) => {
    const engine = await startEngine(cmd.parent!);
    const shared = trainerSettings(options, FACE_TRAINER_DEFAULTS);
    const classes = options.classes !== undefined ? parseIntegerList(options.classes, 'classes', 0, 1_000_000) : undefined;
    const openSet = options.openSet !== undefined ? { classes: parseIntegerList(options.openSet, 'open-set', 0, 1_000_000), pairs: options.pairs, seed: options.pairSeed } : undefined;
    const { lossOptions, flags } = lossOptionsOf(
      {
        scale: { flag: '--scale', value: options.scale },
        margin: { flag: '--margin', value: options.margin },
        lambda: { flag: '--lambda', value: options.lambda },
        k: { flag: '--k', value: options.k },
        startEpoch: { flag: '--start-epoch', value: options.startEpoch },
      },
      options.lossOption,
    );
    const interrupt = interruptSignal();
    process.stderr.write(`backend ${engine.backend}; training ${options.backbone} with ${options.loss} on ${options.data} into ${options.out}\n`);
    try {
      const result = await trainFace({
        backbone: options.backbone,
        modelOptions: options.modelOption,
        loss: options.loss,
        lossOptions,
        data: options.data,
        dataOptions: { size: options.size, align: options.align },
        classes,
        perClass: options.perClass,
        openSet,
        flip: options.flip,
        ecloss: options.ecloss ? { layer: options.ecloss, weight: options.eclossWeight } : undefined,
        ...shared,
        evalBatchSize: options.evalBatchSize,
        signal: interrupt.signal,
        renameError: (error) => withFlagName(error, { ...flags, 'dataOptions.size': '--size', 'dataOptions.align': '--align' }),
        command: recordedCommand(cmd),
      });
      if (result.stopped !== 'completed') {
        printResult(options.json, result, () => `stopped at step ${result.steps}; continue with the same command and --resume`);
        return;
      }
      const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
      const lines = [`trained ${result.steps} steps (${result.trainSeconds.toFixed(1)} s); learned threshold ${result.threshold === null ? 'none (loss without a unified bias)' : result.threshold.toFixed(4)}`];
      if (result.closedSet) {
        const c = result.closedSet;
        lines.push(`closed set (${c.samples} test images): sample-wise ${pct(c.sampleWiseAccuracy)}, uniform ${pct(c.uniformAccuracy)} at t* = ${c.bestThreshold.toFixed(4)}`);
      }
      if (result.openSet) {
        const o = result.openSet;
        lines.push(
          `open set (${o.pairs} pairs of ${o.classes.join(', ')}): 10-fold ${pct(o.accuracy.mean)} ± ${pct(o.accuracy.std)}, ` +
            [...o.tarAtFar.filter((t) => t.resolvable).map((t) => `TAR@FAR=${t.far.toExponential(0)} ${pct(t.tar)}`), `VAL@FAR=${o.valAtFar.farTarget.toExponential(0)} ${pct(o.valAtFar.val.mean)}`].join(', '),
        );
      }
      lines.push(`wrote ${result.outDir}/{model/,metrics.json,training-curve.png${result.openSet ? ',roc.png' : ''},log.jsonl,config.json,checkpoints/}`);
      printResult(options.json, result, () => lines.join('\n'));
    } finally {
      interrupt.release();
      // Stopped by Ctrl-C: the checkpoint is written; exit as an interrupted program does.
      if (interrupt.signal.aborted) process.exitCode = 130;
    }
  });
}
