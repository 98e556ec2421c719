/**
 * The multilevel 2-D DWT of an image (the numeric `wavedec2`, pywt semantics,
 * any wavelet and mode) drawn as the classic subband mosaic — the
 * approximation top-left, then for each level from the coarsest its `cV`
 * (detail along W) to the right, `cH` (detail along H) below and `cD`
 * diagonally: the bands, scaled for display, packed by `coeffsToArray`
 * (pywt's `coeffs_to_array`; uncovered cells black). Used by `wavecv dwt`
 * and by the browser app's DWT explorer, so both draw the same mosaic.
 *
 * Display (my choices): the approximation is scaled from its minimum to its
 * maximum; each detail band shows |coefficient| divided by its own 99.5th
 * percentile (clipped to 1), so every band uses the full grey range whatever
 * its energy.
 */
import * as tf from '@tensorflow/tfjs';
import { WavecvError } from '../errors.js';
import { checkMode } from './extend.js';
import { wavelet as lookupWavelet } from './filters.js';
import { coeffsToArray } from './coeff-array.js';
import { wavedec2 } from './multilevel.js';
import { dwtMaxLevel } from './transform.js';

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
