/**
 * Multilevel DWT and reconstruction (Mallat's pyramid, S. Mallat, IEEE TPAMI
 * 11(7), 1989, section III) with the semantics of PyWavelets 1.1.1
 * `wavedec/waverec`, `wavedec2/waverec2`, `wavedecn/waverecn`:
 *
 * - `wavedec`  → `[cA_n, cD_n, …, cD_1]`
 * - `wavedec2` → `[cA_n, [cH_n, cV_n, cD_n], …, [cH_1, cV_1, cD_1]]`
 * - `wavedecn` → `[cA_n, {ad…, da…, dd…}_n, …, {…}_1]` (pywt keys, one letter per axis)
 *
 * `level` defaults to the deepest level without boundary effects on every
 * transformed axis (`dwtMaxLevel`, the minimum over axes). As in pywt, a
 * deeper level is allowed and only warned about (every coefficient then
 * feels the boundary); a negative or fractional level is an error. The
 * reconstructions drop the extra sample an odd-length level leaves in the
 * approximation (pywt's trimming rule), so a round trip returns the input's
 * shape.
 *
 * As in pywt, the mode may be the third argument (`wavedec2(img, 'db2',
 * 'periodization', { level: 2 })`), or the third argument is one options
 * object. Every level runs on the single-level kernels of multidim.ts and
 * transform.ts (periodization on the package's periodization engine);
 * arguments are checked once, here.
 *
 * Results are float32 tensors owned by the caller; every function is
 * differentiable with exact adjoint gradients and leaves no tensors behind.
 */
import * as tf from '@tensorflow/tfjs';
import { WavecvError, check } from '../errors.js';
import { checkMode } from './extend.js';
import { type WaveletLike, analyzeAxis, checkSynthesisInput, cropTo, dwtMaxLevel, synthesizeAxis, waveletFilters } from './transform.js';
import { bandKeys } from './periodization.js';
import { type ArrayInput, type ModeOrOptions, normalizeAxes, normalizeAxis, resolveOptions, toFloatTensor, warn } from './input.js';
import { type AxesOptions, type AxesPlan, type AxisOptions, type CoeffInput, type Details2, axesPlan, checkSameShapes, checkSynthesisPlan, dwtnTensor, idwtnTensor, twoAxes } from './multidim.js';

/** Options of `wavedec`. */
export interface WavedecOptions extends AxisOptions {
  /** Decomposition level ≥ 0; default `dwtMaxLevel(n, wave)`. */
  level?: number;
}

/** Options of `wavedec2` and `wavedecn`. */
export interface WavedecnOptions extends AxesOptions {
  /** Decomposition level ≥ 0; default the smallest `dwtMaxLevel` over the axes. */
  level?: number;
}

/** `wavedec2` output: the approximation then the detail triples, coarsest first. */
export type Wavedec2Coeffs = [tf.Tensor, ...Details2[]];
/** `wavedecn` output: the approximation then the detail objects, coarsest first. */
export type WavedecnCoeffs = [tf.Tensor, ...Record<string, tf.Tensor>[]];

/** pywt's `_check_level`: resolves the default level, rejects bad ones, warns about too deep ones. */
function checkLevel(sizes: number[], waves: readonly WaveletLike[], level: number | undefined): number {
  sizes.forEach((n, i) => check(n >= 1, 'data', n, `at least one sample along every transformed axis (axis ${i} of the transform has ${n})`));
  const maxLevel = Math.min(...sizes.map((n, i) => dwtMaxLevel(n, waves[i])));
  if (level === undefined) return maxLevel;
  check(Number.isInteger(level) && level >= 0, 'level', level, `an integer ≥ 0 (or undefined for the maximum level, ${maxLevel} here)`);
  if (level > maxLevel) warn(`level ${level} is deeper than dwtMaxLevel = ${maxLevel} for axis length(s) [${sizes.join(', ')}]: all coefficients will experience boundary effects`);
  return level;
}

/** Multilevel 1-D DWT along `axis` (pywt `wavedec`): `[cA_n, cD_n, …, cD_1]`. */
export function wavedec(data: ArrayInput, wave: WaveletLike, modeOrOptions?: ModeOrOptions<WavedecOptions>, options?: Omit<WavedecOptions, 'mode'>): tf.Tensor[] {
  const resolved = resolveOptions<WavedecOptions>(modeOrOptions, options, false);
  const mode = checkMode(resolved.mode ?? 'symmetric');
  const filters = waveletFilters(wave);
  return tf.tidy(() => {
    const x = toFloatTensor(data);
    const axis = normalizeAxis(resolved.axis ?? -1, x.rank);
    const level = checkLevel([x.shape[axis]], [filters.wavelet], resolved.level);
    const details: tf.Tensor[] = [];
    let a = x;
    for (let i = 0; i < level; i++) {
      const [cA, cD] = analyzeAxis(a, filters, mode, axis);
      details.unshift(cD);
      a = cA;
    }
    return [level === 0 ? tf.clone(a) : a, ...details];
  });
}

function checkList(coeffs: unknown, name: string): asserts coeffs is unknown[] {
  check(Array.isArray(coeffs) && coeffs.length >= 1, 'coeffs', coeffs, `a non-empty list of coefficients as returned by ${name}`);
}

/**
 * Multilevel 1-D reconstruction (pywt `waverec`) from `[cA_n, cD_n, …, cD_1]`.
 * `cA_n` and any detail may be `null` (zeros).
 */
export function waverec(coeffs: CoeffInput[], wave: WaveletLike, modeOrOptions?: ModeOrOptions<AxisOptions>, options?: Omit<AxisOptions, 'mode'>): tf.Tensor {
  const resolved = resolveOptions<AxisOptions>(modeOrOptions, options, false);
  const mode = checkMode(resolved.mode ?? 'symmetric');
  checkList(coeffs, 'wavedec');
  const filters = waveletFilters(wave);
  return tf.tidy(() => {
    const asTensor = (c: CoeffInput, i: number) => (c === null || c === undefined ? null : toFloatTensor(c, `coeffs[${i}]`));
    let a = asTensor(coeffs[0], 0);
    if (coeffs.length === 1) {
      check(a !== null, 'coeffs[0]', coeffs[0], 'an approximation array for a level-0 list');
      return tf.clone(a);
    }
    coeffs.slice(1).forEach((c, i) => {
      const d = asTensor(c, i + 1);
      const ref = (a ?? d) as tf.Tensor | null;
      if (ref === null) return;
      const axis = normalizeAxis(resolved.axis ?? -1, ref.rank);
      if (a && d) {
        check(a.rank === d.rank, `coeffs[${i + 1}]`, d, `rank ${a.rank} like the approximation`);
        if (a.shape[axis] === d.shape[axis] + 1) a = cropTo(a, d.shape);
        else check(a.shape[axis] === d.shape[axis], `coeffs[${i + 1}]`, d, `${a.shape[axis]} or ${a.shape[axis] - 1} samples along axis ${axis} (coefficient shape mismatch)`);
        check(tf.util.arraysEqual(a.shape, d.shape), `coeffs[${i + 1}]`, d, `the shape of the approximation, [${a.shape.join(', ')}]`);
      }
      checkSynthesisInput(ref, filters, mode, axis, `coeffs[${i + 1}]`);
      a = synthesizeAxis(a, d, filters, mode, axis);
    });
    if (a === null) throw new WavecvError('coeffs', coeffs, 'at least one non-null coefficient array');
    return a;
  });
}

/** The multilevel analysis loop of a validated plan. */
function wavedecnTensor(x: tf.Tensor, plan: AxesPlan, levelOption: number | undefined): WavedecnCoeffs {
  const level = checkLevel(plan.axes.map((a) => x.shape[a]), plan.filters.map((f) => f.wavelet), levelOption);
  const approx = 'a'.repeat(plan.axes.length);
  const details: Record<string, tf.Tensor>[] = [];
  let a = x;
  for (let i = 0; i < level; i++) {
    const bands = dwtnTensor(a, plan);
    a = bands[approx];
    delete bands[approx];
    details.unshift(bands);
  }
  return [level === 0 ? tf.clone(a) : a, ...details] as WavedecnCoeffs;
}

/**
 * Multilevel 2-D DWT (pywt `wavedec2`) over `axes` (default the last two):
 * `[cA_n, [cH_n, cV_n, cD_n], …, [cH_1, cV_1, cD_1]]`.
 */
export function wavedec2(data: ArrayInput, wave: WaveletLike | readonly WaveletLike[], modeOrOptions?: ModeOrOptions<WavedecnOptions>, options?: Omit<WavedecnOptions, 'mode'>): Wavedec2Coeffs {
  const resolved = resolveOptions<WavedecnOptions>(modeOrOptions, options, true);
  return tf.tidy(() => {
    const x = toFloatTensor(data);
    check(x.rank >= 2, 'data', x, 'at least 2 dimensions');
    const axes = normalizeAxes(twoAxes(resolved.axes), x.rank, 'axes', true);
    const [a, ...details] = wavedecnTensor(x, axesPlan(wave, resolved.mode, axes), resolved.level);
    return [a, ...details.map((d) => [d.da, d.ad, d.dd] as Details2)] as Wavedec2Coeffs;
  });
}

/**
 * Multilevel 2-D reconstruction (pywt `waverec2`) from the `wavedec2` list.
 * Single detail bands may be `null` (zeros).
 */
export function waverec2(coeffs: [CoeffInput, ...[CoeffInput, CoeffInput, CoeffInput][]], wave: WaveletLike | readonly WaveletLike[], modeOrOptions?: ModeOrOptions<AxesOptions>, options?: Omit<AxesOptions, 'mode'>): tf.Tensor {
  const resolved = resolveOptions<AxesOptions>(modeOrOptions, options, true);
  checkList(coeffs, 'wavedec2');
  const axesOption = twoAxes(resolved.axes);
  const converted = coeffs.map((c, i) => {
    if (i === 0) return c;
    check(Array.isArray(c) && c.length === 3, `coeffs[${i}]`, c, 'a detail triple [cH, cV, cD] as returned by wavedec2');
    const [cH, cV, cD] = c as [CoeffInput, CoeffInput, CoeffInput];
    return { da: cH, ad: cV, dd: cD };
  });
  return waverecnImpl(converted as [CoeffInput, ...Record<string, CoeffInput>[]], wave, { mode: resolved.mode, axes: axesOption }, 'wavedec2');
}

/**
 * Multilevel n-D DWT (pywt `wavedecn`) over `axes` (default all, no
 * repeats): `[cA_n, {details_n}, …, {details_1}]`.
 */
export function wavedecn(data: ArrayInput, wave: WaveletLike | readonly WaveletLike[], modeOrOptions?: ModeOrOptions<WavedecnOptions>, options?: Omit<WavedecnOptions, 'mode'>): WavedecnCoeffs {
  const resolved = resolveOptions<WavedecnOptions>(modeOrOptions, options, true);
  return tf.tidy(() => {
    const x = toFloatTensor(data);
    const axes = resolved.axes === undefined ? x.shape.map((_, i) => i) : normalizeAxes(resolved.axes, x.rank, 'axes', true);
    return wavedecnTensor(x, axesPlan(wave, resolved.mode, axes), resolved.level);
  });
}

/**
 * Multilevel n-D reconstruction (pywt `waverecn`) from the `wavedecn` list.
 * The approximation may be `null`; detail objects may omit bands (zeros) but
 * not hold `null` values (pywt's rule).
 */
export function waverecn(coeffs: [CoeffInput, ...Record<string, CoeffInput>[]], wave: WaveletLike | readonly WaveletLike[], modeOrOptions?: ModeOrOptions<AxesOptions>, options?: Omit<AxesOptions, 'mode'>): tf.Tensor {
  const resolved = resolveOptions<AxesOptions>(modeOrOptions, options, true);
  checkList(coeffs, 'wavedecn');
  return waverecnImpl(coeffs, wave, resolved, 'wavedecn');
}

/**
 * The shared reconstruction loop. `source` is the decomposition the list came
 * from: pywt's `waverec2` accepts `null` detail bands and trims the
 * approximation at every level, `waverecn` rejects `null` details and trims
 * from the second level on.
 */
function waverecnImpl(coeffs: [CoeffInput, ...Record<string, CoeffInput>[]], wave: WaveletLike | readonly WaveletLike[], options: AxesOptions, source: 'wavedec2' | 'wavedecn'): tf.Tensor {
  const allowNullDetails = source === 'wavedec2';
  return tf.tidy(() => {
    const approx = coeffs[0] === null || coeffs[0] === undefined ? null : toFloatTensor(coeffs[0], 'coeffs[0]');
    const levels = coeffs.slice(1).map((d, i) => {
      const name = `coeffs[${i + 1}]`;
      check(d !== null && typeof d === 'object' && !Array.isArray(d) && !(d instanceof tf.Tensor), name, d, `a detail object as returned by ${source}`);
      const bands = new Map<string, tf.Tensor>();
      for (const [key, value] of Object.entries(d)) {
        check(/^[ad]+$/.test(key) && key.includes('d'), `${name} key`, key, 'a detail key of "a"/"d" letters with at least one "d"');
        if (value === null || value === undefined) {
          check(allowNullDetails, `${name}.${key}`, value, 'an array (use zeros instead of null in multilevel coefficients, as pywt requires)');
          continue;
        }
        bands.set(key, toFloatTensor(value, `${name}.${key}`));
      }
      if (bands.size > 0) checkSameShapes(bands, name);
      return bands;
    });
    if (levels.length === 0) {
      check(approx !== null, 'coeffs[0]', coeffs[0], 'an approximation array for a level-0 list');
      return tf.clone(approx);
    }
    const ranks = new Set([...(approx ? [approx.rank] : []), ...levels.flatMap((b) => [...b.values()].map((t) => t.rank))]);
    check(ranks.size === 1, 'coeffs', [...ranks], 'coefficients of one rank');
    const rank = [...ranks][0];
    const axes = options.axes === undefined ? Array.from({ length: rank }, (_, i) => i) : normalizeAxes(options.axes, rank, 'axes', true);
    const plan = axesPlan(wave, options.mode, axes);
    const approxKey = 'a'.repeat(axes.length);
    const keys = bandKeys(axes.length);
    for (const [i, bands] of levels.entries()) {
      for (const key of bands.keys()) check(key.length === axes.length, `coeffs[${i + 1}] key`, key, `${axes.length} letters (one per axis)`);
      for (const key of bands.keys()) check(keys.includes(key), `coeffs[${i + 1}] key`, key, 'a valid band key');
    }
    let a: tf.Tensor | null = approx;
    levels.forEach((bands, idx) => {
      if (a === null && bands.size === 0) return;
      const name = `coeffs[${idx + 1}]`;
      const first = [...bands.values()][0];
      if (a && first && (idx > 0 || source === 'wavedec2')) {
        const diff = a.shape.map((s, i) => s - first.shape[i]);
        check(diff.every((v) => v === 0 || v === 1), name, first, `shape [${a.shape.join(', ')}] or one less per axis (the approximation's shape; incompatible coefficient sizes)`);
        a = cropTo(a, first.shape);
      }
      const record = new Map(bands);
      if (a) {
        if (first) check(tf.util.arraysEqual(a.shape, first.shape), name, first, `the shape of the approximation, [${a.shape.join(', ')}]`);
        record.set(approxKey, a);
      }
      checkSynthesisPlan((a ?? first) as tf.Tensor, plan, name);
      a = idwtnTensor(record, plan);
    });
    if (a === null) throw new WavecvError('coeffs', coeffs, 'at least one non-null coefficient array');
    return a;
  });
}
