/**
 * Periodized wavelet filter banks on NWC / NHWC / NDHWC tensors as strided
 * depthwise convolutions, with exact adjoint gradients — the one
 * periodization engine of the package: under the wavelet layers (layers.ts)
 * and, through periodization.ts, the functional `dwt`/`dwt2`/`dwtn` and the
 * multilevel functions.
 *
 * Conventions (pywt 1.1.1, mode `periodization`; checked against pywt by the
 * layer tests). Along one axis of length `N`, let `M = N` for even `N` and
 * `M = N + 1` for odd `N` (the signal is extended by repeating its last
 * sample), `n = M/2`, `L` the filter length (even for every pywt wavelet):
 *
 *   analysis   y_b[k] = Σ_j h_b[j] · x̃[(2k + L/2 − j) mod M]            (A)
 *   synthesis  x[(2k + 1 − L/2 + j) mod 2n] += g_b[j] · y_b[k]           (S)
 *
 * with `h = (decLo, decHi)` for the DWT and `g = (recLo, recHi)` for the
 * IDWT (Mallat's pyramid algorithm, S. Mallat, IEEE TPAMI 11(7), 1989,
 * eqs. 35–36 and 41, on a circle). `(A)` with filters `h` has the adjoint
 * `(S)` with the reversed filters, and `(S)` with `g` has the adjoint `(A)`
 * with the reversed filters; the odd-length extension has the adjoint "fold
 * the extra sample back onto the last one", and cropping the synthesis to an
 * odd length has the adjoint "append a zero". So the four operations form a
 * closed family, and every backward pass here is another forward pass of the
 * family (`analysis` ↔ `synthesis`), which is itself differentiable. For
 * orthogonal wavelets the reversed decomposition filters are the
 * reconstruction filters, so the gradient of the DWT is the IDWT.
 *
 * A d-dimensional transform is the product of one-axis transforms; bands come
 * out in product order over the spatial axes with the first axis most
 * significant and `a` (filter 0) before `d` (filter 1) — the order of pywt's
 * `dwtn` keys ('aa', 'ad', 'da', 'dd'; 'aaa', …, 'ddd'). One filter instead of
 * two gives one band (used for the low band alone and for the average of all
 * bands, whose separable filter is `(decLo + decHi)/2` per axis).
 *
 * Two implementations of the same transforms, chosen per call:
 *  - where the backend has wavecv's native filter-bank kernels (wasm in Node
 *    with the native addon built), every axis is one native pass that
 *    gathers each output row from the input rows it needs
 *    (filter-bank-native.ts; `src/engine/kernels/native-filter-bank.ts`);
 *  - everywhere else (browsers, no addon, the cpu/webgl/webgpu backends) the
 *    strided depthwise convolutions below.
 * Both sit under the same recorded operation and adjoint gradients.
 *
 * How the convolution path runs (design choices of mine, measured on the
 * wasm backend with XNNPACK at 8×128×128×64):
 *  - every convolution is a `depthwiseConv2d` with channel multiplier 1 on a
 *    4-D view `[outer, n, inner, C]` of the tensor (a reshape, no copy). Its
 *    XNNPACK kernel is fast only for 4, 9 or 25 taps (1×1 also), so kernels are
 *    padded with zero taps to those sizes (2-tap: 2 ms, 8-tap: 50 ms; padded
 *    to 9: 7.5 ms). Multiplier > 1 and `conv2dTranspose` are 10× slower.
 *  - the circular extension is a concat of the tensor with two small strips,
 *    each copied by a one-hot dilated depthwise conv (`gather` costs ~45 ns
 *    per element on wasm, and `slice` first copies the whole source).
 *  - analysis along an axis: one stride-2 conv per filter on the padded view.
 *    2-D analysis with 2-tap filters (Haar, `bior1.1`…) is one 2×2 stride-2
 *    conv per band over both axes at once.
 *  - synthesis along an axis with two bands: the bands are interleaved along
 *    the axis (a concat + reshape), padded circularly, and each output phase
 *    (even/odd samples) is one stride-2 conv of that sequence — the polyphase
 *    form of "upsample, filter, add" with no transposed convolution; the two
 *    phases are interleaved again. With one band the phases are stride-1
 *    convs of the band. For filters with L ≡ 0 mod 4 (db2, db4, sym4,
 *    bior3.3, …) the windows of the two phases are one output sample apart,
 *    so each phase gets its own padding instead of one kernel grown past a
 *    fast size (db4: two 9-tap convs instead of two 25-tap ones, 7× faster).
 *    2-tap filters in 2-D compute each output phase as a linear combination
 *    of the four bands (see `synthesisStage2`).
 * Each transform is one recorded operation (several outputs, so the engine's
 * `runKernelFunc` rather than `tf.customGrad`): autograd never traces the
 * pads, convs and interleaves inside. Kernel tensors are built per call and
 * freed; nothing is cached.
 *
 * Measured (`npm run bench -- dwt`: DWT then IDWT of 4×128×128×32, forward
 * and forward + backward, CPU time, one thread each, against PyTorch 1.13
 * doing the transform as pytorch_wavelets does, separable 1-D strided
 * convolutions; a 2-core machine at load ≈ 33, so ±30 % run to run), ratio
 * wavecv / PyTorch, layers and `dwt2`/`idwt2` alike: native filter banks
 * haar 0.28 forward and 0.40 forward + backward, db4 0.25–0.27 and 0.30;
 * convolution path (`WAVECV_NATIVE=0`) haar 0.82–0.97 and 0.62–0.75, db4
 * 0.68–0.92 and 0.74–0.78.
 */
import * as tf from '@tensorflow/tfjs';
import { hasNativeFilterBank } from '../engine/kernels/native-filter-bank.js';
import { WavecvError } from '../errors.js';
import { nativeAnalysisND, nativeSynthesisND } from './filter-bank-native.js';
import type { FilterList, OddInput, OddOutput } from './filter-bank-types.js';

type Tensor4D = tf.Tensor4D;

/* ----------------------------------------------------------------------------
 * Depthwise convolution with fast tap counts
 * ------------------------------------------------------------------------- */

const FAST_1D = [1, 4, 9, 25];
const FAST_2D = [1, 2, 3, 5];

function roundUp(value: number, sizes: readonly number[]): number {
  return sizes.find((s) => s >= value) ?? value;
}

/**
 * `depthwiseConv2d` (valid, multiplier 1) of `x` with the same `kh × kw` taps
 * for every channel. The kernel is zero-padded to a size XNNPACK runs with
 * its fast unipass kernels, with matching zero padding after the input so the
 * output shape is the unpadded one.
 */
function depthwise(x: Tensor4D, taps: ArrayLike<number>, kh: number, kw: number, strides: [number, number]): Tensor4D {
  let fh = kh;
  let fw = kw;
  if (kh === 1 || kw === 1) {
    if (kh === 1 && kw === 1) fh = fw = 1;
    else if (kh === 1) fw = roundUp(kw, FAST_1D);
    else fh = roundUp(kh, FAST_1D);
  } else if (kh * kw !== 4) {
    const side = roundUp(Math.max(kh, kw), FAST_2D);
    fh = fw = side;
  }
  const channels = x.shape[3];
  const values = new Float32Array(fh * fw * channels);
  for (let r = 0; r < kh; r++) {
    for (let c = 0; c < kw; c++) {
      const tap = taps[r * kw + c];
      if (tap === 0) continue;
      values.fill(tap, (r * fw + c) * channels, (r * fw + c + 1) * channels);
    }
  }
  const kernel = tf.tensor4d(values, [fh, fw, channels, 1]);
  const pad: [[number, number], [number, number], [number, number], [number, number]] = [
    [0, 0],
    [0, fh - kh],
    [0, fw - kw],
    [0, 0],
  ];
  const y = tf.depthwiseConv2d(x, kernel, strides, fh === kh && fw === kw ? 'valid' : pad);
  kernel.dispose();
  return y;
}

/* ----------------------------------------------------------------------------
 * Circular padding, interleaving, odd lengths
 * ------------------------------------------------------------------------- */

function mod(a: number, m: number): number {
  return ((a % m) + m) % m;
}

/**
 * Rows `[from, from + count)` of axis `axis` (1 or 2) of `x`, as a dilated
 * 4-tap depthwise convolution with the one-hot kernel `[0, 1, 0, 0]`: with
 * dilation `n + from` and `n` zero rows of padding before, tap 1 reads the
 * wanted row and taps 0, 2, 3 read only padding, so the copy is exact. (My
 * design: on wasm this runs in XNNPACK at ~0.2 ms for a strip of
 * 8×4×128×64, where `gather` takes ~9 ms and `slice` first copies the whole
 * source out of the heap.)
 */
function takeRows(x: Tensor4D, axis: 1 | 2, from: number, count: number): Tensor4D {
  const n = x.shape[axis];
  if (from === 0 && count === n) return x;
  const channels = x.shape[3];
  const values = new Float32Array(4 * channels).fill(1, channels, 2 * channels);
  const kernel = tf.tensor4d(values, axis === 1 ? [4, 1, channels, 1] : [1, 4, channels, 1]);
  const dilation = n + from;
  const before = n;
  const after = count + 3 * dilation - n - before;
  const pad: [[number, number], [number, number], [number, number], [number, number]] = [
    [0, 0],
    axis === 1 ? [before, after] : [0, 0],
    axis === 2 ? [before, after] : [0, 0],
    [0, 0],
  ];
  const y = tf.depthwiseConv2d(x, kernel, 1, pad, 'NHWC', axis === 1 ? [dilation, 1] : [1, dilation]);
  kernel.dispose();
  return y;
}

/**
 * Pads axis `axis` (1 or 2) of `x` (length `n`) circularly: the result is the
 * periodic signal of period `m` (`m = n`, or `n + 1` for the odd-length
 * extension whose extra sample repeats the last) from index `−before` to
 * `m + after − 1`, concatenated from runs of consecutive source rows.
 */
function circularPad(x: Tensor4D, axis: 1 | 2, m: number, before: number, after: number): Tensor4D {
  const n = x.shape[axis];
  if (before === 0 && m + after === n) return x;
  const sources = Array.from({ length: before + m + after }, (_, i) => Math.min(mod(i - before, m), n - 1));
  const parts: Tensor4D[] = [];
  let start = 0;
  for (let i = 1; i <= sources.length; i++) {
    if (i < sources.length && sources[i] === sources[i - 1] + 1) continue;
    parts.push(takeRows(x, axis, sources[start], i - start));
    start = i;
  }
  return parts.length === 1 ? parts[0] : tf.concat(parts, axis);
}

/** Runs of contiguous values below which {@link interleave} pads and adds instead of concatenating. */
const SHORT_RUN = 512;

/**
 * Interleaves `a` and `b` along `axis` (1 or 2): `out[2i] = a[i]`,
 * `out[2i + 1] = b[i]`. Viewed as `[rows, 1, run]` (`run` the values after
 * the axis), that is a concat along the middle axis; wasm's Concat copies one
 * run at a time from JavaScript, which is slow for short runs (the last
 * spatial axis: `run = C`), so short runs are interleaved as
 * `pad(a, after) + pad(b, before)` in wasm's own Pad and Add instead (3.5 →
 * 2.1 ms for `[4, 64, 64, 32]` pairs, measured).
 */
function interleave(a: Tensor4D, b: Tensor4D, axis: 1 | 2): Tensor4D {
  const [p, n1, n2, c] = a.shape;
  const run = axis === 1 ? n2 * c : c;
  const view: [number, number, number, number] = [axis === 1 ? p : p * n1, axis === 1 ? n1 : n2, 1, run];
  const out = axis === 1 ? [p, 2 * n1, n2, c] : [p, n1, 2 * n2, c];
  const [av, bv] = [tf.reshape(a, view) as Tensor4D, tf.reshape(b, view) as Tensor4D];
  if (run >= SHORT_RUN) return tf.concat([av, bv], 2).reshape(out);
  const padded = (v: tf.Tensor4D, before: number) => tf.pad(v, [[0, 0], [0, 0], [before, 1 - before], [0, 0]]);
  return tf.add(padded(av, 0), padded(bv, 1)).reshape(out);
}

/** `x` cut to `size` along `axis`: dropping the last sample (crop) or adding it onto the one before (fold). */
function shorten(x: Tensor4D, axis: 1 | 2, size: number, rule: OddOutput): Tensor4D {
  const length = x.shape[axis];
  if (size === length) return x;
  const begin = [0, 0, 0, 0];
  const keep = [...x.shape] as number[];
  keep[axis] = size;
  const head = tf.slice(x, begin, keep);
  if (rule === 'crop') return head;
  const lastBegin = [0, 0, 0, 0];
  lastBegin[axis] = size;
  const lastSize = [...x.shape] as number[];
  lastSize[axis] = 1;
  const padding: [number, number][] = [
    [0, 0],
    [0, 0],
    [0, 0],
    [0, 0],
  ];
  padding[axis] = [size - 1, 0];
  return tf.add(head, tf.pad(tf.slice(x, lastBegin, lastSize), padding));
}

/** Appends one zero sample along `axis`. */
function appendZero(x: Tensor4D, axis: 1 | 2): Tensor4D {
  const padding: [number, number][] = [
    [0, 0],
    [0, 0],
    [0, 0],
    [0, 0],
  ];
  padding[axis] = [0, 1];
  return tf.pad(x, padding);
}

/* ----------------------------------------------------------------------------
 * One-axis kernels (correlation form of (A) and the polyphase form of (S))
 * ------------------------------------------------------------------------- */

/** Analysis (A) as a correlation on the signal padded by `before = after = L/2 − 1`: taps `h[L − 1 − e]`. */
function analysisTaps(h: readonly number[]): number[] {
  return [...h].reverse();
}
const analysisPadding = (L: number) => ({ before: L / 2 - 1, after: L / 2 - 1 });

/** One output phase of a synthesis: correlation taps over the source padded by `before`/`after`. */
interface PhaseKernel {
  taps: number[];
  before: number;
  after: number;
}

/**
 * Builds the two phase kernels of a synthesis whose output sample `2i + p`
 * is `Σ_u w(p, u) · src[stride·i + u]` (source indices circular). Each kernel
 * spans the source offsets `u` it needs (at least `[0, stride)`, so the
 * padding is never negative); when one window for both phases would need a
 * slower kernel size than two windows (the phases of filters with
 * `L ≡ 0 mod 4` are offset by one output sample), each phase gets its own.
 */
function phaseKernels(weight: (p: number, u: number) => number | undefined, span: [number, number], stride: number): [PhaseKernel, PhaseKernel] {
  const used = [0, 1].map((p) => {
    const us: number[] = [];
    for (let u = span[0]; u <= span[1]; u++) if (weight(p, u) !== undefined) us.push(u);
    return [Math.min(0, ...us), Math.max(stride - 1, ...us)];
  });
  const union = [Math.min(used[0][0], used[1][0]), Math.max(used[0][1], used[1][1])];
  const width = (r: number[]) => r[1] - r[0] + 1;
  const separate = roundUp(Math.max(width(used[0]), width(used[1])), FAST_1D) < roundUp(width(union), FAST_1D);
  return [0, 1].map((p) => {
    const [lo, hi] = separate ? used[p] : union;
    const taps = Array.from({ length: hi - lo + 1 }, (_, e) => weight(p, e + lo) ?? 0);
    return { taps, before: -lo, after: hi + 1 - stride };
  }) as [PhaseKernel, PhaseKernel];
}

/**
 * (S) with two bands, as stride-2 correlations over the interleaved sequence
 * `Z[2k + b] = y_b[k]`: with `t = 1 − L/2`, output sample `2i + p` takes
 * `Z[2i + u]` with weight `g_β[p − u + β − t]`, `β = u mod 2`.
 */
function pairPhaseKernels(g: FilterList): [PhaseKernel, PhaseKernel] {
  const L = g[0].length;
  const t = 1 - L / 2;
  const weight = (p: number, u: number) => {
    const beta = mod(u, 2);
    const j = p - u + beta - t;
    return j >= 0 && j < L ? g[beta][j] : undefined;
  };
  return phaseKernels(weight, [-L - 2, L + 2], 2);
}

/**
 * (S) with one band `y` and filter `g`, as stride-1 correlations of `y`:
 * output sample `2i + p` takes `y[i + u]` with weight `g[p − t − 2u]`.
 */
function singlePhaseKernels(g: readonly number[]): [PhaseKernel, PhaseKernel] {
  const L = g.length;
  const t = 1 - L / 2;
  const weight = (p: number, u: number) => {
    const j = p - t - 2 * u;
    return j >= 0 && j < L ? g[j] : undefined;
  };
  return phaseKernels(weight, [-L, L], 1);
}

function outer(a: readonly number[], b: readonly number[]): number[] {
  return a.flatMap((x) => b.map((y) => x * y));
}

/* ----------------------------------------------------------------------------
 * Stages on 4-D views
 * ------------------------------------------------------------------------- */

/** Analysis along axis 1 of `[P, N, Q, C]`: one band `[P, ⌈N/2⌉, Q, C]` per filter. */
function analysisStage1(x: Tensor4D, filters: FilterList, odd: OddInput): Tensor4D[] {
  let v = x;
  let n = v.shape[1];
  if (n % 2 === 1 && odd === 'zero') {
    v = appendZero(v, 1);
    n += 1;
  }
  const m = n + (n % 2);
  const L = filters[0].length;
  const { before, after } = analysisPadding(L);
  const padded = circularPad(v, 1, m, before, after);
  return filters.map((h) => depthwise(padded, analysisTaps(h), L, 1, [2, 1]));
}

/** Analysis over axes 1 and 2 of `[P, N1, N2, C]` at once: bands in product order. */
function analysisStage2(x: Tensor4D, filters: FilterList, odd: OddInput): Tensor4D[] {
  let v = x;
  if (odd === 'zero') {
    if (v.shape[1] % 2 === 1) v = appendZero(v, 1);
    if (v.shape[2] % 2 === 1) v = appendZero(v, 2);
  }
  const L = filters[0].length;
  const { before, after } = analysisPadding(L);
  const n1 = v.shape[1];
  const n2 = v.shape[2];
  const padded = circularPad(circularPad(v, 1, n1 + (n1 % 2), before, after), 2, n2 + (n2 % 2), before, after);
  const bands: Tensor4D[] = [];
  for (const h1 of filters) for (const h2 of filters) bands.push(depthwise(padded, outer(analysisTaps(h1), analysisTaps(h2)), L, L, [2, 2]));
  return bands;
}

/** Synthesis along axis 1 of `[P, n, Q, C]` bands (one per filter) to `[P, size, Q, C]`. */
function synthesisStage1(bands: Tensor4D[], filters: FilterList, size: number, odd: OddOutput): Tensor4D {
  const n = bands[0].shape[1];
  const pair = filters.length === 2;
  const kernels = pair ? pairPhaseKernels(filters) : singlePhaseKernels(filters[0]);
  const source = pair ? interleave(bands[0], bands[1], 1) : bands[0];
  const period = pair ? 2 * n : n;
  const stride: [number, number] = pair ? [2, 1] : [1, 1];
  const padded = new Map<string, Tensor4D>();
  const phase = (k: PhaseKernel) => {
    const key = `${k.before},${k.after}`;
    if (!padded.has(key)) padded.set(key, circularPad(source, 1, period, k.before, k.after));
    return depthwise(padded.get(key)!, k.taps, k.taps.length, 1, stride);
  };
  return shorten(interleave(phase(kernels[0]), phase(kernels[1]), 1), 1, size, odd);
}

/**
 * Synthesis over axes 1 and 2 of `[P, n1, n2, C]` bands (product order) to
 * `[P, size1, size2, C]`, for 2-tap filters. Their synthesis windows do not
 * overlap (with `L = 2`, (S) puts `g_b[j] · y_b[k]` at sample `2k + j`), so
 * the output phase `(p1, p2)` — the samples `(2i + p1, 2j + p2)` — is the
 * linear combination `Σ_b g_b1[p1] · g_b2[p2] · band_b[i, j]` of the bands
 * (`b = 2·b1 + b2`; one band with filter `g`: `g[p1] · g[p2] · band`): a few
 * scaled adds per phase, and one interleave of the four phases. (Measured:
 * this halves the Haar synthesis against interleaving the bands and running
 * four stride-2 phase convolutions, because on wasm an interleave along the
 * channels-adjacent axis copies `C` values at a time from JavaScript.)
 */
function synthesisStage2(bands: Tensor4D[], filters: FilterList, size1: number, size2: number, odd: OddOutput): Tensor4D {
  const weight = (band: number, p1: number, p2: number) => (filters.length === 2 ? filters[band >> 1][p1] * filters[band & 1][p2] : filters[0][p1] * filters[0][p2]);
  // A band enters several phases with the same weight (Haar: ±1/2), so each scaled band is made once.
  const scaled = new Map<string, Tensor4D>();
  const scale = (i: number, w: number) => {
    const key = `${i}:${w}`;
    if (!scaled.has(key)) scaled.set(key, w === 1 ? bands[i] : tf.mul<Tensor4D>(bands[i], w));
    return scaled.get(key) as Tensor4D;
  };
  const phase = (p1: number, p2: number): Tensor4D => {
    const terms = bands.flatMap((_, i) => {
      const w = weight(i, p1, p2);
      return w === 0 ? [] : [scale(i, w)];
    });
    if (terms.length === 0) return tf.zerosLike(bands[0]);
    return terms.length === 1 ? terms[0] : tf.addN<Tensor4D>(terms);
  };
  const y = interleave(interleave(phase(0, 0), phase(0, 1), 2), interleave(phase(1, 0), phase(1, 1), 2), 1);
  return shorten(shorten(y, 1, size1, odd), 2, size2, odd);
}

/* ----------------------------------------------------------------------------
 * d-dimensional transforms
 * ------------------------------------------------------------------------- */

/** Channel counts a one-axis stage keeps as they are; outside this range it regroups the trailing samples. */
const CHANNEL_RANGE = [8, 1024] as const;

function largestDivisorAtMost(value: number, limit: number): number {
  for (let d = Math.min(value, limit); d > 1; d--) if (value % d === 0) return d;
  return 1;
}

/**
 * `[B, s1…sd, C]` viewed as `[P, s_a, Q, C']` around spatial axis `a`
 * (1-based), a reshape. A one-axis stage treats everything after the axis
 * alike, so `Q · C'` may be regrouped: with fewer than 8 channels (a
 * grey-level image) the depthwise kernels would run on short vectors, and with
 * more than 1024 (the functional API's views of large tensors) every kernel
 * tensor would hold taps × C values; then `C'` is the largest divisor of the
 * trailing sample count up to 1024.
 */
function axisView(shape: readonly number[], axis: number): [number, number, number, number] {
  const outer = shape.slice(0, axis).reduce((p, s) => p * s, 1);
  const channels = shape[shape.length - 1];
  const trailing = shape.slice(axis + 1).reduce((p, s) => p * s, 1);
  const keep = channels >= CHANNEL_RANGE[0] && channels <= CHANNEL_RANGE[1];
  const c = keep ? channels : Math.max(largestDivisorAtMost(trailing, CHANNEL_RANGE[1]), 1);
  return [outer, shape[axis], trailing / c, c];
}

/** Whether the last two axes are transformed together (2-tap filters, two or more spatial axes). */
function jointLastAxes(filters: FilterList, dims: number): boolean {
  return filters[0].length === 2 && dims >= 2;
}

function analysisND(x: tf.Tensor, filters: FilterList, dims: number, odd: OddInput): tf.Tensor[] {
  let bands: tf.Tensor[] = [x];
  const joint = jointLastAxes(filters, dims);
  const single = joint ? dims - 2 : dims;
  for (let axis = 1; axis <= single; axis++) {
    bands = bands.flatMap((b) => {
      const shape = b.shape;
      const out = analysisStage1(b.reshape(axisView(shape, axis)) as Tensor4D, filters, odd);
      return out.map((o) => {
        const s = [...shape];
        s[axis] = o.shape[1];
        return o.reshape(s);
      });
    });
  }
  if (joint) {
    bands = bands.flatMap((b) => {
      const shape = b.shape;
      const outerSize = shape.slice(0, dims - 1).reduce((p, s) => p * s, 1);
      const view = [outerSize, shape[dims - 1], shape[dims], shape[dims + 1]];
      return analysisStage2(b.reshape(view) as Tensor4D, filters, odd).map((o) => {
        const s = [...shape];
        s[dims - 1] = o.shape[1];
        s[dims] = o.shape[2];
        return o.reshape(s);
      });
    });
  }
  return bands;
}

function synthesisND(bands: tf.Tensor[], filters: FilterList, dims: number, sizes: readonly number[], odd: OddOutput): tf.Tensor {
  const f = filters.length;
  let current = bands;
  const joint = jointLastAxes(filters, dims);
  const group = <T>(list: T[], size: number): T[][] => Array.from({ length: list.length / size }, (_, i) => list.slice(i * size, (i + 1) * size));
  if (joint) {
    current = group(current, f * f).map((g) => {
      const shape = g[0].shape;
      const outerSize = shape.slice(0, dims - 1).reduce((p, s) => p * s, 1);
      const view = [outerSize, shape[dims - 1], shape[dims], shape[dims + 1]];
      const y = synthesisStage2(
        g.map((b) => b.reshape(view) as Tensor4D),
        filters,
        sizes[dims - 2],
        sizes[dims - 1],
        odd,
      );
      const s = [...shape];
      s[dims - 1] = y.shape[1];
      s[dims] = y.shape[2];
      return y.reshape(s);
    });
  }
  for (let axis = joint ? dims - 2 : dims; axis >= 1; axis--) {
    current = group(current, f).map((g) => {
      const shape = g[0].shape;
      const view = axisView(shape, axis);
      const y = synthesisStage1(
        g.map((b) => b.reshape(view) as Tensor4D),
        filters,
        sizes[axis - 1],
        odd,
      );
      const s = [...shape];
      s[axis] = y.shape[1];
      return y.reshape(s);
    });
  }
  return current[0];
}

/* ----------------------------------------------------------------------------
 * Custom-gradient operations
 * ------------------------------------------------------------------------- */

interface CustomKernelEngine {
  runKernelFunc(params: {
    forwardFunc: (backend: unknown, save: (tensors: tf.Tensor[]) => void) => tf.Tensor[];
    backwardsFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => Record<string, () => tf.Tensor>;
    inputs: Record<string, tf.Tensor>;
    attrs: Record<string, never>;
  }): tf.Tensor[];
}

/**
 * Runs `forward` as one recorded operation with `backward` as its gradient.
 * `tf.customGrad` allows one output only; the engine's `runKernelFunc`, on
 * which it is built, takes several (TF.js 4.22), so this calls it directly.
 */
function customOp(inputs: tf.Tensor[], forward: () => tf.Tensor[], backward: (dys: tf.Tensor[]) => tf.Tensor[]): tf.Tensor[] {
  const engine = tf.engine() as unknown as CustomKernelEngine;
  const inputMap: Record<string, tf.Tensor> = {};
  inputs.forEach((t, i) => (inputMap[i] = t));
  return engine.runKernelFunc({
    forwardFunc: () => forward(),
    backwardsFunc: (dy) => {
      const grads = backward(Array.isArray(dy) ? dy : [dy]);
      const map: Record<string, () => tf.Tensor> = {};
      grads.forEach((g, i) => (map[i] = () => g));
      return map;
    },
    inputs: inputMap,
    attrs: {},
  });
}

function reversed(filters: FilterList): number[][] {
  return filters.map((f) => [...f].reverse());
}

function checkFilters(filters: FilterList): void {
  const L = filters[0]?.length ?? 0;
  if (!(filters.length === 1 || filters.length === 2) || L < 2 || L % 2 !== 0 || filters.some((f) => f.length !== L)) {
    throw new WavecvError('filters', filters.map((f) => f.length), 'one or two filters of the same even length');
  }
}

/**
 * Periodized analysis (A) of `x` (`[B, s1…sd, C]`, float32) over its `dims`
 * spatial axes with each filter of `filters` along every axis: returns
 * `filters.length ** dims` bands `[B, ⌈s1/2⌉…⌈sd/2⌉, C]` in product order.
 * Odd axes are extended by their last sample (`odd = 'extend'`, pywt) or by a
 * zero (`'zero'`). Differentiable; the gradient is {@link periodizedSynthesis}
 * with the reversed filters. Checks its arguments, then runs
 * {@link analysisOp}.
 */
export function periodizedAnalysis(x: tf.Tensor, filters: FilterList, dims: number, odd: OddInput = 'extend'): tf.Tensor[] {
  checkFilters(filters);
  if (x.rank !== dims + 2) throw new WavecvError('x', x, `a tensor of rank ${dims + 2} (batch, ${dims} spatial axes, channels)`);
  return analysisOp(x, filters, dims, odd);
}

/**
 * {@link periodizedAnalysis} without argument checks, for callers inside the
 * wavelet package that validated their arguments at their own boundary.
 */
export function analysisOp(x: tf.Tensor, filters: FilterList, dims: number, odd: OddInput): tf.Tensor[] {
  const sizes = x.shape.slice(1, dims + 1);
  return customOp(
    [x],
    () => (hasNativeFilterBank() ? nativeAnalysisND : analysisND)(x, filters, dims, odd),
    (dys) => [synthesisOp(dys, reversed(filters), dims, sizes, odd === 'extend' ? 'fold' : 'crop')],
  );
}

/**
 * Periodized synthesis (S) of `bands` (product order, `filters.length ** dims`
 * tensors `[B, n1…nd, C]`) to `[B, sizes…, C]`, where each size is `2n` or
 * `2n − 1`; odd sizes drop the last sample (`odd = 'crop'`) or add it onto the
 * one before (`'fold'`). Differentiable; the gradient is
 * {@link periodizedAnalysis} with the reversed filters. Checks its arguments,
 * then runs {@link synthesisOp}.
 */
export function periodizedSynthesis(bands: tf.Tensor[], filters: FilterList, dims: number, sizes?: readonly number[], odd: OddOutput = 'crop'): tf.Tensor {
  checkFilters(filters);
  const count = filters.length ** dims;
  if (bands.length !== count) throw new WavecvError('bands', bands.length, `${count} band tensors`);
  const shape = bands[0].shape;
  if (shape.length !== dims + 2 || bands.some((b) => !tf.util.arraysEqual(b.shape, shape))) {
    throw new WavecvError('bands', bands.map((b) => `[${b.shape.join(', ')}]`), `${count} tensors of one shape [batch, ${dims} spatial sizes, channels]`);
  }
  const full = shape.slice(1, dims + 1).map((n) => 2 * n);
  sizes?.forEach((s, i) => {
    if (s !== full[i] && s !== full[i] - 1) throw new WavecvError(`sizes[${i}]`, s, `${full[i]} or ${full[i] - 1} (twice the band size, or one less)`);
  });
  return synthesisOp(bands, filters, dims, sizes, odd);
}

/**
 * {@link periodizedSynthesis} without argument checks (`sizes` defaults to
 * twice the band sizes), for callers that validated their arguments.
 */
export function synthesisOp(bands: tf.Tensor[], filters: FilterList, dims: number, sizes: readonly number[] | undefined, odd: OddOutput): tf.Tensor {
  const target = sizes ?? bands[0].shape.slice(1, dims + 1).map((n) => 2 * n);
  return customOp(
    bands,
    () => [(hasNativeFilterBank() ? nativeSynthesisND : synthesisND)(bands, filters, dims, target, odd)],
    ([dy]) => analysisOp(dy, reversed(filters), dims, odd === 'crop' ? 'zero' : 'extend'),
  )[0];
}
