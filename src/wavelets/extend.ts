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
 * The tensor ops work on a 3-D view `[outer, n, inner]` of any tensor (the
 * transformed axis in the middle), so no transpose is ever needed. Each padded
 * block is `W · x[lo:hi]` for a small dense matrix `W` (a batched `matMul`,
 * which XNNPACK runs), and the fold uses `Wᵀ`; both are wrapped in
 * `tf.customGrad` as each other's gradient so that second derivatives work
 * and no op without a wasm gradient is traced.
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

/** One padded block: `out[t] = Σ_s weights[t·width + s] · x[lo + s]`. */
interface PadBlock {
  count: number;
  lo: number;
  width: number;
  /** Row-major `count × width` float32 matrix; all zero when `width` is 0. */
  weights: Float32Array;
}

/** How to extend a length-`n` axis by `left`/`right` samples in `mode`. */
export interface ExtensionPlan {
  n: number;
  left: number;
  right: number;
  mode: Mode;
  leftBlock: PadBlock;
  rightBlock: PadBlock;
}

const planCache = new Map<string, ExtensionPlan>();

function makeBlock(n: number, mode: Mode, first: number, count: number): PadBlock {
  const taps = Array.from({ length: count }, (_, t) => extensionTaps(n, mode, first + t));
  const sources = taps.flat().map(([s]) => s);
  if (sources.length === 0) return { count, lo: 0, width: 0, weights: new Float32Array(0) };
  const lo = Math.min(...sources);
  const width = Math.max(...sources) - lo + 1;
  const weights = new Float32Array(count * width);
  taps.forEach((row, t) => row.forEach(([s, w]) => (weights[t * width + s - lo] += w)));
  return { count, lo, width, weights };
}

/** The (cached) plan extending a length-`n` axis by `left` and `right` samples. */
export function extensionPlan(n: number, left: number, right: number, mode: Mode): ExtensionPlan {
  const key = `${n}:${left}:${right}:${mode}`;
  let plan = planCache.get(key);
  if (!plan) {
    plan = { n, left, right, mode, leftBlock: makeBlock(n, mode, -left, left), rightBlock: makeBlock(n, mode, n, right) };
    planCache.set(key, plan);
  }
  return plan;
}

/** `W · x[:, lo:lo+width, :]` for a block, as a `[outer, count, inner]` tensor. */
function applyBlock(x: tf.Tensor3D, block: PadBlock): tf.Tensor3D {
  const [outer, , inner] = x.shape;
  if (block.width === 0) return tf.zeros([outer, block.count, inner]);
  const part = tf.slice(x, [0, block.lo, 0], [outer, block.width, inner]);
  if (inner === 1) {
    const w = tf.tensor2d(block.weights, [block.count, block.width]);
    return tf.reshape(tf.matMul(tf.reshape(part, [outer, block.width]), w, false, true), [outer, block.count, 1]);
  }
  const w = tf.tensor3d(block.weights, [1, block.count, block.width]);
  return tf.matMul(w, part);
}

/** `Wᵀ · g` for a block, as a `[outer, width, inner]` tensor. */
function foldBlock(g: tf.Tensor3D, block: PadBlock): tf.Tensor3D {
  const [outer, , inner] = g.shape;
  if (inner === 1) {
    const w = tf.tensor2d(block.weights, [block.count, block.width]);
    return tf.reshape(tf.matMul(tf.reshape(g, [outer, block.count]), w), [outer, block.width, 1]);
  }
  const w = tf.tensor3d(block.weights, [1, block.count, block.width]);
  return tf.matMul(w, g, true, false);
}

function extendRaw(x: tf.Tensor3D, plan: ExtensionPlan): tf.Tensor3D {
  const parts: tf.Tensor3D[] = [];
  if (plan.left > 0) parts.push(applyBlock(x, plan.leftBlock));
  parts.push(x);
  if (plan.right > 0) parts.push(applyBlock(x, plan.rightBlock));
  return parts.length === 1 ? tf.clone(x) : tf.concat(parts, 1);
}

function foldRaw(g: tf.Tensor3D, plan: ExtensionPlan): tf.Tensor3D {
  const [outer, , inner] = g.shape;
  const { n, left } = plan;
  let out: tf.Tensor3D = tf.slice(g, [0, left, 0], [outer, n, inner]);
  const sides: [PadBlock, number][] = [
    [plan.leftBlock, 0],
    [plan.rightBlock, left + n],
  ];
  for (const [block, start] of sides) {
    if (block.count === 0 || block.width === 0) continue;
    const folded = foldBlock(tf.slice(g, [0, start, 0], [outer, block.count, inner]), block);
    out = tf.add(out, tf.pad(folded, [[0, 0], [block.lo, n - block.lo - block.width], [0, 0]]));
  }
  return out;
}

/**
 * Extends axis 1 of `x` (shape `[outer, n, inner]`) by `plan.left` samples
 * before and `plan.right` after, as pywt's `plan.mode` does. Differentiable;
 * the gradient is {@link foldAxis}.
 */
export function extendAxis(x: tf.Tensor3D, plan: ExtensionPlan): tf.Tensor3D {
  if (x.shape[1] !== plan.n) throw new WavecvError('x', x, `a tensor with ${plan.n} samples on axis 1 (the extension plan's length)`);
  return withAdjoint(x, (input) => extendRaw(input, plan), (dy) => foldAxis(dy, plan));
}

/**
 * The adjoint of {@link extendAxis}: maps a gradient of shape
 * `[outer, left + n + right, inner]` to `[outer, n, inner]`, adding each
 * padded sample's gradient (times its weight) onto its source samples.
 * Differentiable; its gradient is {@link extendAxis}.
 */
export function foldAxis(g: tf.Tensor3D, plan: ExtensionPlan): tf.Tensor3D {
  const total = plan.left + plan.n + plan.right;
  if (g.shape[1] !== total) throw new WavecvError('g', g, `a tensor with ${total} samples on axis 1 (left + n + right of the plan)`);
  return withAdjoint(g, (input) => foldRaw(input, plan), (dy) => extendAxis(dy, plan));
}
