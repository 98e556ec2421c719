/**
 * `wavecv eval forgery --model RUN --data DATA [--json]`: frame-level and
 * video-level (mean of a video's frame scores) AUC, EER, AP and accuracy at
 * 0.5 (src/metrics/binary.ts) of a `wavecv train forgery` detector on forgery
 * data (src/tasks/forgery.ts), and the ROC figure of both levels as a PNG.
 * Frames are resized to the model's input size. Registered in the `eval`
 * group's list (src/cli/commands/eval.ts).
 */
import type { Command } from 'commander';
import { openForgeryData } from '../../data/readers.js';
import { check } from '../../errors.js';
import { writeFigure } from '../../plot/vega.js';
import { checkOutputPath } from '../../io/output-path.js';
import { evaluateForgery, forgeryRocSpec } from '../../tasks/forgery.js';
import { loadRunModel } from '../../train/run-folder.js';
import { startEngine } from '../engine-option.js';
import { choice, positiveInteger } from '../option-parsers.js';
import { examples } from '../help-examples.js';

interface EvalForgeryCliOptions {
  model: string;
  data: string;
  split: 'auto' | 'test' | 'train';
  framesPerVideo: number;
  batchSize: number;
  out: string;
  json?: boolean;
}

export function registerEvalForgery(evalCommand: Command): void {
  evalCommand
    .command('forgery')
    .description('frame- and video-level AUC, EER, AP and accuracy of a `wavecv train forgery` detector, with the ROC figure')
    .addHelpText('after', examples({ note: 'a detector of wavecv train forgery on the set of wavecv generate forgeries', run: 'wavecv eval forgery --model runs/dtn-sbi --data data-generated/forgeries --out runs/dtn-sbi/roc-eval.png --json' }))
    .requiredOption('--model <dir>', 'a `wavecv train forgery` run folder or its model/ folder')
    .requiredOption('--data <dir>', 'forgery data: DIR/{real,fake}/… (optionally under train/ and test/) or a FaceForensics++ tree')
    .option('--split <name>', 'auto (the test split when there is one, else every frame), test or train', choice('split', ['auto', 'test', 'train'] as const), 'auto')
    .option('--frames-per-video <n>', 'frames kept per video, evenly spread', positiveInteger('frames-per-video'), 32)
    .option('--batch-size <n>', 'frames per forward pass', positiveInteger('batch-size'), 32)
    .option('--out <file>', 'ROC figure (PNG) to write', 'roc.png')
    .option('--json', 'print one JSON object')
    .action(async (o: EvalForgeryCliOptions, command: Command) => {
      checkOutputPath(o.out, 'file');
      await startEngine(command.parent!);
      const { model, metadata } = await loadRunModel(o.model, 'forgery');
      try {
        const size = metadata.preprocessing.inputShape[0];
        const data = await openForgeryData(o.data, { size, framesPerVideo: o.framesPerVideo });
        check(o.split !== 'test' || data.test !== undefined, '--split', o.split, `auto or train (${o.data} has no test split)`);
        const dataset = o.split === 'train' || data.test === undefined ? data.train : data.test;
        const started = Date.now();
        const e = await evaluateForgery(model, dataset, dataset.videos, { normalization: metadata.preprocessing.normalization, batchSize: o.batchSize });
        await writeFigure(o.out, forgeryRocSpec(e, `${metadata.model.name} on ${o.data}`));
        const report = { frame: e.frame, video: e.video, frames: e.frames, model: metadata.model.name, data: o.data, split: dataset === data.test ? 'test' : 'train', roc: o.out, seconds: (Date.now() - started) / 1000 };
        if (o.json) {
          process.stdout.write(JSON.stringify(report) + '\n');
          return;
        }
        const f = (v: number) => v.toFixed(4);
        process.stdout.write(
          `frames (${e.frames}; ${e.frame.positives} fake, ${e.frame.negatives} real): AUC ${f(e.frame.auc)}, EER ${f(e.frame.eer)}, AP ${f(e.frame.ap)}, accuracy ${f(e.frame.accuracy)}\n` +
            `videos (${e.video.videos}; mean of frame scores): AUC ${f(e.video.auc)}, EER ${f(e.video.eer)}, AP ${f(e.video.ap)}, accuracy ${f(e.video.accuracy)}\nwrote ${o.out}\n`,
        );
      } finally {
        model.dispose();
      }
    });
}
