/**
 * `wavecv dwt [image]`: the multilevel 2-D DWT of an image drawn as the
 * classic subband mosaic ({@link dwtMosaic}, shared with the browser app).
 * Colour images are transformed per RGB channel with `--color`,
 * otherwise converted to luminance first. Without an image the bundled
 * `data/images/chelsea.png` (CC0, see data/images/README.md) is used.
 */
import type { Command } from 'commander';
import { fileURLToPath } from 'node:url';
import { check } from '../../errors.js';
import { readImage, writePng } from '../../io/image.js';
import { checkOutputPath } from '../../io/output-path.js';
import { checkMode } from '../../wavelets/extend.js';
import { wavelet as lookupWavelet } from '../../wavelets/filters.js';
import { dwtMosaic } from '../../wavelets/mosaic.js';
import { startEngine } from '../engine-option.js';
import { positiveInteger } from '../option-parsers.js';
import { examples } from '../help-examples.js';
import { JSON_HELP, printResult } from '../report.js';

/** The image `wavecv dwt` shows when none is given. */
export const DEFAULT_IMAGE = fileURLToPath(new URL('../../../data/images/chelsea.png', import.meta.url));

interface DwtCliOptions {
  wave: string;
  level: number;
  mode: string;
  out: string;
  color?: boolean;
  json?: boolean;
}

export function registerDwt(program: Command): void {
  program
    .command('dwt')
    .argument('[image]', 'image file (PNG, JPEG, WebP, TIFF, …); default: the bundled data/images/chelsea.png')
    .description('multilevel 2-D DWT of an image, written as the classic subband mosaic (PNG)')
    .addHelpText('after', examples({ note: 'the bundled image', run: 'wavecv dwt --wave db2 --level 2 --mode periodization --out subbands.png --json' }, 'wavecv dwt node_modules/@vladmandic/face-api/demo/sample1.jpg --wave bior3.3 --level 3 --color --out photo-subbands.png --json'))
    .option('--wave <name>', 'wavelet (see `wavecv wavelets`)', 'db2')
    .option('--level <n>', 'decomposition levels, 1 … dwtMaxLevel', positiveInteger('level'), 2)
    .option('--mode <mode>', 'signal-extension mode (pywt names)', 'periodization')
    .option('--out <file>', 'output PNG', 'subbands.png')
    .option('--color', 'transform the RGB channels separately instead of the luminance')
    .option('--json', JSON_HELP)
    .action(async (imageArgument: string | undefined, options: DwtCliOptions, command: Command) => {
      check(/\.png$/i.test(options.out), 'out', options.out, 'a file name ending in .png');
      checkOutputPath(options.out, 'file');
      await startEngine(command);
      const level = options.level;
      lookupWavelet(options.wave);
      checkMode(options.mode);
      const path = imageArgument ?? DEFAULT_IMAGE;
      const image = await readImage(path, { channels: options.color ? 3 : 1 });
      try {
        const { mosaic, levels } = dwtMosaic(image, { wave: options.wave, level, mode: options.mode });
        await writePng(options.out, mosaic);
        const [h, w] = mosaic.shape;
        mosaic.dispose();
        const result = { image: path, height: image.shape[0], width: image.shape[1], channels: options.color ? 'rgb' : 'luminance', wave: options.wave, mode: options.mode, level, levels, out: options.out, mosaic: { height: h, width: w } };
        printResult(options.json, result, () =>
          [
            `${path}: ${image.shape[0]}×${image.shape[1]}, ${options.color ? 'RGB' : 'luminance'}, ${options.wave}, ${options.mode}, ${level} level${level > 1 ? 's' : ''}`,
            ...levels.map((l) => `  level ${l.level}: detail bands ${l.shape[0]}×${l.shape[1]}`),
            `wrote ${options.out} (${h}×${w})`,
          ].join('\n'),
        );
      } finally {
        image.dispose();
      }
    });
}
