/**
 * `wavecv generate forgeries --faces DIR --out DIR`: a real/fake data set of
 * self-blended forgeries (Shiohara & Yamasaki, CVPR 2022) of every face the
 * face-api detector finds in the photos of a folder
 * (src/data/forgery/generate.ts), so a forgery detector can be trained from
 * real faces alone.
 */
import type { Command } from 'commander';
import { FaceDetector } from '../../data/faces/detect.js';
import { generateSelfBlendedForgeries } from '../../data/forgery/generate.js';
import { startEngine } from '../engine-option.js';
import { nonNegative, nonNegativeInteger, numberInRange, positiveInteger } from '../option-parsers.js';
import { generateCommand } from './generate.js';
import { examples } from '../help-examples.js';
import { createCountProgress } from '../progress.js';
import { JSON_HELP, printResult } from '../report.js';

interface ForgeriesCliOptions {
  faces: string;
  out: string;
  variants: number;
  size: number;
  scale: number;
  minFaceSize: number;
  minConfidence: number;
  seed: number;
  json?: boolean;
}

export function registerGenerateForgeries(program: Command): void {
  generateCommand(program)
    .command('forgeries')
    .description('self-blended forgeries (SBI) of the faces in a folder of photos: real/<face>/ and fake/<face>/ crops, for `train forgery`')
    .addHelpText('after', examples({ note: 'the sample photos that ship with face-api', run: 'wavecv generate forgeries --faces node_modules/@vladmandic/face-api/demo --out data-generated/forgeries --variants 2 --json' }))
    .requiredOption('--faces <dir>', 'folder of photos (searched recursively); every face found is used')
    .requiredOption('--out <dir>', 'new folder for real/, fake/ and generator.json')
    .option('--variants <n>', 'real/fake pairs per face (each with its own crop jitter and blend)', positiveInteger('variants'), 4)
    .option('--size <n>', 'crop side in pixels', positiveInteger('size'), 128)
    .option('--scale <f>', 'crop side over the face box side (1.3 = 30% margin)', numberInRange('scale', 1, 3), 1.3)
    .option('--min-face-size <px>', 'skip faces whose box is smaller', nonNegative('min-face-size'), 64)
    .option('--min-confidence <p>', 'face detector confidence', numberInRange('min-confidence', 0, 1), 0.5)
    .option('--seed <n>', 'seed of every draw', nonNegativeInteger('seed'), 1)
    .option('--json', JSON_HELP)
    .action(async (o: ForgeriesCliOptions, command: Command) => {
      await startEngine(command.parent!);
      const detector = await FaceDetector.load({ minConfidence: o.minConfidence });
      const progress = createCountProgress('photos');
      const result = await generateSelfBlendedForgeries(o.faces, o.out, detector, { variants: o.variants, size: o.size, scale: o.scale, minFaceSize: o.minFaceSize, seed: o.seed, onProgress: (done, total) => progress.update(done, total) });
      progress.stop();
      const skipped = result.skippedSmall ? `, ${result.skippedSmall} faces under ${o.minFaceSize} px skipped` : '';
      const empty = result.photosWithoutFaces.length ? `, no face in ${result.photosWithoutFaces.length} photo(s)` : '';
      printResult(o.json, { out: o.out, ...result, real: result.faces.length * o.variants, fake: result.faces.length * o.variants }, () => `wrote ${result.faces.length * o.variants} real and ${result.faces.length * o.variants} self-blended fake crops of ${result.faces.length} faces from ${result.photos} photos to ${o.out}${skipped}${empty}`);
    });
}
