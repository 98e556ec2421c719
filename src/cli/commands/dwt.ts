/**
 * `wavecv dwt [image]`: the multilevel 2-D DWT of an image (the numeric
 * `wavedec2`, pywt semantics, any wavelet and mode) drawn as the classic
 * subband mosaic — the approximation top-left, then for each level from the
 * coarsest its `cV` (detail along W) to the right, `cH` (detail along H)
 * below and `cD` diagonally: the bands, scaled for display, packed by
 * `coeffsToArray` (pywt's `coeffs_to_array`; uncovered cells black).
 *
 * Display (my choices): the approximation is scaled from its minimum to its
 * maximum; each detail band shows |coefficient| divided by its own 99.5th
 * percentile (clipped to 1), so every band uses the full grey range whatever
 * its energy. Colour images are transformed per RGB channel with `--color`,
 * otherwise converted to luminance first. Without an image the bundled
 * `data/images/chelsea.png` (CC0, see data/images/README.md) is used.
 */
import type { Command } from 'commander';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { WavecvError, check } from '../../errors.js';
import { readImage, writePng } from '../../io/image.js';
import { checkOutputPath } from '../../io/output-path.js';
import { checkMode } from '../../wavelets/extend.js';
import { wavelet as lookupWavelet } from '../../wavelets/filters.js';
import { coeffsToArray } from '../../wavelets/coeff-array.js';
import { wavedec2 } from '../../wavelets/multilevel.js';
import { dwtMaxLevel } from '../../wavelets/transform.js';
import { startEngine } from '../engine-option.js';
import { positiveInteger } from '../option-parsers.js';

/** The image `wavecv dwt` shows when none is given. */
export const DEFAULT_IMAGE = fileURLToPath(new URL('../../../data/images/chelsea.png', import.meta.url));

export interface DwtMosaicOptions {
  wave: string;
  level: number;
  mode: string;
}

/** A band `[h, w, C]` scaled to [0, 1] for display: min–max for the approximation, |d| / 99.5th percentile for details. */
function displayBand(band: tf.Tensor, approximation: boolean): Float32Array {
  const c = band.shape[2] ?? 1;
  const values = band.dataSync();
  const out = new Float32Array(values.length);
  for (let k = 0; k < c; k++) {
    if (approximation) {
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = k; i < values.length; i += c) {
        lo = Math.min(lo, values[i]);
        hi = Math.max(hi, values[i]);
      }
      const span = hi - lo || 1;
      for (let i = k; i < values.length; i += c) out[i] = (values[i] - lo) / span;
    } else {
      const magnitudes = Float32Array.from({ length: values.length / c }, (_, j) => Math.abs(values[j * c + k])).sort();
      const top = magnitudes[Math.min(magnitudes.length - 1, Math.floor(0.995 * magnitudes.length))] || 1;
      for (let i = k; i < values.length; i += c) out[i] = Math.min(1, Math.abs(values[i]) / top);
    }
  }
  return out;
}

/**
 * The subband mosaic of `image` (`[H, W, C]`, float): a `[height, width, C]`
 * float32 tensor in [0, 1] plus the coefficient shapes per level. Checks the
 * wavelet, the mode and that `level` is between 1 and `dwtMaxLevel`.
 */
export function dwtMosaic(image: tf.Tensor3D, options: DwtMosaicOptions): { mosaic: tf.Tensor3D; levels: { level: number; shape: [number, number] }[] } {
  const wave = lookupWavelet(options.wave);
  const mode = checkMode(options.mode);
  const [H, W] = image.shape;
  const maxLevel = dwtMaxLevel(Math.min(H, W), wave);
  if (!(Number.isInteger(options.level) && options.level >= 1 && options.level <= maxLevel)) {
    throw new WavecvError(
      'level',
      options.level,
      maxLevel >= 1
        ? `an integer from 1 to ${maxLevel} (dwtMaxLevel of a ${H}×${W} image with ${wave.name}, filter length ${wave.decLen})`
        : `a level the image allows, but a ${H}×${W} image is too small for one level of ${wave.name} (filter length ${wave.decLen})`,
    );
  }
  const coeffs = wavedec2(image, wave, { mode, level: options.level, axes: [0, 1] });
  try {
    const [approximation, ...details] = coeffs;
    const shown = (band: tf.Tensor, isApproximation: boolean) => tf.tensor(displayBand(band, isApproximation), band.shape);
    const mosaic = tf.tidy(() => coeffsToArray([shown(approximation, true), ...details.map((d) => d.map((band) => shown(band, false)) as [tf.Tensor, tf.Tensor, tf.Tensor])], { axes: [0, 1] })[0]);
    const levels = details.map((d, i) => ({ level: options.level - i, shape: d[0].shape.slice(0, 2) as [number, number] }));
    return { mosaic: mosaic as tf.Tensor3D, levels };
  } finally {
    tf.dispose(coeffs.flat());
  }
}

interface DwtCliOptions {
  wave: string;
  level: number;
  mode: string;
  out: string;
  color?: boolean;
}

export function registerDwt(program: Command): void {
  program
    .command('dwt')
    .argument('[image]', 'image file (PNG, JPEG, WebP, TIFF, …); default: the bundled data/images/chelsea.png')
    .description('multilevel 2-D DWT of an image, written as the classic subband mosaic (PNG)')
    .option('--wave <name>', 'wavelet (see `wavecv wavelets`)', 'db2')
    .option('--level <n>', 'decomposition levels, 1 … dwtMaxLevel', positiveInteger('level'), 2)
    .option('--mode <mode>', 'signal-extension mode (pywt names)', 'periodization')
    .option('--out <file>', 'output PNG', 'subbands.png')
    .option('--color', 'transform the RGB channels separately instead of the luminance')
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
        process.stdout.write(
          [
            `${path}: ${image.shape[0]}×${image.shape[1]}, ${options.color ? 'RGB' : 'luminance'}, ${options.wave}, ${options.mode}, ${level} level${level > 1 ? 's' : ''}`,
            ...levels.map((l) => `  level ${l.level}: detail bands ${l.shape[0]}×${l.shape[1]}`),
            `wrote ${options.out} (${h}×${w})`,
          ].join('\n') + '\n',
        );
      } finally {
        image.dispose();
      }
    });
}
