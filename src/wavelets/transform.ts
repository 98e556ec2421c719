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
 * length. Non-periodization modes give `⌊(N + L − 1)/2⌋` coefficients and the
 * synthesis gives `2M − L + 2` samples. `periodization` extends odd signals by
 * their last sample, gives `⌈N/2⌉` coefficients with the phase
 * `x̃[2k + L/2 − j]`, and its synthesis is the same formula on periodically
 * wrapped coefficients, cut to `2M` samples starting at `2a + 1 − L/2`
 * (`a = ⌈(L/2 − 1)/2⌉`).
 *
 * How it runs (my design, chosen for XNNPACK on wasm): a tensor is viewed,
 * without copying, as `[outer, n, inner]` with the transformed axis in the
 * middle, and
 *  - analysis is one stride-2 `conv2d` over `[outer, n, inner, 1]` with both
 *    reversed decomposition filters as the two output channels (`[L,1,1,2]`),
 *    after the mode's extension (for `zero` the conv's own padding);
 *  - synthesis is the polyphase form of "upsample, convolve, crop": a stride-1
 *    `conv2d` over the stacked bands `[outer, M, inner, 2]` with a `[L/2,1,2,2]`
 *    kernel whose two output channels are the even and odd output samples,
 *    interleaved by a reshape (plus one transpose when `inner > 1`).
 * Neither uses `conv2dTranspose` (slow on wasm). Each conv is wrapped in
 * `tf.customGrad`; the adjoint of the strided analysis conv is the synthesis
 * conv on the zero-padded gradient and vice versa, so every backward pass is
 * again a forward conv, and the extension's adjoint folds padded copies back
 * (extend.ts). Filters are kept as float64 in filters.ts and converted to
 * float32 kernel layouts once per wavelet; the small kernel tensors are made
 * per call and disposed, so no call leaves tensors behind.
 */
import * as tf from '@tensorflow/tfjs';
import { WavecvError, check } from '../errors.js';
import { wavelet as lookupWavelet, type Wavelet } from './filters.js';
import { type ExtensionPlan, type Mode, checkMode, extendAxis, extensionPlan, withAdjoint } from './extend.js';

/** A wavelet given by name (any of `wavelist()`) or as a filter bank. */
export type WaveletLike = string | Wavelet;

/** A pair of equal-length filters in the two kernel layouts the convs need. */
export interface FilterPair {
  length: number;
  /** `[L, 1, 1, 2]`: correlation taps `g_c[j]` at `j·2 + c`. */
  corr: Float32Array;
  /** `[L/2, 1, 2, 2]`: polyphase taps `g_c[2(L/2 − 1 − j) + r]` at `(j·2 + c)·2 + r`. */
  poly: Float32Array;
}

function filterPair(g0: readonly number[], g1: readonly number[]): FilterPair {
  const length = g0.length;
  const half = length / 2;
  const corr = new Float32Array(length * 2);
  const poly = new Float32Array(length * 2);
  for (let j = 0; j < length; j++) {
    corr[j * 2] = g0[j];
    corr[j * 2 + 1] = g1[j];
  }
  for (let j = 0; j < half; j++) {
    for (let r = 0; r < 2; r++) {
      poly[(j * 2) * 2 + r] = g0[2 * (half - 1 - j) + r];
      poly[(j * 2 + 1) * 2 + r] = g1[2 * (half - 1 - j) + r];
    }
  }
  return { length, corr, poly };
}

/** The float32 kernels of a wavelet: analysis (reversed dec filters) and synthesis (rec filters). */
export interface WaveletKernels {
  wavelet: Wavelet;
  analysis: FilterPair;
  synthesis: FilterPair;
}

const kernelCache = new WeakMap<Wavelet, WaveletKernels>();

/** Resolves a wavelet name or bank and its (cached) float32 kernels. */
export function waveletKernels(wave: WaveletLike, argument = 'wave'): WaveletKernels {
  if (typeof wave !== 'string' && (typeof wave !== 'object' || wave === null || !Array.isArray((wave as Wavelet).decLo))) {
    throw new WavecvError(argument, wave, 'a wavelet name (see wavelist()) or a Wavelet from wavelet(name)');
  }
  const w = lookupWavelet(wave);
  let kernels = kernelCache.get(w);
  if (!kernels) {
    const L = w.decLen;
    const banksOk = L >= 2 && L % 2 === 0 && [w.decLo, w.decHi, w.recLo, w.recHi].every((f) => f.length === L && f.every(Number.isFinite));
    check(banksOk, argument, w.name, 'a filter bank of four finite filters of one even length ≥ 2');
    kernels = {
      wavelet: w,
      analysis: filterPair([...w.decLo].reverse(), [...w.decHi].reverse()),
      synthesis: filterPair(w.recLo, w.recHi),
    };
    kernelCache.set(w, kernels);
  }
  return kernels;
}

function filterLengthOf(wave: WaveletLike | number, argument: string): number {
  if (typeof wave === 'number') {
    check(Number.isInteger(wave) && wave >= 2, argument, wave, 'a filter length (integer ≥ 2), a wavelet name or a Wavelet');
    return wave;
  }
  return waveletKernels(wave, argument).wavelet.decLen;
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

const explicitPad = (before: number, after: number): [[number, number], [number, number], [number, number], [number, number]] => [
  [0, 0],
  [before, after],
  [0, 0],
  [0, 0],
];

/** Forward of {@link analysisConv}, without gradient bookkeeping. */
function analysisRaw(x: tf.Tensor3D, pair: FilterPair, padBefore: number, padAfter: number): tf.Tensor4D {
  const [outer, n, inner] = x.shape;
  return tf.tidy(() => {
    const kernel = tf.tensor4d(pair.corr, [pair.length, 1, 1, 2]);
    return tf.conv2d(tf.reshape(x, [outer, n, inner, 1]), kernel, [2, 1], explicitPad(padBefore, padAfter));
  });
}

/** Forward of {@link synthesisConv}, without gradient bookkeeping. */
function synthesisRaw(c: tf.Tensor4D, pair: FilterPair, pad: number): tf.Tensor3D {
  const [outer, , inner] = c.shape;
  const half = pair.length / 2;
  return tf.tidy(() => {
    const kernel = tf.tensor4d(pair.poly, [half, 1, 2, 2]);
    const phases = tf.conv2d(c, kernel, 1, explicitPad(pad, pad));
    const m = phases.shape[1];
    const interleaved = inner === 1 ? phases : tf.transpose(phases, [0, 1, 3, 2]);
    return tf.reshape(interleaved, [outer, 2 * m, inner]);
  });
}

/**
 * Strided analysis filter bank: `y[o, k, i, c] = Σ_j g_c[j] · xp[o, 2k + j, i]`
 * where `xp` is `x` (`[outer, n, inner]`) with `padBefore`/`padAfter` zeros on
 * axis 1; returns `[outer, M, inner, 2]`, `M = ⌊(n + pads − L)/2⌋ + 1`.
 * The gradient is the exact adjoint, computed by {@link synthesisConv}.
 */
export function analysisConv(x: tf.Tensor3D, pair: FilterPair, padBefore = 0, padAfter = 0): tf.Tensor4D {
  const [, n] = x.shape;
  const L = pair.length;
  if (n + padBefore + padAfter < L) throw new WavecvError('x', x, `at least ${L} samples on axis 1 after padding (got ${n + padBefore + padAfter})`);
  return withAdjoint(
    x,
    (input) => analysisRaw(input, pair, padBefore, padAfter),
    (dy) => {
      const [outer, , inner] = x.shape;
      // Adjoint of the strided correlation: the full "upsample and convolve"
      // of dy with g, i.e. the synthesis form on dy padded by L/2 − 1 zeros.
      const full = synthesisConv(dy, pair, L / 2 - 1);
      const have = full.shape[1];
      const need = padBefore + n;
      const padded = have < need ? tf.pad(full, [[0, 0], [0, need - have], [0, 0]]) : full;
      return tf.slice(padded, [0, padBefore, 0], [outer, n, inner]);
    },
  );
}

/**
 * Polyphase synthesis filter bank (pywt's "upsample, full convolution, crop
 * L − 2 at each end"): `x[o, t, i] = Σ_k Σ_c c̃[o, k, i, c] · g_c[t + L − 2 − 2k]`
 * where `c̃` is `c` (`[outer, M, inner, 2]`) with `pad` zeros on both sides of
 * axis 1; returns `[outer, 2(M + 2·pad) − L + 2, inner]`. The gradient is the
 * exact adjoint, computed by {@link analysisConv}.
 */
export function synthesisConv(c: tf.Tensor4D, pair: FilterPair, pad = 0): tf.Tensor3D {
  const [, m, , bands] = c.shape;
  const L = pair.length;
  if (bands !== 2) throw new WavecvError('c', c, 'a tensor [outer, M, inner, 2] holding the approximation and detail bands');
  if (2 * (m + 2 * pad) - L + 2 < 1) throw new WavecvError('coefficients', m, `at least ${L / 2} coefficients per band for a ${L}-tap wavelet (is the wavelet the one used for the decomposition?)`);
  return withAdjoint(
    c,
    (input) => synthesisRaw(input, pair, pad),
    (dy) => {
      const [outer, , inner] = c.shape;
      const all = analysisConv(dy, pair, L - 2, L - 2);
      return pad === 0 ? all : tf.slice(all, [0, pad, 0, 0], [outer, m, inner, 2]);
    },
  );
}

/** `[outer, n, inner]` for `shape` around `axis`. */
export function axisView(shape: readonly number[], axis: number): [number, number, number] {
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  return [outer, shape[axis], inner];
}

/** Padding before/after the signal and the coefficient count of one analysis step. */
export function analysisPadding(n: number, L: number, mode: Mode): { before: number; after: number; coeffs: number } {
  if (mode === 'periodization') return { before: L / 2 - 1, after: L / 2 - 1 + (n % 2), coeffs: Math.ceil(n / 2) };
  const coeffs = Math.floor((n + L - 1) / 2);
  return { before: L - 2, after: 2 * coeffs - n, coeffs };
}

function checkAxis(axis: number, rank: number, argument: string): number {
  check(Number.isInteger(axis) && axis >= -rank && axis < rank, argument, axis, `an integer in [${-rank}, ${rank - 1}] for a ${rank}-D tensor`);
  return axis < 0 ? axis + rank : axis;
}

/**
 * Single-level DWT of a float32 tensor along one axis, as pywt's
 * `dwt(x, wave, mode, axis)`: returns `[cA, cD]`, each shaped like `x` with
 * `dwtCoeffLen(n, wave, mode)` samples on `axis`. Differentiable with exact
 * adjoint gradients in every mode; leaves no tensors behind.
 *
 * This is the building block for the tf.layers wrappers: any mode, any axis,
 * any rank, no transposes (the axis is reshaped into the middle of a
 * `[outer, n, inner]` view).
 */
export function dwtAxis(x: tf.Tensor, wave: WaveletLike, mode: Mode = 'symmetric', axis = -1): [tf.Tensor, tf.Tensor] {
  const kernels = waveletKernels(wave);
  checkMode(mode);
  const ax = checkAxis(axis, x.rank, 'axis');
  const [outer, n, inner] = axisView(x.shape, ax);
  if (n < 1) throw new WavecvError('data', x, `at least one sample along axis ${ax}`);
  const L = kernels.wavelet.decLen;
  const { before, after, coeffs } = analysisPadding(n, L, mode);
  return tf.tidy(() => {
    const x3 = tf.reshape(tf.cast(x, 'float32'), [outer, n, inner]) as tf.Tensor3D;
    const bands =
      mode === 'zero'
        ? analysisConv(x3, kernels.analysis, before, after)
        : analysisConv(extendAxis(x3, extensionPlan(n, before, after, mode)), kernels.analysis);
    const outShape = x.shape.slice();
    outShape[ax] = coeffs;
    const [a, d] = tf.split(bands, 2, 3);
    return [tf.reshape(a, outShape), tf.reshape(d, outShape)] as [tf.Tensor, tf.Tensor];
  });
}

/** How pywt's periodization synthesis wraps M coefficients: wrap `before`/`after`, then keep `2M` samples from `offset`. */
function periodizationSynthesis(m: number, L: number): { plan: ExtensionPlan; offset: number } {
  const half = L / 2;
  const before = Math.ceil((half - 1) / 2);
  const offset = 2 * before + 1 - half;
  const after = Math.ceil((L - 2 + offset - 2 * before) / 2);
  return { plan: extensionPlan(m, before, after, 'periodic'), offset };
}

/** Sample count of one synthesis step from `m` coefficients per band (pywt's `idwt_buffer_length`). */
export function synthesisLength(m: number, L: number, mode: Mode): number {
  return mode === 'periodization' ? 2 * m : 2 * m - L + 2;
}

/**
 * Single-level inverse DWT along one axis, as pywt's
 * `idwt(cA, cD, wave, mode, axis)`; `cA` or `cD` may be null (zeros), not
 * both. Returns `2M − L + 2` samples on `axis` (`2M` for periodization).
 * Differentiable with exact adjoint gradients; leaves no tensors behind.
 */
export function idwtAxis(cA: tf.Tensor | null, cD: tf.Tensor | null, wave: WaveletLike, mode: Mode = 'symmetric', axis = -1): tf.Tensor {
  const kernels = waveletKernels(wave);
  checkMode(mode);
  if (!cA && !cD) throw new WavecvError('cA, cD', null, 'at least one coefficient tensor (the other may be null)');
  const ref = (cA ?? cD) as tf.Tensor;
  if (cA && cD && !sameShape(cA.shape, cD.shape)) throw new WavecvError('cD', cD, `the shape of cA [${cA.shape.join(', ')}]`);
  const ax = checkAxis(axis, ref.rank, 'axis');
  const [outer, m, inner] = axisView(ref.shape, ax);
  const L = kernels.wavelet.decLen;
  const length = synthesisLength(m, L, mode);
  if (m < 1 || length < 1) {
    throw new WavecvError('cA, cD', ref, `at least ${mode === 'periodization' ? 1 : L / 2} coefficients along axis ${ax} for ${kernels.wavelet.name} (the wavelet and mode of the decomposition)`);
  }
  return tf.tidy(() => {
    const band = (t: tf.Tensor | null) => (t ? tf.reshape(tf.cast(t, 'float32'), [outer, m, inner]) : tf.zeros([outer, m, inner]));
    let c = tf.stack([band(cA), band(cD)], 3) as tf.Tensor4D;
    let out: tf.Tensor3D;
    if (mode === 'periodization') {
      const { plan, offset } = periodizationSynthesis(m, L);
      const wrapped = extendAxis(tf.reshape(c, [outer, m, inner * 2]) as tf.Tensor3D, plan);
      c = tf.reshape(wrapped, [outer, wrapped.shape[1], inner, 2]) as tf.Tensor4D;
      const full = synthesisConv(c, kernels.synthesis);
      out = tf.slice(full, [0, offset, 0], [outer, length, inner]);
    } else {
      out = synthesisConv(c, kernels.synthesis);
    }
    const outShape = ref.shape.slice();
    outShape[ax] = length;
    return tf.reshape(out, outShape);
  });
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
