/**
 * PyWavelets 1.1.1's `coeffs_to_array` and `array_to_coeffs`: the
 * coefficients of a multilevel decomposition (`wavedec`, `wavedec2` or
 * `wavedecn` format) packed into one array, and back, with pywt's layout and
 * its `coeff_slices` structure.
 *
 * Layout (pywt's rule): the approximation sits at the origin; at each level,
 * from the coarsest, a band's letter `'d'` along a transformed axis places it
 * after everything packed so far on that axis, a letter `'a'` at the start.
 * In 2-D, `cH` (key `'da'`, detail along the first axis) goes below the
 * approximation, `cV` (`'ad'`) to its right, `cD` diagonally — the classic
 * subband mosaic. Along each transformed axis the array is as long as the
 * approximation plus the `'dd…d'` bands of every level; cells no band covers
 * (coefficient lengths that do not halve exactly) hold `padding`.
 *
 * Slices: one entry per axis of the array, `[start, stop)` or `null` for an
 * axis that was not transformed (pywt's `slice(None)`, the whole axis), in a
 * list shaped like the coefficients: `[approximation, {key: slices}, …]`.
 *
 * My decisions: the packing is differentiable (each band zero-padded into
 * place and summed, the padding cells set by one `where`), so a loss on the
 * packed array trains through it; bands are float32 tensors or nested number
 * arrays, as everywhere in the wavelet API.
 */
import * as tf from '@tensorflow/tfjs';
import { check } from '../errors.js';
import { type ArrayInput, normalizeAxes, toFloatTensor } from './input.js';
import type { CoeffInput, Details2 } from './multidim.js';
import type { Wavedec2Coeffs, WavedecnCoeffs } from './multilevel.js';

/** One axis of a slice: `[start, stop)`, or `null` for the whole axis (pywt's `slice(None)`). */
export type AxisSlice = readonly [start: number, stop: number] | null;
/** Where each band of a decomposition sits in the packed array, shaped like the `wavedecn` list. */
export type CoeffSlices = [AxisSlice[], ...Record<string, AxisSlice[]>[]];
/** The coefficient lists `coeffsToArray` packs: `wavedec`, `wavedec2` or `wavedecn` output. */
export type PackableCoeffs = [ArrayInput, ...(ArrayInput | [ArrayInput, ArrayInput, ArrayInput] | Record<string, ArrayInput>)[]];
/** The coefficient formats `arrayToCoeffs` produces. */
export const COEFF_FORMATS = ['wavedec', 'wavedec2', 'wavedecn'] as const;
export type CoeffFormat = (typeof COEFF_FORMATS)[number];

export interface CoeffsToArrayOptions {
  /**
   * Value of the cells no coefficient covers (default 0, as pywt); `null`
   * refuses coefficients that do not pack tightly.
   */
  padding?: number | null;
  /** Axes the decomposition transformed (default all; required when it transformed a subset). */
  axes?: readonly number[];
}

function isDetailObject(value: unknown): value is Record<string, CoeffInput> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof tf.Tensor) && !ArrayBuffer.isView(value);
}

/** One band with the key of its detail level ('' for the approximation). */
interface Band {
  level: number;
  key: string;
  tensor: tf.Tensor;
}

/**
 * The `wavedecn`-format levels of a `wavedec`, `wavedec2` or `wavedecn` list
 * (pywt's `_prepare_coeffs_axes`): every band as a float32 tensor.
 */
function toWavedecn(coeffs: unknown): { approx: tf.Tensor; levels: Map<string, tf.Tensor>[] } {
  check(Array.isArray(coeffs) && coeffs.length > 0, 'coeffs', coeffs, 'a non-empty coefficient list as returned by wavedec, wavedec2 or wavedecn');
  const list = coeffs as unknown[];
  check(list[0] !== null && list[0] !== undefined, 'coeffs[0]', list[0], 'an approximation array (coeffsToArray does not take missing coefficients)');
  const approx = toFloatTensor(list[0], 'coeffs[0]');
  const second = list[1];
  const wavedec2 = Array.isArray(second) && second.length === 3 && typeof second[0] !== 'number';
  const levels = list.slice(1).map((level, i) => {
    const name = `coeffs[${i + 1}]`;
    const bands = new Map<string, tf.Tensor>();
    const add = (key: string, value: unknown, argument: string) => {
      check(value !== null && value !== undefined, argument, value, 'an array (coeffsToArray does not take missing coefficients)');
      bands.set(key, toFloatTensor(value, argument));
    };
    if (isDetailObject(second)) {
      check(isDetailObject(level), name, level, 'a detail object, like coeffs[1] (wavedecn format)');
      for (const [key, value] of Object.entries(level)) {
        check(/^[ad]+$/.test(key) && key.includes('d'), `${name} key`, key, 'a detail key of "a"/"d" letters with at least one "d"');
        add(key, value, `${name}.${key}`);
      }
    } else if (wavedec2) {
      check(Array.isArray(level) && level.length === 3, name, level, 'a detail triple [cH, cV, cD], like coeffs[1] (wavedec2 format)');
      (['da', 'ad', 'dd'] as const).forEach((key, b) => add(key, (level as unknown[])[b], `${name}[${b}]`));
    } else {
      add('d', level, name);
      check(bands.get('d')!.rank === 1, name, bands.get('d'), 'a 1-D detail array (wavedec format: pywt packs 1-D decompositions only)');
    }
    return bands;
  });
  return { approx, levels };
}

/**
 * pywt `coeffs_to_array(coeffs, padding, axes)`: the bands of a multilevel
 * decomposition packed into one float32 array, and the slices that locate
 * each band in it. A level-0 list (the approximation alone) gives the
 * approximation and whole-axis slices.
 */
export function coeffsToArray(coeffs: PackableCoeffs, options: CoeffsToArrayOptions = {}): [tf.Tensor, CoeffSlices] {
  const padding = options.padding === undefined ? 0 : options.padding;
  check(padding === null || typeof padding === 'number', 'padding', padding, 'a number (NaN allowed) or null for tight packing only');
  let slices: CoeffSlices = [[]];
  const array = tf.tidy(() => {
    const { approx, levels } = toWavedecn(coeffs);
    const rank = approx.rank;
    if (levels.length === 0) {
      slices = [new Array<AxisSlice>(rank).fill(null)];
      return tf.clone(approx);
    }
    const keyLength = [...levels[0].keys()][0]?.length ?? 0;
    check(options.axes !== undefined || keyLength === rank, 'axes', options.axes, `the ${keyLength} axes the decomposition transformed (its keys have ${keyLength} letters, the coefficients ${rank} axes)`);
    const axes = options.axes === undefined ? Array.from({ length: rank }, (_, i) => i) : normalizeAxes(options.axes, rank, 'axes', true);
    check(axes.length === keyLength, 'axes', options.axes, `${keyLength} axes, one per letter of the band keys`);
    const full = 'd'.repeat(keyLength);

    const shape = [...approx.shape];
    const bands: Band[] = [{ level: 0, key: '', tensor: approx }];
    levels.forEach((level, i) => {
      const name = `coeffs[${i + 1}]`;
      check(level.has(full), name, [...level.keys()], `a "${full}" band (the detail along every transformed axis)`);
      for (const [key, band] of level) {
        check(key.length === keyLength, `${name} key`, key, `${keyLength} letters like the other levels' keys`);
        check(band.rank === rank, `${name}.${key}`, band, `rank ${rank} like the approximation`);
        bands.push({ level: i + 1, key, tensor: band });
      }
      axes.forEach((a) => (shape[a] += level.get(full)!.shape[a]));
    });

    // pywt's slices: 'a' → [0, size), 'd' → after what the previous levels packed; untransformed axes whole.
    slices = [approx.shape.map((s) => [0, s] as const)];
    const packed = [...approx.shape];
    const boxes: { band: Band; box: AxisSlice[] }[] = [{ band: bands[0], box: slices[0] }];
    levels.forEach((level, i) => {
      const record: Record<string, AxisSlice[]> = {};
      for (const [key, tensor] of level) {
        const box: AxisSlice[] = new Array<AxisSlice>(rank).fill(null);
        [...key].forEach((letter, j) => {
          const a = axes[j];
          box[a] = letter === 'a' ? [0, tensor.shape[a]] : [packed[a], packed[a] + tensor.shape[a]];
        });
        box.forEach((b, a) => {
          const fits = b ? b[1] <= shape[a] : tensor.shape[a] === shape[a];
          check(fits, `coeffs[${i + 1}].${key}`, tensor, `${b ? `at most ${shape[a] - b[0]}` : shape[a]} samples along axis ${a} (it must fit the packed array [${shape.join(', ')}])`);
        });
        record[key] = box;
        boxes.push({ band: { level: i + 1, key, tensor }, box });
      }
      slices.push(record);
      axes.forEach((a) => (packed[a] += level.get(full)!.shape[a]));
    });

    const total = shape.reduce((p, s) => p * s, 1);
    const covered = boxes.reduce((n, { band }) => n + band.tensor.size, 0);
    check(padding !== null || covered === total, 'padding', padding, `a number: these coefficients do not pack tightly (${covered} values in a [${shape.join(', ')}] array)`);
    const pieces = boxes.map(({ band, box }) =>
      tf.pad(band.tensor, box.map((b, a) => (b ? [b[0], shape[a] - b[1]] : [0, 0]) as [number, number])),
    );
    const sum = pieces.length === 1 ? pieces[0] : tf.addN(pieces);
    return covered === total ? sum : tf.where(coverageMask(shape, boxes.map((b) => b.box)), sum, tf.fill(shape, padding as number));
  });
  return [array, slices];
}

/** A bool tensor of `shape`, true inside any of the boxes (host-side: the boxes are few, the mask is built once). */
function coverageMask(shape: number[], boxes: AxisSlice[][]): tf.Tensor {
  const strides = shape.map((_, a) => shape.slice(a + 1).reduce((p, s) => p * s, 1));
  const mask = new Uint8Array(shape.reduce((p, s) => p * s, 1));
  for (const box of boxes) {
    const ranges = box.map((b, a) => (b ? b : ([0, shape[a]] as const)));
    const fill = (axis: number, offset: number): void => {
      const [start, stop] = ranges[axis];
      for (let i = start; i < stop; i++) {
        const at = offset + i * strides[axis];
        if (axis === shape.length - 1) mask[at] = 1;
        else fill(axis + 1, at);
      }
    };
    fill(0, 0);
  }
  return tf.tensor(mask, shape, 'bool');
}

function checkSlice(slice: unknown, shape: readonly number[], argument: string): AxisSlice[] {
  check(Array.isArray(slice) && slice.length === shape.length, argument, slice, `${shape.length} axis slices ([start, stop] or null), one per axis of the array`);
  return (slice as unknown[]).map((s, a) => {
    if (s === null) return null;
    const ok = Array.isArray(s) && s.length === 2 && s.every(Number.isInteger) && 0 <= s[0] && s[0] < s[1] && s[1] <= shape[a];
    check(ok, `${argument}[${a}]`, s, `null or [start, stop] with 0 ≤ start < stop ≤ ${shape[a]}`);
    return s as unknown as AxisSlice;
  });
}

function take(array: tf.Tensor, slice: AxisSlice[]): tf.Tensor {
  const begin = slice.map((s) => (s ? s[0] : 0));
  const size = slice.map((s, a) => (s ? s[1] - s[0] : array.shape[a]));
  return tf.slice(array, begin, size);
}

/**
 * pywt `array_to_coeffs(arr, coeff_slices, output_format)`: the bands of a
 * packed array as a `wavedec`, `wavedec2` or `wavedecn` list (default), ready
 * for `waverec`, `waverec2` or `waverecn`. Differentiable (slices).
 */
export function arrayToCoeffs(array: ArrayInput, slices: CoeffSlices, format: 'wavedec'): tf.Tensor[];
export function arrayToCoeffs(array: ArrayInput, slices: CoeffSlices, format: 'wavedec2'): Wavedec2Coeffs;
export function arrayToCoeffs(array: ArrayInput, slices: CoeffSlices, format?: 'wavedecn'): WavedecnCoeffs;
export function arrayToCoeffs(array: ArrayInput, slices: CoeffSlices, format: CoeffFormat = 'wavedecn'): tf.Tensor[] | Wavedec2Coeffs | WavedecnCoeffs {
  check((COEFF_FORMATS as readonly string[]).includes(format), 'format', format, `one of ${COEFF_FORMATS.join(', ')}`);
  check(Array.isArray(slices) && slices.length > 0, 'slices', slices, 'a non-empty slice list as returned by coeffsToArray');
  return tf.tidy(() => {
    const arr = toFloatTensor(array, 'array');
    const approx = take(arr, checkSlice(slices[0], arr.shape, 'slices[0]'));
    const levels = slices.slice(1).map((level, i) => {
      const name = `slices[${i + 1}]`;
      check(isDetailObject(level), name, level, 'an object of band slices keyed by "a"/"d" strings');
      const record = level as Record<string, unknown>;
      const needed = format === 'wavedec' ? ['d'] : format === 'wavedec2' ? ['da', 'ad', 'dd'] : Object.keys(record);
      for (const key of needed) check(key in record, `${name}.${key}`, undefined, `the slices of band "${key}" (${format} format)`);
      return Object.fromEntries(needed.map((key) => [key, take(arr, checkSlice(record[key], arr.shape, `${name}.${key}`))]));
    });
    if (format === 'wavedec') return [approx, ...levels.map((l) => l.d)];
    if (format === 'wavedec2') return [approx, ...levels.map((l) => [l.da, l.ad, l.dd] as Details2)] as Wavedec2Coeffs;
    return [approx, ...levels] as WavedecnCoeffs;
  });
}
