/**
 * The periodized 2-D DWT and IDWT as fixed-filter ONNX operators on NCHW
 * values, the same transforms as wavecv's wavelet layers (pywt's
 * `periodization` mode, src/wavelets/filter-bank-conv.ts). Along an axis of
 * even length N with filters of length L and a = L/2 − 1:
 *  - analysis  y_b[k] = Σ_j h_b[j] x[(2k + L/2 − j) mod N] is a stride-2
 *    cross-correlation with the reversed filter of x padded circularly by a
 *    on both sides (Slice + Concat, so any runtime of opset 17 runs it);
 *  - synthesis x[(2k + 1 − L/2 + j) mod N] += g_b[j] y_b[k] is a stride-2
 *    `ConvTranspose` with g_b, whose 2n + 2a outputs are folded back onto the
 *    circle (output i lands on (i − a) mod 2n: the first a and the last a are
 *    added onto the other end).
 * In 2-D each band's filter is the outer product of its two axis filters and
 * every channel is filtered alike (`group` = channels). Odd sizes (pywt
 * extends them by a sample) are refused: the exported networks halve even
 * sizes only.
 */
import { WavecvError } from '../../errors.js';
import type { OnnxGraph } from './graph.js';

/** Per band, the filters along H and along W. */
export type BandFilters = Array<[readonly number[], readonly number[]]>;

const int64 = (g: OnnxGraph, hint: string, values: number[]) => g.constant(hint, values, [values.length], 'int64');

/** `[start, end)` of NCHW `axis` of `x`. */
function slice(g: OnnxGraph, x: string, axis: number, start: number, end: number, hint: string): string {
  return g.op('Slice', [x, int64(g, `${hint}_starts`, [start]), int64(g, `${hint}_ends`, [end]), int64(g, `${hint}_axes`, [axis])], {}, hint);
}

/** Zero padding of NCHW `axis` by `before`/`after`. */
function pad(g: OnnxGraph, x: string, axis: number, before: number, after: number, hint: string): string {
  const pads = [0, 0, 0, 0, 0, 0, 0, 0];
  pads[axis] = before;
  pads[axis + 4] = after;
  return g.op('Pad', [x, int64(g, `${hint}_pads`, pads)], { mode: 'constant' }, hint);
}

function circularPad(g: OnnxGraph, x: string, axis: number, n: number, p: number, hint: string): string {
  if (p === 0) return x;
  return g.op('Concat', [slice(g, x, axis, n - p, n, `${hint}_tail`), x, slice(g, x, axis, 0, p, `${hint}_head`)], { axis }, hint);
}

function fold(g: OnnxGraph, x: string, axis: number, n2: number, a: number, hint: string): string {
  if (a === 0) return x;
  const centre = slice(g, x, axis, a, a + n2, `${hint}_centre`);
  const head = pad(g, slice(g, x, axis, 0, a, `${hint}_head`), axis, n2 - a, 0, `${hint}_head_pad`);
  const tail = pad(g, slice(g, x, axis, a + n2, n2 + 2 * a, `${hint}_tail`), axis, 0, n2 - a, `${hint}_tail_pad`);
  return g.op('Add', [g.op('Add', [centre, head], {}, `${hint}_add`), tail], {}, hint);
}

/** Depthwise [C, 1, L, L] weights of the outer product fh ⊗ fw (optionally reversed along both axes). */
function bandKernel(g: OnnxGraph, filters: [readonly number[], readonly number[]], channels: number, reverse: boolean, hint: string): string {
  const [fh, fw] = filters;
  const L = fh.length;
  const taps = new Float32Array(L * L);
  for (let r = 0; r < L; r++) for (let c = 0; c < L; c++) taps[r * L + c] = reverse ? fh[L - 1 - r] * fw[L - 1 - c] : fh[r] * fw[c];
  const values = new Float32Array(channels * L * L);
  for (let ch = 0; ch < channels; ch++) values.set(taps, ch * L * L);
  return g.constant(hint, values, [channels, 1, L, L]);
}

function checkEven(h: number, w: number, layer: string): void {
  if (h % 2 !== 0 || w % 2 !== 0) throw new WavecvError('model', `${layer} on a ${h}×${w} input`, 'even sizes at every wavelet layer (ONNX export handles the periodized DWT of even sizes)');
}

/** The analysis bands of NCHW `x` ([C, H, W] given) with `bands` (decomposition filters); one value per band. */
export function dwt2(g: OnnxGraph, x: string, chw: number[], bands: BandFilters, layer: string): string[] {
  const [channels, h, w] = chw;
  checkEven(h, w, layer);
  const a = bands[0][0].length / 2 - 1;
  const padded = circularPad(g, circularPad(g, x, 2, h, a, `${layer}_wrap_h`), 3, w, a, `${layer}_wrap_w`);
  return bands.map((filters, b) => g.op('Conv', [padded, bandKernel(g, filters, channels, true, `${layer}_band${b}_filter`)], { group: channels, strides: [2, 2], kernel_shape: [filters[0].length, filters[1].length] }, `${layer}_band${b}`));
}

/** The synthesis of NCHW bands (each [C, n, m]) with `bands` (reconstruction filters) → [C, 2n, 2m]. */
export function idwt2(g: OnnxGraph, inputs: string[], chw: number[], bands: BandFilters, layer: string): string {
  const [channels, n, m] = chw;
  const L = bands[0][0].length;
  const parts = inputs.map((x, b) => g.op('ConvTranspose', [x, bandKernel(g, bands[b], channels, false, `${layer}_band${b}_filter`)], { group: channels, strides: [2, 2], kernel_shape: [L, L] }, `${layer}_band${b}`));
  let sum = parts[0];
  for (let b = 1; b < parts.length; b++) sum = g.op('Add', [sum, parts[b]], {}, `${layer}_sum${b}`);
  const a = L / 2 - 1;
  return fold(g, fold(g, sum, 2, 2 * n, a, `${layer}_fold_h`), 3, 2 * m, a, layer);
}
