/**
 * Index arithmetic shared by the convolution-gradient kernels: how the two
 * gradients of a strided, dilated, padded correlation are themselves forward
 * correlations, one spatial axis at a time.
 *
 * The forward op along one axis (tfjs/TensorFlow semantics, cross-correlation):
 *
 *   y[o] = Σ_k x[o·s + k·d − p] · w[k],   o ∈ [0, O),  k ∈ [0, K)            (1)
 *
 * with stride s, dilation d, leading pad p, input length L. TensorFlow requires
 * s = 1 or d = 1 (never both above one); the plans below rely on that.
 *
 * Filter gradient (Dumoulin & Visin, "A guide to convolution arithmetic", 2016,
 * §4): ∂w[k] = Σ_o x[k·d + o·s − p] · dy[o] is again a correlation of x, now
 * with dy as the filter, stride d and dilation s.
 *
 * Input gradient: ∂x[i] = Σ_{o,k: o·s + k·d − p = i} dy[o] · w[k]. For s = 1 it is
 * a correlation of dy with the flipped filter. For s > 1 (then d = 1) write
 * q = i + p = s·m + r: only taps k ≡ r (mod s) reach phase r, so each phase is a
 * stride-1 correlation of dy with the flipped sub-filter w[r], w[r+s], …; the
 * phases are computed by ONE convolution with s output groups and interleaved
 * (the "sub-pixel" decomposition of Shi et al., CVPR 2016, read backwards).
 * This costs the exact multiply count of the transposed convolution instead of
 * the s²-fold waste of convolving a zero-upsampled dy (our choice, measured in
 * bench/train.ts notes).
 */

/** Filter-gradient plan for one axis: pads applied to x (negative = crop). */
export interface FilterGradAxis {
  padBefore: number;
  padAfter: number;
}

/**
 * Pads of x so that a correlation with dy as filter (stride d, dilation s)
 * yields exactly K outputs: rows −p … (K−1)d + (O−1)s − p of x are read.
 */
export function filterGradAxis(L: number, K: number, O: number, s: number, d: number, p: number): FilterGradAxis {
  const needed = (K - 1) * d + (O - 1) * s + 1;
  return { padBefore: p, padAfter: needed - L - p };
}

/** Input-gradient plan for one axis (see the module comment). */
export interface InputGradAxis {
  /** Taps per phase: ceil(K / s). */
  taps: number;
  /** Phases that receive at least one tap: min(s, K). */
  phases: number;
  /** Stride of the forward op (number of phases of the interleave). */
  stride: number;
  /** Dilation applied to the sub-filter (d; 1 when s > 1). */
  dilation: number;
  /** Pads of dy before the stride-1 correlation (negative = crop). */
  padBefore: number;
  padAfter: number;
  /** Phase rows computed (length of the correlation output). */
  rows: number;
  /** Offset of x[0] in the interleaved result of length rows·s. */
  offset: number;
}

/**
 * Plans ∂x along one axis: with m0 = ⌊p/s⌋ phase rows skipped up front, the
 * phase-r row m of the correlation holds ∂x[s·(m + m0) + r − p].
 */
export function inputGradAxis(L: number, K: number, O: number, s: number, d: number, p: number): InputGradAxis {
  const taps = Math.ceil(K / s);
  const m0 = Math.floor(p / s);
  const rows = Math.ceil((p + L) / s) - m0;
  const padBefore = (taps - 1) * d - m0;
  const padAfter = rows + (taps - 1) * d - padBefore - O;
  return { taps, phases: Math.min(s, K), stride: s, dilation: d, padBefore, padAfter, rows, offset: p - m0 * s };
}
