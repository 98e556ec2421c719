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
 * When every transformed axis uses `periodization` with one wavelet, the
 * whole transform runs at once on the package's periodization engine
 * (periodization.ts, the engine of the layers); otherwise axis by axis.
 *
 * As in pywt, the mode may be the third argument (`dwt2(img, 'db2',
 * 'periodization')`, or a list of modes per axis), optionally followed by the
 * other options; or the third argument is one options object.
 *
 * Inputs are tensors or nested number arrays; results are float32 tensors
 * that the caller owns. Every function is differentiable (exact adjoint
 * gradients) and leaves `tf.memory().numTensors` unchanged apart from what it
 * returns. Arguments are validated once, by the public function called; the
 * shared kernels (`dwtnTensor`, `idwtnTensor`) trust theirs.
 */
import * as tf from '@tensorflow/tfjs';
import { WavecvError, check } from '../errors.js';
import { type Mode, checkMode } from './extend.js';
import { bandKeys, periodizationDwtn, periodizationIdwtn } from './periodization.js';
import { type WaveletFilters, type WaveletLike, analyzeAxis, checkAnalysisInput, checkSynthesisInput, synthesizeAxis, waveletFilters } from './transform.js';
import { type ArrayInput, type ModeOrOptions, modesPerAxis, normalizeAxes, normalizeAxis, resolveOptions, toFloatTensor, wavesPerAxis } from './input.js';

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
export function dwt(data: ArrayInput, wave: WaveletLike, modeOrOptions?: ModeOrOptions<AxisOptions>, options?: Omit<AxisOptions, 'mode'>): [tf.Tensor, tf.Tensor] {
  const resolved = resolveOptions<AxisOptions>(modeOrOptions, options, false);
  const mode = checkMode(resolved.mode ?? 'symmetric');
  const filters = waveletFilters(wave);
  return tf.tidy(() => {
    const x = toFloatTensor(data);
    const axis = normalizeAxis(resolved.axis ?? -1, x.rank);
    checkAnalysisInput(x, axis);
    return analyzeAxis(x, filters, mode, axis);
  });
}

/**
 * Single-level 1-D inverse DWT along `axis` (pywt `idwt`). Either band may be
 * `null` (treated as zeros), not both; the bands must have equal shapes.
 * Returns `2M − L + 2` samples along `axis` (`2M` for periodization), so the
 * reconstruction of an odd-length signal has one extra sample, as in pywt.
 */
export function idwt(cA: CoeffInput, cD: CoeffInput, wave: WaveletLike, modeOrOptions?: ModeOrOptions<AxisOptions>, options?: Omit<AxisOptions, 'mode'>): tf.Tensor {
  const resolved = resolveOptions<AxisOptions>(modeOrOptions, options, false);
  const mode = checkMode(resolved.mode ?? 'symmetric');
  const filters = waveletFilters(wave);
  if ((cA === null || cA === undefined) && (cD === null || cD === undefined)) throw new WavecvError('cA, cD', null, 'at least one coefficient array (the other may be null)');
  return tf.tidy(() => {
    const a = cA === null || cA === undefined ? null : toFloatTensor(cA, 'cA');
    const d = cD === null || cD === undefined ? null : toFloatTensor(cD, 'cD');
    if (a && d) check(tf.util.arraysEqual(a.shape, d.shape), 'cD', d, `the shape of cA, [${a.shape.join(', ')}]`);
    const ref = (a ?? d) as tf.Tensor;
    const axis = normalizeAxis(resolved.axis ?? -1, ref.rank);
    checkSynthesisInput(ref, filters, mode, axis);
    return synthesizeAxis(a, d, filters, mode, axis);
  });
}

/** A validated n-D transform: one filter bank and one mode per entry of `axes` (normalised). */
export interface AxesPlan {
  filters: WaveletFilters[];
  modes: Mode[];
  axes: number[];
}

/** Resolves and checks the per-axis wavelets and modes of an n-D call over `axes` (already normalised). */
export function axesPlan(wave: WaveletLike | readonly WaveletLike[], mode: Mode | readonly Mode[] | undefined, axes: number[]): AxesPlan {
  return { filters: wavesPerAxis(wave, axes.length).map((w) => waveletFilters(w)), modes: modesPerAxis(mode, axes.length), axes };
}

/** The wavelet of a plan that the periodization engine can run at once (every axis periodization, one wavelet, distinct axes), or null. */
function engineWavelet(plan: AxesPlan) {
  const w = plan.filters[0].wavelet;
  const whole = plan.modes.every((m) => m === 'periodization') && plan.filters.every((f) => f.wavelet === w) && new Set(plan.axes).size === plan.axes.length;
  return whole ? w : null;
}

/** Single-level n-D DWT of float32 `x` by a validated plan: bands keyed by 'a'/'d' letters in the order of `plan.axes`. */
export function dwtnTensor(x: tf.Tensor, plan: AxesPlan): Record<string, tf.Tensor> {
  const w = engineWavelet(plan);
  if (w) return periodizationDwtn(x, w, plan.axes);
  let bands: [string, tf.Tensor][] = [['', x]];
  plan.axes.forEach((axis, i) => {
    bands = bands.flatMap(([key, band]) => {
      const [a, d] = analyzeAxis(band, plan.filters[i], plan.modes[i], axis);
      return [
        [`${key}a`, a],
        [`${key}d`, d],
      ] as [string, tf.Tensor][];
    });
  });
  return Object.fromEntries(bands);
}

/** Normalised axes of an n-D analysis: `axes`, or every axis of the data. */
function dataAxes(axes: readonly number[] | undefined, rank: number, unique = false): number[] {
  return axes === undefined ? Array.from({ length: rank }, (_, i) => i) : normalizeAxes(axes, rank, 'axes', unique);
}

/**
 * Single-level n-D DWT (pywt `dwtn`): an object with one band per key of
 * `'a'/'d'` letters, one letter per entry of `axes` (default: all axes).
 * Axes may repeat, as in pywt. `wave` and `mode` may be given per axis.
 */
export function dwtn(data: ArrayInput, wave: WaveletLike | readonly WaveletLike[], modeOrOptions?: ModeOrOptions<AxesOptions>, options?: Omit<AxesOptions, 'mode'>): Record<string, tf.Tensor> {
  const resolved = resolveOptions<AxesOptions>(modeOrOptions, options, true);
  return tf.tidy(() => {
    const x = toFloatTensor(data);
    const plan = axesPlan(wave, resolved.mode, dataAxes(resolved.axes, x.rank));
    plan.axes.forEach((a) => checkAnalysisInput(x, a));
    return dwtnTensor(x, plan);
  });
}

/** The two axes of a 2-D function (default the last two). */
export function twoAxes(axes: readonly number[] | undefined): readonly number[] {
  const list = axes ?? [-2, -1];
  check(Array.isArray(list) && list.length === 2, 'axes', list, 'exactly two axes');
  return list;
}

/**
 * Single-level 2-D DWT (pywt `dwt2`) over `axes` (default the last two):
 * `[cA, [cH, cV, cD]]`, where `cH` is the detail along `axes[0]`.
 */
export function dwt2(data: ArrayInput, wave: WaveletLike | readonly WaveletLike[], modeOrOptions?: ModeOrOptions<AxesOptions>, options?: Omit<AxesOptions, 'mode'>): [tf.Tensor, Details2] {
  const resolved = resolveOptions<AxesOptions>(modeOrOptions, options, true);
  const axesOption = twoAxes(resolved.axes);
  return tf.tidy(() => {
    const x = toFloatTensor(data);
    check(x.rank >= new Set(axesOption).size, 'data', x, `at least ${new Set(axesOption).size} dimensions for axes [${axesOption.join(', ')}]`);
    const plan = axesPlan(wave, resolved.mode, normalizeAxes(axesOption, x.rank));
    plan.axes.forEach((a) => checkAnalysisInput(x, a));
    const bands = dwtnTensor(x, plan);
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
  checkSameShapes(bands, argument);
  return bands;
}

/** Checks that every band of `bands` has the shape of the first. */
export function checkSameShapes(bands: ReadonlyMap<string, tf.Tensor>, argument: string): void {
  const [firstKey, first] = [...bands.entries()][0];
  for (const [key, band] of bands) check(tf.util.arraysEqual(band.shape, first.shape), `${argument}.${key}`, band, `the shape of ${argument}.${firstKey}, [${first.shape.join(', ')}]`);
}

/** Checks that bands of one shape synthesise at least one sample along every axis of the plan. */
export function checkSynthesisPlan(ref: tf.Tensor, plan: AxesPlan, argument: string): void {
  plan.axes.forEach((a, i) => checkSynthesisInput(ref, plan.filters[i], plan.modes[i], a, argument));
}

/** Single-level n-D inverse DWT of float32 bands of one shape by a validated plan; missing keys are zeros. */
export function idwtnTensor(bands: ReadonlyMap<string, tf.Tensor>, plan: AxesPlan): tf.Tensor {
  const w = engineWavelet(plan);
  if (w) return periodizationIdwtn(bands, w, plan.axes);
  let current = bands;
  for (let level = plan.axes.length - 1; level >= 0; level--) {
    const next = new Map<string, tf.Tensor>();
    for (const key of bandKeys(level)) {
      const a = current.get(`${key}a`) ?? null;
      const d = current.get(`${key}d`) ?? null;
      if (a || d) next.set(key, synthesizeAxis(a, d, plan.filters[level], plan.modes[level], plan.axes[level]));
    }
    current = next;
  }
  return current.get('') as tf.Tensor;
}

/** Validates the bands and axes of an idwtn-style call and runs it. */
function idwtnChecked(coeffs: Record<string, CoeffInput>, wave: WaveletLike | readonly WaveletLike[], options: AxesOptions): tf.Tensor {
  const bands = prepareBands(coeffs, 'coeffs');
  const keyLength = [...bands.keys()][0].length;
  const ref = [...bands.values()][0];
  const axes = options.axes === undefined ? Array.from({ length: keyLength }, (_, i) => i) : normalizeAxes(options.axes, ref.rank);
  check(axes.length === keyLength, 'axes', options.axes ?? axes, `one axis per letter of the band keys (${keyLength})`);
  for (const a of axes) check(a < ref.rank, 'axes', options.axes ?? axes, `axes below the coefficients' rank ${ref.rank}`);
  const plan = axesPlan(wave, options.mode, axes);
  checkSynthesisPlan(ref, plan, 'coeffs');
  return idwtnTensor(bands, plan);
}

/**
 * Single-level n-D inverse DWT (pywt `idwtn`). Missing or `null` bands are
 * zeros. `axes` defaults to the first `k` axes, `k` being the key length (as
 * in pywt); give the same axes, in the same order, as to `dwtn`.
 */
export function idwtn(coeffs: Record<string, CoeffInput>, wave: WaveletLike | readonly WaveletLike[], modeOrOptions?: ModeOrOptions<AxesOptions>, options?: Omit<AxesOptions, 'mode'>): tf.Tensor {
  const resolved = resolveOptions<AxesOptions>(modeOrOptions, options, true);
  return tf.tidy(() => idwtnChecked(coeffs, wave, resolved));
}

/**
 * Single-level 2-D inverse DWT (pywt `idwt2`) of `[cA, [cH, cV, cD]]`; any
 * band may be `null` (zeros).
 */
export function idwt2(coeffs: [CoeffInput, [CoeffInput, CoeffInput, CoeffInput]], wave: WaveletLike | readonly WaveletLike[], modeOrOptions?: ModeOrOptions<AxesOptions>, options?: Omit<AxesOptions, 'mode'>): tf.Tensor {
  const resolved = resolveOptions<AxesOptions>(modeOrOptions, options, true);
  const ok = Array.isArray(coeffs) && coeffs.length === 2 && Array.isArray(coeffs[1]) && coeffs[1].length === 3;
  check(ok, 'coeffs', coeffs, '[cA, [cH, cV, cD]] as returned by dwt2');
  const axes = twoAxes(resolved.axes);
  const [cA, [cH, cV, cD]] = coeffs;
  return tf.tidy(() => idwtnChecked({ aa: cA, da: cH, ad: cV, dd: cD }, wave, { mode: resolved.mode, axes }));
}
