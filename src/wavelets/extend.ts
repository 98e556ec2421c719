/**
 * Signal-extension modes of PyWavelets 1.1.1 and their exact adjoints.
 *
 * A finite DWT needs samples beyond both ends of the signal; a *mode* says how
 * to invent them (pywt docs, "Signal extension modes"). Every mode is linear,
 * so the extended signal is `E x` for a sparse `(left + n + right) × n`
 * matrix `E`; its gradient (adjoint) is `Eᵀ g`, which folds the gradient of
 * every padded copy back onto the sample it was copied from.
 *
 * The virtual sample at index `i` (outside `0 … n-1`) of a length-`n` signal
 * `x` is, for each mode (verified against pywt 1.1.1's C convolution for every
 * mode, filters up to 62 taps and signals of 1–31 samples, including padding
 * that wraps around the signal several times):
 *
 * | mode | virtual `x[i]` |
 * |---|---|
 * | zero | 0 |
 * | constant | `x[0]` left, `x[n-1]` right (edge replication) |
 * | symmetric | half-sample mirror, period `2n`: `… x1 x0 | x0 x1 … x(n-1) | x(n-1) …` |
 * | reflect | whole-sample mirror, period `2n-2`: `… x2 x1 | x0 … x(n-1) | x(n-2) …` |
 * | periodic | `x[i mod n]` |
 * | smooth | linear extrapolation of the end slope: `x[-k] = x0 + k(x0 - x1)` (constant when n < 2) |
 * | antisymmetric | half-sample anti-mirror, period `2n`: `… -x1 -x0 | x0 … x(n-1) | -x(n-1) …` |
 * | antireflect | whole-sample point mirror, iterated: `x[-k] = 2x0 - x[k]`, `x[n-1+k] = 2x(n-1) - x[n-1-k]` |
 * | periodization | odd `n` first gets its last sample repeated (length `n' = n + n mod 2`), then `x'[i mod n']` |
 *
 * My decision: pywt 1.1.1 loops forever on a single-sample signal in `reflect`
 * and `antireflect` mode; wavecv uses the single sample itself (the limit of
 * both mirrors), i.e. edge replication, there.
 *
 * The tensor code works on a 4-D view `[outer, n, rows, channels]` of any
 * tensor (the transformed axis second). The padded rows are small dense
 * combinations of a few signal rows (a tiny `gather` plus a batched
 * `matMul`), joined to the signal by one `concat` along axis 1 — no `slice`
 * of a large tensor, which on wasm copies the whole buffer into JavaScript.
 */
import * as tf from '@tensorflow/tfjs';
import { WavecvError } from '../errors.js';

/** The nine signal-extension modes of pywt, in pywt's `Modes.modes` order. */
export const MODES = ['zero', 'constant', 'symmetric', 'periodic', 'smooth', 'periodization', 'reflect', 'antisymmetric', 'antireflect'] as const;
export type Mode = (typeof MODES)[number];

/** Returns `mode` as a {@link Mode}, or throws a WavecvError naming `argument`. */
export function checkMode(mode: unknown, argument = 'mode'): Mode {
  if (typeof mode !== 'string' || !(MODES as readonly string[]).includes(mode)) {
    throw new WavecvError(argument, mode, `one of ${MODES.join(', ')} (pywt signal-extension modes)`);
  }
  return mode as Mode;
}

/** A term `weight · x[source]`. */
export type Tap = readonly [source: number, weight: number];

/**
 * The virtual sample `x[index]` of a length-`n` signal extended by `mode`, as
 * a list of taps on real samples (empty for a zero). Exact float64 weights.
 */
export function extensionTaps(n: number, mode: Mode, index: number): Tap[] {
  if (index >= 0 && index < n) return [[index, 1]];
  switch (mode) {
    case 'zero':
      return [];
    case 'constant':
      return [[index < 0 ? 0 : n - 1, 1]];
    case 'periodic':
      return [[mod(index, n), 1]];
    case 'periodization': {
      const r = mod(index, n + (n % 2));
      return [[Math.min(r, n - 1), 1]];
    }
    case 'symmetric': {
      const r = mod(index, 2 * n);
      return [[r < n ? r : 2 * n - 1 - r, 1]];
    }
    case 'antisymmetric': {
      const r = mod(index, 2 * n);
      return r < n ? [[r, 1]] : [[2 * n - 1 - r, -1]];
    }
    case 'reflect': {
      if (n === 1) return [[0, 1]];
      const r = mod(index, 2 * n - 2);
      return [[r < n ? r : 2 * n - 2 - r, 1]];
    }
    case 'smooth': {
      if (n < 2) return [[0, 1]];
      if (index < 0) return [[0, 1 - index], [1, index]];
      const k = index - (n - 1);
      return [[n - 1, 1 + k], [n - 2, -k]];
    }
    case 'antireflect': {
      if (n === 1) return [[0, 1]];
      // x[i] = 2·x[edge] − x[mirror of i about the edge sample]; iterate until inside.
      const acc = new Map<number, number>();
      let sign = 1;
      let i = index;
      while (i < 0 || i >= n) {
        const edge = i < 0 ? 0 : n - 1;
        acc.set(edge, (acc.get(edge) ?? 0) + 2 * sign);
        i = 2 * edge - i;
        sign = -sign;
      }
      acc.set(i, (acc.get(i) ?? 0) + sign);
      return [...acc.entries()].filter(([, w]) => w !== 0);
    }
  }
}

/**
 * Applies the linear map `forward` to `x` with `adjoint` as its gradient
 * (`tf.customGrad`), so autograd never traces the ops inside `forward`.
 */
export function withAdjoint<In extends tf.Tensor, Out extends tf.Tensor>(x: In, forward: (x: In) => Out, adjoint: (dy: Out) => In): Out {
  const f = (input: tf.Tensor | tf.GradSaveFunc) => ({ value: forward(input as In), gradFunc: (dy: Out) => adjoint(dy) });
  return tf.customGrad(f as unknown as Parameters<typeof tf.customGrad<Out>>[0])(x);
}

function mod(a: number, m: number): number {
  return ((a % m) + m) % m;
}

/** One output row as a sparse combination of input rows: `Σ weight · x[row]`. */
export type RowCombination = Map<number, number>;

/** How to extend a length-`n` axis by `left`/`right` samples in `mode`: the taps of every padded row. */
export interface ExtensionPlan {
  n: number;
  left: number;
  right: number;
  /** Padded rows before the signal (virtual indices −left … −1), as combinations of signal rows. */
  before: RowCombination[];
  /** Padded rows after the signal (virtual indices n … n+right−1). */
  after: RowCombination[];
}

const planCache = new Map<string, ExtensionPlan>();

function combination(taps: Tap[]): RowCombination {
  const row: RowCombination = new Map();
  for (const [s, w] of taps) row.set(s, (row.get(s) ?? 0) + w);
  return row;
}

/** The (cached) plan extending a length-`n` axis by `left` and `right` samples. */
export function extensionPlan(n: number, left: number, right: number, mode: Mode): ExtensionPlan {
  const key = `${n}:${left}:${right}:${mode}`;
  let plan = planCache.get(key);
  if (!plan) {
    plan = {
      n,
      left,
      right,
      before: Array.from({ length: left }, (_, t) => combination(extensionTaps(n, mode, t - left))),
      after: Array.from({ length: right }, (_, t) => combination(extensionTaps(n, mode, n + t))),
    };
    planCache.set(key, plan);
  }
  return plan;
}

/**
 * Rows `lo … lo+count−1` of axis 1 of `x` (`[outer, n, rows, channels]`)
 * without `slice` (which on wasm copies the whole tensor into JavaScript): a
 * two-tap dilated `depthwiseConv2d` whose output is just the wanted rows —
 * taps `[1, 0]` with dilation `n − count` for a head range, `[0, 1]` with
 * dilation `lo` for a tail range; an inner range takes a head then a tail.
 */
export function fetchRows(x: tf.Tensor4D, lo: number, count: number): tf.Tensor4D {
  const [, n, , channels] = x.shape;
  if (lo === 0 && count === n) return x;
  if (lo > 0 && lo + count < n) {
    // inner range: the shorter of "head, then its tail" and "tail, then its head"
    return lo + count <= n - lo ? fetchRows(fetchRows(x, 0, lo + count), lo, count) : fetchRows(fetchRows(x, lo, n - lo), 0, count);
  }
  const head = lo === 0;
  const weights = new Float32Array(2 * channels);
  weights.fill(1, head ? 0 : channels, head ? channels : 2 * channels);
  return tf.tidy(() => tf.depthwiseConv2d(x, tf.tensor4d(weights, [2, 1, channels, 1]), 1, 'valid', 'NHWC', [head ? n - count : lo, 1]));
}

/**
 * Rows built from a few rows of `x` (`[outer, n, rows, channels]`):
 * `out[:, r] = Σ_s combos[r].get(s) · x[:, s]`: an ascending run of rows is
 * one {@link fetchRows}; anything else (mirrors, edge copies, signs,
 * extrapolation) fetches the supporting rows and combines them with one
 * batched `matMul` by the small dense weight matrix — measured on wasm, a
 * 6×6 `matMul` over 8×6×8192 values costs 6 ms where `reverse` costs 18 ms,
 * `gather` 19 ms and `tile` 38 ms.
 */
export function combineRows(x: tf.Tensor4D, combos: RowCombination[]): tf.Tensor4D {
  const [outer, , rows, channels] = x.shape;
  const support = [...new Set(combos.flatMap((c) => [...c.keys()]))].sort((a, b) => a - b);
  if (support.length === 0 || combos.length === 0) return tf.zeros([outer, combos.length, rows, channels]);
  return tf.tidy(() => {
    // A plain ascending run of rows (periodic wraps) is just a fetch.
    const run = combos.map((c) => [...c.entries()]);
    if (run.every((e, r) => e.length === 1 && e[0][1] === 1 && e[0][0] === run[0][0][0] + r)) return fetchRows(x, run[0][0][0], combos.length);
    const lo = support[0];
    const width = support[support.length - 1] - lo + 1;
    const weights = new Float32Array(combos.length * width);
    combos.forEach((c, r) => c.forEach((w, s) => (weights[r * width + s - lo] += w)));
    const picked = tf.reshape(fetchRows(x, lo, width), [outer, width, rows * channels]);
    const mixed = tf.matMul(tf.tensor3d(weights, [1, combos.length, width]), picked);
    return tf.reshape(mixed, [outer, combos.length, rows, channels]);
  });
}

/**
 * Extends axis 1 of `x` (`[outer, n, rows, channels]`) by the plan's padded
 * rows (one concat along axis 1; the padded rows come from
 * {@link combineRows}). Forward only: the transforms in transform.ts fold its
 * adjoint into their own backward passes.
 */
export function extendRows(x: tf.Tensor4D, plan: ExtensionPlan): tf.Tensor4D {
  if (x.shape[1] !== plan.n) throw new WavecvError('x', x, `a tensor with ${plan.n} samples on axis 1 (the extension plan's length)`);
  if (plan.left === 0 && plan.right === 0) return tf.clone(x);
  return tf.tidy(() => {
    const parts: tf.Tensor4D[] = [];
    if (plan.left > 0) parts.push(combineRows(x, plan.before));
    parts.push(x);
    if (plan.right > 0) parts.push(combineRows(x, plan.after));
    return tf.concat(parts, 1);
  });
}
