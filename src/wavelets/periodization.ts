/**
 * pywt's `periodization` mode over any distinct axes of a tensor of any rank,
 * on the one periodization engine of the package (filter-bank-conv.ts, which
 * the layers run on too): `dwtn`/`idwtn`-style band maps for the functional
 * API (`dwt`, `dwt2`, `dwtn`, the multilevel functions and their inverses).
 *
 * The engine transforms the spatial axes of a channels-last `[B, s1…sd, C]`
 * tensor, bands in product order over those axes (first axis most
 * significant). Here a tensor is brought into that form with as few memory
 * passes as possible (my design):
 *  - transformed axes that are consecutive, with at least one sample-carrying
 *    axis after them, need only a reshape: `[P, n1…nd, Q]` (NHWC with
 *    axes [1, 2] is exactly the layers' layout);
 *  - otherwise (axes apart, or nothing after them, as in the default last
 *    two axes of an image or an NCHW batch) one transpose moves the
 *    transformed axes first and the rest last, `[1, n1…nd, R]`, so that the
 *    other samples are the engine's channels (the depthwise kernels run over
 *    them) — one pass in, one pass over the (half-size) bands out.
 * Band keys follow pywt: one `'a'`/`'d'` letter per entry of `axes`, in the
 * order given, whatever the order of the axes in the tensor.
 *
 * Callers validate their arguments (the public functions in multidim.ts,
 * multilevel.ts and transform.ts); nothing is checked here.
 */
import * as tf from '@tensorflow/tfjs';
import { analysisOp, synthesisOp } from './filter-bank-conv.js';
import type { Wavelet } from './filters.js';

/** How a tensor maps onto the engine's `[B, n1…nd, C]` form. */
interface EngineView {
  /** Transposition applied first (transformed axes first, ascending; the rest after), or null for a plain reshape. */
  perm: number[] | null;
  /** The engine's shape, with the transformed sizes of the input. */
  view: number[];
  /** The transformed axes in ascending order. */
  sorted: number[];
}

function product(values: readonly number[]): number {
  return values.reduce((p, s) => p * s, 1);
}

function engineView(shape: readonly number[], axes: readonly number[]): EngineView {
  const sorted = [...axes].sort((a, b) => a - b);
  const sizes = sorted.map((a) => shape[a]);
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  const consecutive = last - first === sorted.length - 1;
  const outer = product(shape.slice(0, first));
  const inner = product(shape.slice(last + 1));
  if (consecutive && (inner > 1 || outer === 1)) return { perm: null, view: [outer, ...sizes, inner], sorted };
  const rest = shape.map((_, i) => i).filter((i) => !sorted.includes(i));
  return { perm: [...sorted, ...rest], view: [1, ...sizes, product(rest.map((i) => shape[i]))], sorted };
}

function toEngine(x: tf.Tensor, v: EngineView): tf.Tensor {
  return tf.reshape(v.perm ? tf.transpose(x, v.perm) : x, v.view);
}

/** Inverse of {@link toEngine} for an engine result whose transformed sizes are `sizes` (ascending axis order). */
function fromEngine(y: tf.Tensor, v: EngineView, shape: readonly number[], sizes: readonly number[]): tf.Tensor {
  const out = [...shape];
  v.sorted.forEach((a, i) => (out[a] = sizes[i]));
  if (!v.perm) return tf.reshape(y, out);
  const permuted = tf.reshape(y, v.perm.map((a) => out[a]));
  const inverse = new Array<number>(v.perm.length);
  v.perm.forEach((a, i) => (inverse[a] = i));
  return tf.transpose(permuted, inverse);
}

/** Position in the engine's product order of the band `key` (one letter per entry of `axes`). */
function productIndex(key: string, axes: readonly number[], sorted: readonly number[]): number {
  const d = sorted.length;
  let index = 0;
  axes.forEach((axis, i) => {
    if (key[i] === 'd') index += 2 ** (d - 1 - sorted.indexOf(axis));
  });
  return index;
}

/** All `'a'/'d'` keys of length `n` in pywt's order (`aa, ad, da, dd` for n = 2). */
export function bandKeys(n: number): string[] {
  let keys = [''];
  for (let i = 0; i < n; i++) keys = keys.flatMap((k) => [`${k}a`, `${k}d`]);
  return keys;
}

/**
 * Single-level periodization DWT of float32 `x` over distinct `axes` with
 * `wave`: pywt `dwtn(x, wave, 'periodization', axes)`, every band
 * `⌈n/2⌉` samples per transformed axis (odd axes extended by their last
 * sample). Differentiable (exact adjoint, see filter-bank-conv.ts).
 */
export function periodizationDwtn(x: tf.Tensor, wave: Wavelet, axes: readonly number[]): Record<string, tf.Tensor> {
  return tf.tidy(() => {
    const v = engineView(x.shape, axes);
    const bands = analysisOp(toEngine(x, v), [wave.decLo, wave.decHi], axes.length, 'extend');
    const sizes = v.sorted.map((a) => Math.ceil(x.shape[a] / 2));
    return Object.fromEntries(bandKeys(axes.length).map((key) => [key, fromEngine(bands[productIndex(key, axes, v.sorted)], v, x.shape, sizes)]));
  });
}

/**
 * Single-level periodization IDWT over distinct `axes` (pywt
 * `idwtn(bands, wave, 'periodization', axes)`): `bands` maps keys (one
 * letter per entry of `axes`) to float32 tensors of one shape; missing keys
 * are zeros, at least one is present. Returns `2n` samples per transformed
 * axis. Differentiable (exact adjoint).
 */
export function periodizationIdwtn(bands: ReadonlyMap<string, tf.Tensor>, wave: Wavelet, axes: readonly number[]): tf.Tensor {
  return tf.tidy(() => {
    const shape = [...bands.values()][0].shape;
    const v = engineView(shape, axes);
    const ordered = new Array<tf.Tensor>(2 ** axes.length);
    for (const key of bandKeys(axes.length)) {
      const band = bands.get(key);
      ordered[productIndex(key, axes, v.sorted)] = band ? toEngine(band, v) : tf.zeros(v.view);
    }
    const y = synthesisOp(ordered, [wave.recLo, wave.recHi], axes.length, undefined, 'crop');
    return fromEngine(y, v, shape, v.sorted.map((a) => 2 * shape[a]));
  });
}
