/**
 * Single-level DWT and inverse in 1, 2 and n dimensions with the semantics,
 * names and defaults of PyWavelets 1.1.1 (`pywt.dwt/idwt`, `pywt.dwt2/idwt2`,
 * `pywt.dwtn/idwtn`), on TensorFlow.js tensors.
 *
 * The n-D transform is separable: the one-axis analysis of transform.ts is
 * applied along each axis in turn, every band splitting into an approximation
 * ('a') and a detail ('d') band (Mallat 1989, section IV-A). Band keys spell
 * the filter applied along each transformed axis, in the order of `axes`:
 * `dwtn` of a 2-D array gives `aa, ad, da, dd`, and `dwt2` returns them as
 * `[cA, [cH, cV, cD]] = [aa, [da, ad, dd]]` — `cH` holds detail along the
 * first axis (image height), as in pywt.
 *
 * Inputs are tensors or nested number arrays; results are float32 tensors
 * that the caller owns. Every function is differentiable (exact adjoint
 * gradients) and leaves `tf.memory().numTensors` unchanged apart from what it
 * returns.
 */
import * as tf from '@tensorflow/tfjs';
import { WavecvError, check } from '../errors.js';
import { type Mode, checkMode } from './extend.js';
import { type WaveletLike, dwtAxis, idwtAxis } from './transform.js';
import { type ArrayInput, modesPerAxis, normalizeAxes, normalizeAxis, toFloatTensor, wavesPerAxis } from './input.js';

/** Options of the one-axis functions (`dwt`, `idwt`, `wavedec`, `waverec`). */
export interface AxisOptions {
  /** Signal-extension mode; default `'symmetric'` (pywt's default). */
  mode?: Mode;
  /** Axis to transform; default `-1` (the last). */
  axis?: number;
}

/** Options of the multi-axis functions (`dwt2`, `dwtn` and their inverses). */
export interface AxesOptions {
  /** One mode for all axes or one per axis; default `'symmetric'`. */
  mode?: Mode | readonly Mode[];
  /** Axes to transform; default the last two (2-D functions) or all (n-D functions). */
  axes?: readonly number[];
}

/** A coefficient array accepted by the inverse transforms; `null` means zeros. */
export type CoeffInput = ArrayInput | null;

/** Detail bands of a 2-D level: `[cH, cV, cD]` (detail along axes[0], along axes[1], along both). */
export type Details2<T = tf.Tensor> = [T, T, T];

/**
 * Single-level 1-D DWT along `axis` (pywt `dwt`): returns `[cA, cD]` with
 * `dwtCoeffLen(n, wave, mode)` samples along `axis`.
 */
export function dwt(data: ArrayInput, wave: WaveletLike, options: AxisOptions = {}): [tf.Tensor, tf.Tensor] {
  const mode = checkMode(options.mode ?? 'symmetric');
  return tf.tidy(() => {
    const x = toFloatTensor(data);
    return dwtAxis(x, wave, mode, normalizeAxis(options.axis ?? -1, x.rank));
  });
}

/**
 * Single-level 1-D inverse DWT along `axis` (pywt `idwt`). Either band may be
 * `null` (treated as zeros), not both; the bands must have equal shapes.
 * Returns `2M − L + 2` samples along `axis` (`2M` for periodization), so the
 * reconstruction of an odd-length signal has one extra sample, as in pywt.
 */
export function idwt(cA: CoeffInput, cD: CoeffInput, wave: WaveletLike, options: AxisOptions = {}): tf.Tensor {
  const mode = checkMode(options.mode ?? 'symmetric');
  if ((cA === null || cA === undefined) && (cD === null || cD === undefined)) throw new WavecvError('cA, cD', null, 'at least one coefficient array (the other may be null)');
  return tf.tidy(() => {
    const a = cA === null || cA === undefined ? null : toFloatTensor(cA, 'cA');
    const d = cD === null || cD === undefined ? null : toFloatTensor(cD, 'cD');
    if (a && d) check(tf.util.arraysEqual(a.shape, d.shape), 'cD', d, `the shape of cA, [${a.shape.join(', ')}]`);
    const ref = (a ?? d) as tf.Tensor;
    return idwtAxis(a, d, wave, mode, normalizeAxis(options.axis ?? -1, ref.rank));
  });
}

/** All `'a'/'d'` keys of length `n` in pywt's order (`aa, ad, da, dd` for n = 2). */
export function bandKeys(n: number): string[] {
  let keys = [''];
  for (let i = 0; i < n; i++) keys = keys.flatMap((k) => [`${k}a`, `${k}d`]);
  return keys;
}

function dwtnTensor(x: tf.Tensor, waves: WaveletLike[], modes: Mode[], axes: number[]): Record<string, tf.Tensor> {
  let bands: [string, tf.Tensor][] = [['', x]];
  axes.forEach((axis, i) => {
    bands = bands.flatMap(([key, band]) => {
      const [a, d] = dwtAxis(band, waves[i], modes[i], axis);
      return [
        [`${key}a`, a],
        [`${key}d`, d],
      ] as [string, tf.Tensor][];
    });
  });
  return Object.fromEntries(bands);
}

/**
 * Single-level n-D DWT (pywt `dwtn`): an object with one band per key of
 * `'a'/'d'` letters, one letter per entry of `axes` (default: all axes).
 * Axes may repeat, as in pywt. `wave` and `mode` may be given per axis.
 */
export function dwtn(data: ArrayInput, wave: WaveletLike | readonly WaveletLike[], options: AxesOptions = {}): Record<string, tf.Tensor> {
  return tf.tidy(() => {
    const x = toFloatTensor(data);
    const axes = options.axes === undefined ? x.shape.map((_, i) => i) : normalizeAxes(options.axes, x.rank);
    return dwtnTensor(x, wavesPerAxis(wave, axes.length), modesPerAxis(options.mode, axes.length), axes);
  });
}

/**
 * Single-level 2-D DWT (pywt `dwt2`) over `axes` (default the last two):
 * `[cA, [cH, cV, cD]]`, where `cH` is the detail along `axes[0]`.
 */
export function dwt2(data: ArrayInput, wave: WaveletLike | readonly WaveletLike[], options: AxesOptions = {}): [tf.Tensor, Details2] {
  const axesOption = options.axes ?? [-2, -1];
  check(Array.isArray(axesOption) && axesOption.length === 2, 'axes', axesOption, 'exactly two axes');
  return tf.tidy(() => {
    const x = toFloatTensor(data);
    check(x.rank >= new Set(axesOption).size, 'data', x, `at least ${new Set(axesOption).size} dimensions for axes [${axesOption.join(', ')}]`);
    const bands = dwtn(x, wave, { mode: options.mode, axes: axesOption });
    return [bands.aa, [bands.da, bands.ad, bands.dd]] as [tf.Tensor, Details2];
  });
}

/** Validated idwtn input: non-null bands as tensors, keyed by 'a'/'d' strings of one length. */
function prepareBands(coeffs: Record<string, CoeffInput>, argument: string): Map<string, tf.Tensor> {
  check(coeffs !== null && typeof coeffs === 'object' && !Array.isArray(coeffs) && !(coeffs instanceof tf.Tensor), argument, coeffs, 'an object of bands keyed by "a"/"d" strings, as returned by dwtn');
  const bands = new Map<string, tf.Tensor>();
  for (const [key, value] of Object.entries(coeffs)) {
    check(/^[ad]+$/.test(key), `${argument} key`, key, 'a non-empty string of "a" and "d" letters');
    if (value === null || value === undefined) continue;
    bands.set(key, toFloatTensor(value, `${argument}.${key}`));
  }
  const lengths = new Set([...Object.keys(coeffs)].map((k) => k.length));
  check(lengths.size <= 1, `${argument} keys`, Object.keys(coeffs), 'keys of one length (one letter per transformed axis)');
  check(bands.size > 0, argument, Object.keys(coeffs), 'at least one non-null band');
  const [firstKey, first] = [...bands.entries()][0];
  for (const [key, band] of bands) check(tf.util.arraysEqual(band.shape, first.shape), `${argument}.${key}`, band, `the shape of ${argument}.${firstKey}, [${first.shape.join(', ')}]`);
  return bands;
}

function idwtnTensors(bands: Map<string, tf.Tensor>, waves: WaveletLike[], modes: Mode[], axes: number[]): tf.Tensor {
  let current = bands;
  for (let level = axes.length - 1; level >= 0; level--) {
    const next = new Map<string, tf.Tensor>();
    for (const key of bandKeys(level)) {
      const a = current.get(`${key}a`) ?? null;
      const d = current.get(`${key}d`) ?? null;
      if (a || d) next.set(key, idwtAxis(a, d, waves[level], modes[level], axes[level]));
    }
    current = next;
  }
  return current.get('') as tf.Tensor;
}

/**
 * Single-level n-D inverse DWT (pywt `idwtn`). Missing or `null` bands are
 * zeros. `axes` defaults to the first `k` axes, `k` being the key length (as
 * in pywt); give the same axes, in the same order, as to `dwtn`.
 */
export function idwtn(coeffs: Record<string, CoeffInput>, wave: WaveletLike | readonly WaveletLike[], options: AxesOptions = {}): tf.Tensor {
  return tf.tidy(() => {
    const bands = prepareBands(coeffs, 'coeffs');
    const keyLength = [...bands.keys()][0].length;
    const rank = [...bands.values()][0].rank;
    const axes = options.axes === undefined ? Array.from({ length: keyLength }, (_, i) => i) : normalizeAxes(options.axes, rank);
    check(axes.length === keyLength, 'axes', options.axes ?? axes, `one axis per letter of the band keys (${keyLength})`);
    for (const a of axes) check(a < rank, 'axes', options.axes ?? axes, `axes below the coefficients' rank ${rank}`);
    return idwtnTensors(bands, wavesPerAxis(wave, axes.length), modesPerAxis(options.mode, axes.length), axes);
  });
}

/**
 * Single-level 2-D inverse DWT (pywt `idwt2`) of `[cA, [cH, cV, cD]]`; any
 * band may be `null` (zeros).
 */
export function idwt2(coeffs: [CoeffInput, [CoeffInput, CoeffInput, CoeffInput]], wave: WaveletLike | readonly WaveletLike[], options: AxesOptions = {}): tf.Tensor {
  const ok = Array.isArray(coeffs) && coeffs.length === 2 && Array.isArray(coeffs[1]) && coeffs[1].length === 3;
  check(ok, 'coeffs', coeffs, '[cA, [cH, cV, cD]] as returned by dwt2');
  const axes = options.axes ?? [-2, -1];
  check(Array.isArray(axes) && axes.length === 2, 'axes', axes, 'exactly two axes');
  const [cA, [cH, cV, cD]] = coeffs;
  return idwtn({ aa: cA, da: cH, ad: cV, dd: cD }, wave, { mode: options.mode, axes });
}
