/**
 * One-axis discrete wavelet analysis and synthesis on tensors, with pywt 1.1.1
 * semantics and exact adjoint gradients.
 *
 * This is Mallat's pyramid algorithm (S. Mallat, "A theory for
 * multiresolution signal decomposition: the wavelet representation", IEEE
 * TPAMI 11(7), 1989, eqs. 35–36 for analysis, eq. 41 for synthesis) in pywt's
 * indexing, checked numerically against pywt for all modes:
 *
 *   analysis   cA[k] = Σ_j decLo[j] · x̃[2k + 1 − j]          (cD with decHi)
 *   synthesis  x[t]  = Σ_k cA[k] · recLo[t + L − 2 − 2k] + cD[k] · recHi[…]
 *
 * where `x̃` is the signal extended by the mode (extend.ts) and `L` the filter
 * length. These modes give `⌊(N + L − 1)/2⌋` coefficients and the synthesis
 * gives `2M − L + 2` samples. `periodization` (`⌈N/2⌉` coefficients, `2M`
 * samples back) is not computed here: the one-axis functions hand it to the
 * package's periodization engine (periodization.ts on filter-bank-conv.ts,
 * the engine of the layers), which is faster.
 *
 * How it runs (my design, from measurements of the wasm backend with XNNPACK,
 * CPU time on an 8×128×128×64 float32 tensor): `depthwiseConv2d` with 4, 9 or
 * 25 taps, `pad`, `add`, `transpose`, and `concat`/`stack` of long rows cost
 * 2–8 ms; `slice` of a large tensor ~130 ms (wasm copies the whole buffer into
 * JavaScript), `gather`/`reverse`/`tile` ~20 ns per element, and `split`/`stack`
 * along a trailing size-2 axis seconds. Hence:
 *  - a tensor is viewed as `[outer, n, rows, channels]` with the transformed
 *    axis second (a reshape; when the axis is the last one, one transpose moves
 *    it first), and every filter is a `depthwiseConv2d` over `channels` whose
 *    taps are zero-padded to 4, 9 or 25 (XNNPACK's fast kernels);
 *  - the mode's extension is built once per axis (a `concat` of the signal
 *    with a few boundary rows) and shared by both bands; each band is its own
 *    stride-2 conv (no split of a two-channel output); `zero` uses the conv's
 *    own padding instead;
 *  - synthesis is the polyphase form of "upsample, convolve, crop": even and
 *    odd output samples are two stride-1 convs interleaved by a `stack` on
 *    axis 2 and a reshape; crops and offsets become conv padding or
 *    leading/trailing zero taps, never a `slice`;
 *  - boundary rows are fetched by a two-tap dilated conv (rows at either end)
 *    and combined by one small batched `matMul` (extend.ts);
 *  - every piece is a `tf.customGrad` whose backward is the exact adjoint,
 *    itself differentiable (so second derivatives work): strided filter ↔
 *    upsample-convolve with the same taps, and extension ↔ fold (the crop of
 *    the signal's rows plus each padded row's gradient added back onto its
 *    source rows: a few boundary rows, zero-padded and added).
 * Measured (`dwt2` + `idwt2`, forward and backward, 8×128×128×64, axes [1, 2],
 * CPU time on a loaded 2-core machine): db4/symmetric ~1.0 s, coif3/reflect
 * ~2.1 s; the forward `dwt2` alone 20–120 ms for 2–8-tap filters.
 * Filters stay float64 in filters.ts; the small kernel tensors are made per
 * call and disposed, so no call leaves tensors behind.
 *
 * Validation happens once, at the public boundary: {@link dwtAxis},
 * {@link idwtAxis} and {@link cropAxis} check their arguments; the
 * `analyzeAxis`/`synthesizeAxis` kernels that the pywt-style functions share
 * trust theirs.
 */
import * as tf from '@tensorflow/tfjs';
import { WavecvError, check } from '../errors.js';
import { wavelet as lookupWavelet, type Wavelet } from './filters.js';
import { type ExtensionPlan, type Mode, type RowCombination, checkMode, combineRows, extendRows, extensionPlan, fetchRows, withAdjoint } from './extend.js';
import { periodizationDwtn, periodizationIdwtn } from './periodization.js';

/** A wavelet given by name (any of `wavelist()`) or as a filter bank. */
export type WaveletLike = string | Wavelet;

/** The filters of a wavelet as the transforms use them. */
export interface WaveletFilters {
  wavelet: Wavelet;
  /** Correlation taps of the analysis: the decomposition filters reversed, `[lo, hi]`. */
  analysis: [number[], number[]];
  /** Synthesis filters `[recLo, recHi]`. */
  synthesis: [number[], number[]];
}

const filterCache = new WeakMap<Wavelet, WaveletFilters>();

/** Resolves a wavelet name or bank, checked, with its filters in transform order (cached). */
export function waveletFilters(wave: WaveletLike, argument = 'wave'): WaveletFilters {
  if (typeof wave !== 'string' && (typeof wave !== 'object' || wave === null || !Array.isArray((wave as Wavelet).decLo))) {
    throw new WavecvError(argument, wave, 'a wavelet name (see wavelist()) or a Wavelet from wavelet(name)');
  }
  const w = lookupWavelet(wave);
  let filters = filterCache.get(w);
  if (!filters) {
    const L = w.decLen;
    const banksOk = L >= 2 && L % 2 === 0 && [w.decLo, w.decHi, w.recLo, w.recHi].every((f) => f.length === L && f.every(Number.isFinite));
    check(banksOk, argument, w.name, 'a filter bank of four finite filters of one even length ≥ 2');
    filters = { wavelet: w, analysis: [[...w.decLo].reverse(), [...w.decHi].reverse()], synthesis: [[...w.recLo], [...w.recHi]] };
    filterCache.set(w, filters);
  }
  return filters;
}

function filterLengthOf(wave: WaveletLike | number, argument: string): number {
  if (typeof wave === 'number') {
    check(Number.isInteger(wave) && wave >= 2, argument, wave, 'a filter length (integer ≥ 2), a wavelet name or a Wavelet');
    return wave;
  }
  return waveletFilters(wave, argument).wavelet.decLen;
}

/**
 * pywt's `dwt_coeff_len`: coefficients per band of a one-level DWT of
 * `dataLen` samples: `⌈n/2⌉` for periodization, `⌊(n + L − 1)/2⌋` otherwise.
 */
export function dwtCoeffLen(dataLen: number, wave: WaveletLike | number, mode: Mode = 'symmetric'): number {
  check(Number.isInteger(dataLen) && dataLen >= 1, 'dataLen', dataLen, 'an integer ≥ 1');
  const L = filterLengthOf(wave, 'wave');
  return checkMode(mode) === 'periodization' ? Math.ceil(dataLen / 2) : Math.floor((dataLen + L - 1) / 2);
}

/**
 * pywt's `dwt_max_level`: the deepest level at which some coefficient is
 * still free of boundary effects, `⌊log2(n / (L − 1))⌋` (0 when n < L − 1),
 * computed in exact integer arithmetic.
 */
export function dwtMaxLevel(dataLen: number, wave: WaveletLike | number): number {
  check(Number.isInteger(dataLen) && dataLen >= 0, 'dataLen', dataLen, 'an integer ≥ 0');
  const L = filterLengthOf(wave, 'wave');
  let level = 0;
  while ((L - 1) * 2 ** (level + 1) <= dataLen) level++;
  return level;
}

// ---------------------------------------------------------------------------
// Row convolutions on [outer, n, rows, channels] views

/** Kernel sizes with a fast XNNPACK depthwise path; shorter filters are zero-padded up to one. */
const FAST_TAPS = [4, 9, 25];

/**
 * Rows `0 … count−1` of the correlation `y[k] = Σ_j taps[j] · x[stride·k + start + j]`
 * along axis 1 of `x`, where rows of `x` outside `0 … n−1` are zeros. `start`
 * may be negative (virtual zero padding) or positive (skipped rows, as
 * leading zero taps). One `depthwiseConv2d`.
 */
function correlateRows(x: tf.Tensor4D, taps: readonly number[], stride: 1 | 2, start: number, count: number): tf.Tensor4D {
  const [outer, n, rows, channels] = x.shape;
  if (count <= 0) return tf.zeros([outer, 0, rows, channels]);
  let kernel = start > 0 ? [...new Array<number>(start).fill(0), ...taps] : [...taps];
  const padBefore = Math.max(0, -start);
  // Output count of a valid conv: ⌊(n + padBefore + padAfter − T)/stride⌋ + 1 = count.
  let padAfter = stride * (count - 1) + kernel.length - n - padBefore;
  if (padAfter < 0) {
    // Too many input rows: trailing zero taps shorten the output instead of a slice.
    kernel = [...kernel, ...new Array<number>(-padAfter).fill(0)];
    padAfter = 0;
  }
  const fast = FAST_TAPS.find((f) => f >= kernel.length);
  if (fast !== undefined && fast > kernel.length) {
    padAfter += fast - kernel.length;
    kernel = [...kernel, ...new Array<number>(fast - kernel.length).fill(0)];
  }
  return tf.tidy(() => {
    const weights = new Float32Array(kernel.length * channels);
    kernel.forEach((v, j) => weights.fill(v, j * channels, (j + 1) * channels));
    const filter = tf.tensor4d(weights, [kernel.length, 1, channels, 1]);
    return tf.depthwiseConv2d(x, filter, [stride, 1], [
      [0, 0],
      [padBefore, padAfter],
      [0, 0],
      [0, 0],
    ]);
  });
}

/**
 * Rows `first … first+count−1` of the full "upsample by 2 and convolve"
 * `y[t] = Σ_k c[k] · g[t − 2k]` along axis 1 of `c`, as two polyphase
 * stride-1 convs (even and odd rows) interleaved by a stack and a reshape; an
 * odd count's last row is a small dense combination.
 */
function upsampleConvolveRows(c: tf.Tensor4D, g: readonly number[], first: number, count: number): tf.Tensor4D {
  const [outer, m, rows, channels] = c.shape;
  const half = g.length / 2;
  const pairs = Math.floor(count / 2);
  // Row t = 2u + ρ is Σ_{j<L/2} g[2j + ρ] c[u − j]: a correlation with taps h_ρ[j'] = g[2(L/2 − 1 − j') + ρ] from row u − L/2 + 1.
  const phase = (t: number) => {
    const rho = ((t % 2) + 2) % 2;
    const u = (t - rho) / 2;
    const taps = Array.from({ length: half }, (_, j) => g[2 * (half - 1 - j) + rho]);
    return { taps, start: u - half + 1 };
  };
  return tf.tidy(() => {
    const parts: tf.Tensor4D[] = [];
    if (pairs > 0) {
      const even = phase(first);
      const odd = phase(first + 1);
      const p0 = correlateRows(c, even.taps, 1, even.start, pairs);
      const p1 = correlateRows(c, odd.taps, 1, odd.start, pairs);
      parts.push(tf.reshape(tf.stack([p0, p1], 2), [outer, 2 * pairs, rows, channels]));
    }
    if (count % 2 === 1) {
      const t = first + count - 1;
      const last: RowCombination = new Map();
      for (let k = 0; k < m; k++) if (t - 2 * k >= 0 && t - 2 * k < g.length) last.set(k, g[t - 2 * k]);
      parts.push(combineRows(c, [last]));
    }
    return parts.length === 1 ? parts[0] : tf.concat(parts, 1);
  });
}

/**
 * Adds sparse row corrections to `base` (`[outer, n, rows, channels]`):
 * `base[:, r] += Σ_s corrections.get(r).get(s) · source[:, s]`. The corrected
 * rows are grouped into a head and a tail block (or one block), each a small
 * `matMul`, zero-padded to `n` rows and added.
 */
function addRowCorrections(base: tf.Tensor4D, source: tf.Tensor4D, corrections: Map<number, RowCombination>): tf.Tensor4D {
  const targets = [...corrections.keys()].filter((r) => corrections.get(r)?.size).sort((a, b) => a - b);
  if (targets.length === 0) return base;
  const n = base.shape[1];
  // Split at the largest gap between corrected rows (head rows vs tail rows).
  let split = targets.length;
  let gap = 1;
  for (let i = 1; i < targets.length; i++) {
    if (targets[i] - targets[i - 1] > gap) [gap, split] = [targets[i] - targets[i - 1], i];
  }
  const blocks = [targets.slice(0, split), targets.slice(split)].filter((b) => b.length > 0);
  return tf.tidy(() => {
    let out = base;
    for (const block of blocks) {
      const lo = block[0];
      const hi = block[block.length - 1] + 1;
      const combos = Array.from({ length: hi - lo }, (_, i) => corrections.get(lo + i) ?? new Map<number, number>());
      const rows = combineRows(source, combos);
      out = tf.add(out, lo === 0 && hi === n ? rows : tf.pad(rows, [[0, 0], [lo, n - hi], [0, 0], [0, 0]]));
    }
    return out;
  });
}

// ---------------------------------------------------------------------------
// Band operators and their adjoints

/** Padding before/after the signal and the coefficient count of one analysis step (every mode but periodization). */
function analysisPadding(n: number, L: number): { before: number; after: number; coeffs: number } {
  const coeffs = Math.floor((n + L - 1) / 2);
  return { before: L - 2, after: 2 * coeffs - n, coeffs };
}

/**
 * Rows `lo … lo+count−1` of `x`: one conv with a shifted unit tap when the
 * shift is short, otherwise {@link fetchRows}.
 */
function cropRows(x: tf.Tensor4D, lo: number, count: number): tf.Tensor4D {
  if (lo === 0 && count === x.shape[1]) return x;
  return lo < 25 ? correlateRows(x, [1], 1, lo, count) : fetchRows(x, lo, count);
}

/**
 * Adjoint of {@link extendRows}: the signal's own rows of `g` plus every
 * padded row's gradient (times its weight) added onto its source rows.
 */
function foldRows(g: tf.Tensor4D, plan: ExtensionPlan): tf.Tensor4D {
  const { n, left } = plan;
  const corrections = new Map<number, RowCombination>();
  const fold = (t: number, combo: RowCombination) =>
    combo.forEach((w, s) => {
      let row = corrections.get(s);
      if (!row) corrections.set(s, (row = new Map()));
      row.set(t, (row.get(t) ?? 0) + w);
    });
  plan.before.forEach((combo, t) => fold(t, combo));
  plan.after.forEach((combo, t) => fold(left + n + t, combo));
  return tf.tidy(() => addRowCorrections(cropRows(g, left, n), g, corrections));
}

/** The mode's extension along axis 1 as a differentiable op; its gradient is the fold. */
function extendOp(x: tf.Tensor4D, plan: ExtensionPlan): tf.Tensor4D {
  return withAdjoint(x, (input) => extendRows(input, plan), (g) => foldOp(g, plan));
}

function foldOp(g: tf.Tensor4D, plan: ExtensionPlan): tf.Tensor4D {
  return withAdjoint(g, (input) => foldRows(input, plan), (x) => extendOp(x, plan));
}

/**
 * Strided analysis filter: `y[k] = Σ_j f[j] · x[2k + j + start]` for
 * `k < count`, rows of `x` outside its `rows` rows being zero (a negative
 * `start` is zero padding). Its adjoint is the upsample-convolve of the
 * gradient, rows `−start … −start+rows−1`.
 */
interface StridedFilter {
  f: readonly number[];
  start: number;
  count: number;
  rows: number;
}

function stridedOp(x: tf.Tensor4D, filter: StridedFilter): tf.Tensor4D {
  return withAdjoint(
    x,
    (input) => correlateRows(input, filter.f, 2, filter.start, filter.count),
    (dy) => upsampleOp(dy, { g: filter.f, first: -filter.start, count: filter.rows, rows: filter.count }),
  );
}

/**
 * Upsample-convolve: rows `first … first+count−1` of `y[t] = Σ_k c[k] g[t − 2k]`
 * (`rows` coefficient rows). Its adjoint is the strided filter of the
 * gradient with `g`.
 */
interface UpsampleFilter {
  g: readonly number[];
  first: number;
  count: number;
  rows: number;
}

function upsampleOp(c: tf.Tensor4D, filter: UpsampleFilter): tf.Tensor4D {
  return withAdjoint(
    c,
    (input) => upsampleConvolveRows(input, filter.g, filter.first, filter.count),
    (dy) => stridedOp(dy, { f: filter.g, start: -filter.first, count: filter.rows, rows: filter.count }),
  );
}

// ---------------------------------------------------------------------------
// Public one-axis transforms

/** `[outer, n, inner]` for `shape` around `axis`. */
function axisView(shape: readonly number[], axis: number): [number, number, number] {
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  return [outer, shape[axis], inner];
}

function largestDivisorAtMost(value: number, limit: number): number {
  for (let d = Math.min(value, limit); d > 1; d--) if (value % d === 0) return d;
  return 1;
}

/**
 * The 4-D working view of a tensor for a transform along `axis`:
 * `[outer, n, rows, channels]`, with `channels` a divisor of the samples
 * after the axis (≤ 512). When nothing follows the axis, the tensor is
 * transposed so that the other samples become the channels.
 */
interface Layout {
  transposed: boolean;
  view: [number, number, number, number];
}

function layoutOf(shape: readonly number[], axis: number): Layout {
  const [outer, n, inner] = axisView(shape, axis);
  const transposed = inner === 1 && outer > 1;
  const [o, i] = transposed ? [1, outer] : [outer, inner];
  const channels = largestDivisorAtMost(i, 512);
  return { transposed, view: [o, n, i / channels, channels] };
}

function toView(x: tf.Tensor, layout: Layout): tf.Tensor4D {
  const [o, n, rows, channels] = layout.view;
  if (!layout.transposed) return tf.reshape(x, layout.view) as tf.Tensor4D;
  return tf.reshape(tf.transpose(tf.reshape(x, [rows * channels, n])), [o, n, rows, channels]) as tf.Tensor4D;
}

function fromView(y: tf.Tensor4D, layout: Layout, shape: number[]): tf.Tensor {
  if (!layout.transposed) return tf.reshape(y, shape);
  const [, , rows, channels] = layout.view;
  const len = y.shape[1];
  return tf.reshape(tf.transpose(tf.reshape(y, [len, rows * channels])), shape);
}

function checkAxis(axis: number, rank: number, argument: string): number {
  check(Number.isInteger(axis) && axis >= -rank && axis < rank, argument, axis, `an integer in [${-rank}, ${rank - 1}] for a ${rank}-D tensor`);
  return axis < 0 ? axis + rank : axis;
}

/** Checks that `x` has samples along `axis` (the public analysis functions call this). */
export function checkAnalysisInput(x: tf.Tensor, axis: number, argument = 'data'): void {
  if (!(x.shape[axis] >= 1)) throw new WavecvError(argument, x, `at least one sample along axis ${axis}`);
}

/** Checks that coefficients `ref` synthesise at least one sample along `axis` (the public inverse functions call this). */
export function checkSynthesisInput(ref: tf.Tensor, filters: WaveletFilters, mode: Mode, axis: number, argument = 'cA, cD'): void {
  const m = ref.shape[axis];
  if (!(m >= 1) || synthesisLength(m, filters.wavelet.decLen, mode) < 1) {
    throw new WavecvError(argument, ref, `at least ${mode === 'periodization' ? 1 : filters.wavelet.decLen / 2} coefficients along axis ${axis} for ${filters.wavelet.name} (the wavelet and mode of the decomposition)`);
  }
}

/**
 * One analysis step of float32 `x` along `axis` (already normalised), no
 * argument checks: `[cA, cD]`. Periodization runs on the periodization
 * engine; every other mode extends the signal once and filters it with two
 * stride-2 convolutions (zero mode: the convolution's own zero padding).
 */
export function analyzeAxis(x: tf.Tensor, filters: WaveletFilters, mode: Mode, axis: number): [tf.Tensor, tf.Tensor] {
  if (mode === 'periodization') {
    const bands = periodizationDwtn(x, filters.wavelet, [axis]);
    return [bands.a, bands.d];
  }
  const n = x.shape[axis];
  const { before, after, coeffs } = analysisPadding(n, filters.wavelet.decLen);
  const plan = extensionPlan(n, before, after, mode);
  const layout = layoutOf(x.shape, axis);
  const outShape = x.shape.slice();
  outShape[axis] = coeffs;
  return tf.tidy(() => {
    const x4 = toView(x, layout);
    const zero = mode === 'zero';
    const input = zero ? x4 : extendOp(x4, plan);
    const rows = input.shape[1];
    const [lo, hi] = filters.analysis.map((f) => fromView(stridedOp(input, { f, start: zero ? -before : 0, count: coeffs, rows }), layout, outShape));
    return [lo, hi] as [tf.Tensor, tf.Tensor];
  });
}

/**
 * Single-level DWT of a tensor along one axis, as pywt's
 * `dwt(x, wave, mode, axis)`: returns float32 `[cA, cD]`, each shaped like
 * `x` with `dwtCoeffLen(n, wave, mode)` samples on `axis`. Differentiable with
 * exact adjoint gradients in every mode; leaves no tensors behind.
 *
 * This is the building block for layers and for the pywt-style API: any mode,
 * any axis, any rank.
 */
export function dwtAxis(x: tf.Tensor, wave: WaveletLike, mode: Mode = 'symmetric', axis = -1): [tf.Tensor, tf.Tensor] {
  const filters = waveletFilters(wave);
  checkMode(mode);
  const ax = checkAxis(axis, x.rank, 'axis');
  checkAnalysisInput(x, ax);
  return tf.tidy(() => analyzeAxis(x.dtype === 'float32' ? x : tf.cast(x, 'float32'), filters, mode, ax));
}

/** Sample count of one synthesis step from `m` coefficients per band (pywt's `idwt_buffer_length`). */
export function synthesisLength(m: number, L: number, mode: Mode): number {
  return mode === 'periodization' ? 2 * m : 2 * m - L + 2;
}

/**
 * One synthesis step along `axis` (already normalised) from float32 bands of
 * one shape, either of which may be null (zeros), no argument checks.
 * Periodization runs on the periodization engine.
 */
export function synthesizeAxis(cA: tf.Tensor | null, cD: tf.Tensor | null, filters: WaveletFilters, mode: Mode, axis: number): tf.Tensor {
  if (mode === 'periodization') {
    const bands = new Map<string, tf.Tensor>();
    if (cA) bands.set('a', cA);
    if (cD) bands.set('d', cD);
    return periodizationIdwtn(bands, filters.wavelet, [axis]);
  }
  const ref = (cA ?? cD) as tf.Tensor;
  const m = ref.shape[axis];
  const L = filters.wavelet.decLen;
  const length = synthesisLength(m, L, mode);
  const layout = layoutOf(ref.shape, axis);
  const outShape = ref.shape.slice();
  outShape[axis] = length;
  return tf.tidy(() => {
    const bands = [cA, cD].map((c, b) => (c ? upsampleOp(toView(c, layout), { g: filters.synthesis[b], first: L - 2, count: length, rows: m }) : null));
    const sum = bands[0] && bands[1] ? tf.add(bands[0], bands[1]) : ((bands[0] ?? bands[1]) as tf.Tensor4D);
    return fromView(sum as tf.Tensor4D, layout, outShape);
  });
}

/**
 * Single-level inverse DWT along one axis, as pywt's
 * `idwt(cA, cD, wave, mode, axis)`; `cA` or `cD` may be null (zeros), not
 * both. Returns `2M − L + 2` samples on `axis` (`2M` for periodization).
 * Differentiable with exact adjoint gradients; leaves no tensors behind.
 */
export function idwtAxis(cA: tf.Tensor | null, cD: tf.Tensor | null, wave: WaveletLike, mode: Mode = 'symmetric', axis = -1): tf.Tensor {
  const filters = waveletFilters(wave);
  checkMode(mode);
  if (!cA && !cD) throw new WavecvError('cA, cD', null, 'at least one coefficient tensor (the other may be null)');
  const ref = (cA ?? cD) as tf.Tensor;
  if (cA && cD && !tf.util.arraysEqual(cA.shape, cD.shape)) throw new WavecvError('cD', cD, `the shape of cA [${cA.shape.join(', ')}]`);
  const ax = checkAxis(axis, ref.rank, 'axis');
  checkSynthesisInput(ref, filters, mode, ax);
  const asFloat = (c: tf.Tensor | null) => (c && c.dtype !== 'float32' ? tf.cast(c, 'float32') : c);
  return tf.tidy(() => synthesizeAxis(asFloat(cA), asFloat(cD), filters, mode, ax));
}

/**
 * `a` cut to `shape` (pywt's `a[tuple(slice(s) for s in shape)]`), one
 * {@link cropAxis} per shortened axis (no wasm Slice).
 */
export function cropTo(a: tf.Tensor, shape: readonly number[]): tf.Tensor {
  return shape.reduce((t, s, axis) => (s < t.shape[axis] ? cropAxis(t, axis, s) : t), a);
}

/**
 * The first `count` samples of `x` along `axis` (pywt's trimming of an odd
 * approximation), without a wasm `slice` of the whole tensor: a dilated
 * two-tap conv on the working view. Differentiable (the adjoint zero-pads).
 */
export function cropAxis(x: tf.Tensor, axis: number, count: number): tf.Tensor {
  const ax = checkAxis(axis, x.rank, 'axis');
  check(Number.isInteger(count) && count >= 1 && count <= x.shape[ax], 'count', count, `an integer in [1, ${x.shape[ax]}]`);
  if (count === x.shape[ax]) return tf.clone(x);
  const layout = layoutOf(x.shape, ax);
  const outShape = x.shape.slice();
  outShape[ax] = count;
  const extra = x.shape[ax] - count;
  return tf.tidy(() => {
    const x4 = toView(x.dtype === 'float32' ? x : tf.cast(x, 'float32'), layout);
    const head = withAdjoint(
      x4,
      (input) => fetchRows(input, 0, count),
      (g) => tf.pad(g, [
        [0, 0],
        [0, extra],
        [0, 0],
        [0, 0],
      ]),
    );
    return fromView(head, layout, outShape);
  });
}
