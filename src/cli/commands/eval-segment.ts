/**
 * `wavecv eval segment --model RUN --data DATA [--json]`: the scores of
 * src/metrics/segmentation.ts (pixel accuracy, mean class accuracy, mIoU,
 * fwIoU, boundary F1 at 2 px, per-class IoU) of a `wavecv train segment`
 * model on the evaluation split of a segmentation folder, clean or under
 * additive Gaussian noise (`--noise-sigma`, pixels in [0, 1], seeded); with
 * `--out DIR` also the confusion matrix as a figure (confusion-matrix.png and
 * its vega-lite spec, src/plot/confusion-matrix.ts).
 * Registered in the `eval` group's list (src/cli/commands/eval.ts).
 */
import type { Command } from 'commander';
import { join } from 'node:path';
import { openSegmentationData } from '../../data/readers.js';
import { check } from '../../errors.js';
import { loadRunModel } from '../../train/run-folder.js';
import { evaluateSegmentation } from '../../tasks/segment-eval.js';
import { checkOutputPath } from '../../io/output-path.js';
import { confusionMatrixSpec } from '../../plot/confusion-matrix.js';
import { writeFigure } from '../../plot/vega.js';
import { startEngine } from '../engine-option.js';
import { nonNegative, nonNegativeInteger, positiveInteger } from '../option-parsers.js';
import { examples } from '../help-examples.js';
import { createCountProgress } from '../progress.js';

interface EvalSegmentCliOptions {
  model: string;
  data: string;
  split: 'test' | 'train';
  imageSize?: number;
  noiseSigma: number;
  seed: number;
  limit?: number;
  batchSize: number;
  json?: boolean;
  out?: string;
}

export function registerEvalSegment(evalCommand: Command): void {
  evalCommand
    .command('segment')
    .description('segmentation scores (pixel accuracy, mean class accuracy, mIoU, fwIoU, boundary F1, per-class IoU) of a `wavecv train segment` model')
    .addHelpText('after', examples({ note: 'after wavecv generate anatomy and wavecv train segment (see their --help)', run: 'wavecv eval segment --model runs/anatomy-unet-haar --data data-generated/anatomy --json' }, 'wavecv eval segment --model runs/anatomy-unet-haar --data data-generated/anatomy --noise-sigma 0.1 --seed 1 --out runs/anatomy-unet-haar/noisy'))
    .requiredOption('--model <dir>', 'a `wavecv train segment` run folder or its model/ folder')
    .requiredOption('--data <dir>', 'a segmentation folder (VOC, CamVid, Cityscapes, images/ + masks/)')
    .option('--split <name>', 'test (the evaluation split) or train', 'test')
    .option('--image-size <n>', 'the fixed-scale crop the model was trained with, if any', positiveInteger('image-size'))
    .option('--noise-sigma <σ>', 'additive Gaussian noise on pixels in [0, 1]', nonNegative('noise-sigma'), 0)
    .option('--seed <n>', 'seed of the noise', nonNegativeInteger('seed'), 0)
    .option('--limit <n>', 'evaluate the first n images only', positiveInteger('limit'))
    .option('--batch-size <n>', 'images per forward pass', positiveInteger('batch-size'), 16)
    .option('--out <dir>', 'also write confusion-matrix.png and its vega-lite spec confusion-matrix.vl.json here')
    .option('--json', 'print one JSON object')
    .action(async (o: EvalSegmentCliOptions, command: Command) => {
      if (o.out !== undefined) checkOutputPath(o.out, 'folder');
      await startEngine(command.parent!);
      check(o.split === 'test' || o.split === 'train', '--split', o.split, 'test or train');
      const data = await openSegmentationData(o.data, o.imageSize ? { size: o.imageSize } : {});
      const dataset = o.split === 'train' ? data.train : data.test;
      check(dataset !== undefined, '--data', o.data, 'a folder with an evaluation split');
      const { model, metadata } = await loadRunModel(o.model, 'segment');
      try {
        const classNames = metadata.classNames ?? [];
        check(classNames.length === data.classNames.length, '--data', o.data, `${classNames.length} classes like the model's training data (it has ${data.classNames.length})`);
        const started = Date.now();
        const progress = createCountProgress('images');
        const r = await evaluateSegmentation(model, dataset!, { normalization: metadata.preprocessing.normalization, batchSize: o.batchSize, noiseSigma: o.noiseSigma, seed: o.seed, limit: o.limit, onProgress: (done, total) => progress.update(done, total) });
        progress.stop();
        const s = r.scores;
        const report = {
          pixelAccuracy: s.pixelAccuracy,
          meanClassAccuracy: s.meanClassAccuracy,
          mIoU: s.mIoU,
          fwIoU: s.fwIoU,
          boundaryF1: s.boundaryF1,
          boundaryPrecision: s.boundaryPrecision,
          boundaryRecall: s.boundaryRecall,
          perClassIoU: s.perClassIoU.map((v) => (Number.isNaN(v) ? null : v)),
          classNames,
          images: r.images,
          pixels: s.pixels,
          noiseSigma: o.noiseSigma,
          seconds: (Date.now() - started) / 1000,
          confusionMatrix: o.out === undefined ? undefined : join(o.out, 'confusion-matrix.png'),
        };
        if (report.confusionMatrix) await writeFigure(report.confusionMatrix, confusionMatrixSpec(r.counts.matrix, classNames, `Confusion matrix, ${r.images} images${o.noiseSigma > 0 ? `, noise σ=${o.noiseSigma}` : ''}`));
        if (o.json) {
          process.stdout.write(JSON.stringify(report) + '\n');
          return;
        }
        const pct = (v: number | null) => (v === null || Number.isNaN(v) ? '–' : `${(100 * v).toFixed(2)}`);
        process.stdout.write(
          `${r.images} images${o.noiseSigma > 0 ? `, Gaussian noise σ=${o.noiseSigma}` : ''}: mIoU ${pct(s.mIoU)}, pixel accuracy ${pct(s.pixelAccuracy)}, mean class accuracy ${pct(s.meanClassAccuracy)}, fwIoU ${pct(s.fwIoU)}, boundary F1 ${pct(s.boundaryF1)}\n` +
            classNames.map((name, i) => `  ${name.padEnd(24)} IoU ${pct(report.perClassIoU[i])}`).join('\n') +
            '\n',
        );
      } finally {
        model.dispose();
      }
    });
}
