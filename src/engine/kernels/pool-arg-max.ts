/**
 * The arg-max of every max-pooling window, shared by wavecv's max-pool
 * kernels (`max-pool-grad.ts` for 2-D, `max-pool-3d.ts` for 3-D): 2-D pooling
 * is 3-D pooling with depth 1, so one routine serves both.
 *
 * Design: one pass over the output positions; for each one a scratch row of
 * per-channel maxima walks the window's input positions with the channel
 * index innermost, so every read is contiguous in NDHWC memory. Ties go to the
 * first maximum in row-major window order (depth, then row, then column), as
 * PyTorch chooses; positions in the padding never win; a window that lies
 * entirely in the padding has no arg-max (-1).
 */
import type * as tf from '@tensorflow/tfjs';

/** Geometry of a max pooling without dilation, NDHWC input (2-D: depth 1). */
export interface PoolGeometry {
  batch: number;
  channels: number;
  /** Input extent [depth, height, width]. */
  input: [number, number, number];
  /** Output extent [depth, height, width]. */
  output: [number, number, number];
  filter: [number, number, number];
  strides: [number, number, number];
  /** Padding before each axis [front, top, left]. */
  padBefore: [number, number, number];
}

/**
 * For each output element (NDHWC order), the flat index into `x` of its
 * window's maximum, or -1 when the window holds no input position.
 */
export function poolArgMax(g: PoolGeometry, x: ArrayLike<number>): Int32Array {
  const [inD, inH, inW] = g.input;
  const [outD, outH, outW] = g.output;
  const [fD, fH, fW] = g.filter;
  const [sD, sH, sW] = g.strides;
  const [pD, pH, pW] = g.padBefore;
  const C = g.channels;
  const at = new Int32Array(g.batch * outD * outH * outW * C);
  const best = new Float64Array(C);
  let o = 0;
  for (let b = 0; b < g.batch; b++) {
    for (let od = 0; od < outD; od++) {
      const d0 = od * sD - pD;
      for (let oy = 0; oy < outH; oy++) {
        const y0 = oy * sH - pH;
        for (let ox = 0; ox < outW; ox++, o += C) {
          const x0 = ox * sW - pW;
          at.fill(-1, o, o + C);
          for (let fd = 0; fd < fD; fd++) {
            const d = d0 + fd;
            if (d < 0 || d >= inD) continue;
            for (let fy = 0; fy < fH; fy++) {
              const y = y0 + fy;
              if (y < 0 || y >= inH) continue;
              for (let fx = 0; fx < fW; fx++) {
                const xx = x0 + fx;
                if (xx < 0 || xx >= inW) continue;
                const base = (((b * inD + d) * inH + y) * inW + xx) * C;
                for (let c = 0; c < C; c++) {
                  const v = x[base + c];
                  if (at[o + c] < 0 || v > best[c]) {
                    best[c] = v;
                    at[o + c] = base + c;
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  return at;
}

/**
 * The max-pool gradient from the arg-maxes `at` of {@link poolArgMax}:
 * dx = 0, then dx[at[o]] += dy[o] for every output element with an arg-max.
 */
export function routeToArgMax(at: Int32Array, dy: ArrayLike<number>, dx: tf.backend_util.TypedArray): void {
  dx.fill(0);
  for (let o = 0; o < at.length; o++) if (at[o] >= 0) dx[at[o]] += dy[o];
}
