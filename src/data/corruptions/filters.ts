/**
 * Small image-filtering primitives the corruptions are built from, on single
 * row-major Float64Array planes. Their border rules are the ones the
 * reference implementation of ImageNet-C relies on (Hendrycks & Dietterich,
 * ICLR 2019, code in hendrycks/robustness), named as in scipy.ndimage:
 *
 *   nearest  a a a | a b c d | d d d   (skimage.filters.gaussian's default)
 *   mirror   d c b | a b c d | c b a   (OpenCV's BORDER_REFLECT_101)
 *   reflect  c b a | a b c d | d c b   (scipy.ndimage.map_coordinates 'reflect')
 *
 * Each primitive is checked against scipy.ndimage by a fixture
 * (scripts/gen_corruption_fixtures.py).
 */
export type Border = 'nearest' | 'mirror' | 'reflect';

/** Maps any integer index onto [0, n) under the given border rule. */
export function borderIndex(i: number, n: number, border: Border): number {
  if (i >= 0 && i < n) return i;
  if (n === 1) return 0;
  switch (border) {
    case 'nearest':
      return i < 0 ? 0 : n - 1;
    case 'mirror': {
      const period = 2 * n - 2;
      let k = Math.abs(i) % period;
      if (k >= n) k = period - k;
      return k;
    }
    case 'reflect': {
      const period = 2 * n;
      let k = ((i % period) + period) % period;
      if (k >= n) k = period - 1 - k;
      return k;
    }
  }
}

/**
 * The sampled Gaussian of scipy.ndimage.gaussian_filter: taps at
 * −r…r with r = ⌊truncate·σ + 0.5⌋, weights exp(−x²/2σ²), normalised to sum 1.
 */
export function gaussianKernel1d(sigma: number, truncate = 4): Float64Array {
  const radius = Math.floor(truncate * sigma + 0.5);
  const kernel = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let x = -radius; x <= radius; x++) {
    const v = Math.exp((-0.5 * x * x) / (sigma * sigma));
    kernel[x + radius] = v;
    sum += v;
  }
  for (let i = 0; i < kernel.length; i++) kernel[i] /= sum;
  return kernel;
}

/** Correlates every row (axis 1) and then every column (axis 0) with the same odd-length kernel. */
export function separableFilter(plane: Float64Array, height: number, width: number, kernel: Float64Array, border: Border): Float64Array {
  const radius = (kernel.length - 1) / 2;
  const rows = new Float64Array(plane.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let acc = 0;
      for (let k = -radius; k <= radius; k++) acc += kernel[k + radius] * plane[y * width + borderIndex(x + k, width, border)];
      rows[y * width + x] = acc;
    }
  }
  const out = new Float64Array(plane.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let acc = 0;
      for (let k = -radius; k <= radius; k++) acc += kernel[k + radius] * rows[borderIndex(y + k, height, border) * width + x];
      out[y * width + x] = acc;
    }
  }
  return out;
}

/** Gaussian blur of a plane, scipy.ndimage.gaussian_filter semantics (σ ≤ 0 returns a copy). */
export function gaussianFilter(plane: Float64Array, height: number, width: number, sigma: number, border: Border, truncate = 4): Float64Array {
  if (!(sigma > 1e-15)) return Float64Array.from(plane);
  return separableFilter(plane, height, width, gaussianKernel1d(sigma, truncate), border);
}

/** A 2-D kernel (odd size, centre anchor), row-major. */
export interface Kernel2d {
  size: number;
  weights: Float64Array;
}

/** 2-D correlation with an odd square kernel centred on each pixel (OpenCV filter2D, scipy correlate). */
export function correlate2d(plane: Float64Array, height: number, width: number, kernel: Kernel2d, border: Border): Float64Array {
  const r = (kernel.size - 1) / 2;
  const out = new Float64Array(plane.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let acc = 0;
      for (let ky = -r; ky <= r; ky++) {
        const row = borderIndex(y + ky, height, border) * width;
        const krow = (ky + r) * kernel.size + r;
        for (let kx = -r; kx <= r; kx++) {
          const w = kernel.weights[krow + kx];
          if (w !== 0) acc += w * plane[row + borderIndex(x + kx, width, border)];
        }
      }
      out[y * width + x] = acc;
    }
  }
  return out;
}

/**
 * The anti-aliased disk of ImageNet-C's defocus blur: on the grid −L…L
 * (L = 8 for radius ≤ 8, else L = radius), the indicator of x²+y² ≤ radius²
 * normalised to sum 1, then smoothed by a k×k Gaussian of σ = aliasBlur
 * (k = 3 for radius ≤ 8, else 5) with OpenCV's getGaussianKernel weights and
 * reflect-101 borders, as cv2.GaussianBlur does. All-zero border rows and
 * columns are trimmed (they do not change a correlation).
 */
export function defocusKernel(radius: number, aliasBlur: number): Kernel2d {
  const half = radius <= 8 ? 8 : Math.ceil(radius);
  const size = 2 * half + 1;
  const disk = new Float64Array(size * size);
  let sum = 0;
  for (let y = -half; y <= half; y++) {
    for (let x = -half; x <= half; x++) {
      const inside = x * x + y * y <= radius * radius ? 1 : 0;
      disk[(y + half) * size + x + half] = inside;
      sum += inside;
    }
  }
  for (let i = 0; i < disk.length; i++) disk[i] /= sum;
  const k = radius <= 8 ? 3 : 5;
  const gauss = new Float64Array(k);
  let gsum = 0;
  for (let i = 0; i < k; i++) {
    const d = i - (k - 1) / 2;
    gauss[i] = Math.exp((-d * d) / (2 * aliasBlur * aliasBlur));
    gsum += gauss[i];
  }
  for (let i = 0; i < k; i++) gauss[i] /= gsum;
  const blurred = separableFilter(disk, size, size, gauss, 'mirror');
  let trim = 0;
  const zeroRing = (t: number) => {
    for (let i = t; i < size - t; i++) {
      if (blurred[t * size + i] !== 0 || blurred[(size - 1 - t) * size + i] !== 0) return false;
      if (blurred[i * size + t] !== 0 || blurred[i * size + size - 1 - t] !== 0) return false;
    }
    return true;
  };
  while (trim < half && zeroRing(trim)) trim++;
  const outSize = size - 2 * trim;
  const weights = new Float64Array(outSize * outSize);
  for (let y = 0; y < outSize; y++) for (let x = 0; x < outSize; x++) weights[y * outSize + x] = blurred[(y + trim) * size + x + trim];
  return { size: outSize, weights };
}

/**
 * Bilinear sample of a plane at fractional (row, column) coordinates with the
 * given border rule (scipy.ndimage.map_coordinates with order = 1).
 */
export function bilinearSample(plane: Float64Array, height: number, width: number, row: number, column: number, border: Border): number {
  const y0 = Math.floor(row);
  const x0 = Math.floor(column);
  const ty = row - y0;
  const tx = column - x0;
  const ya = borderIndex(y0, height, border) * width;
  const yb = borderIndex(y0 + 1, height, border) * width;
  const xa = borderIndex(x0, width, border);
  const xb = borderIndex(x0 + 1, width, border);
  const top = plane[ya + xa] * (1 - tx) + plane[ya + xb] * tx;
  const bottom = plane[yb + xa] * (1 - tx) + plane[yb + xb] * tx;
  return top * (1 - ty) + bottom * ty;
}

/**
 * The 2×3 affine matrix M with M·[x, y, 1]ᵀ = target for three point pairs
 * (what cv2.getAffineTransform returns), solved by Cramer's rule.
 */
export function affineFromPoints(source: [number, number][], target: [number, number][]): number[] {
  const [[x0, y0], [x1, y1], [x2, y2]] = source;
  const det = x0 * (y1 - y2) - y0 * (x1 - x2) + (x1 * y2 - x2 * y1);
  const solve = (v0: number, v1: number, v2: number) => [
    (v0 * (y1 - y2) - y0 * (v1 - v2) + (v1 * y2 - v2 * y1)) / det,
    (x0 * (v1 - v2) - v0 * (x1 - x2) + (x1 * v2 - x2 * v1)) / det,
    (x0 * (y1 * v2 - y2 * v1) - y0 * (x1 * v2 - x2 * v1) + v0 * (x1 * y2 - x2 * y1)) / det,
  ];
  return [...solve(target[0][0], target[1][0], target[2][0]), ...solve(target[0][1], target[1][1], target[2][1])];
}

/**
 * Warps a plane by an affine map as cv2.warpAffine does without
 * WARP_INVERSE_MAP: output(x, y) = input(M⁻¹·(x, y)), bilinear, with the
 * given border rule. Coordinates stay in double precision (OpenCV rounds
 * them to 1/32 pixel; that difference is ours).
 */
export function warpAffine(plane: Float64Array, height: number, width: number, matrix: number[], border: Border): Float64Array {
  const [a, b, c, d, e, f] = matrix;
  const det = a * e - b * d;
  const ia = e / det;
  const ib = -b / det;
  const id = -d / det;
  const ie = a / det;
  const out = new Float64Array(plane.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = x - c;
      const v = y - f;
      const sx = ia * u + ib * v;
      const sy = id * u + ie * v;
      out[y * width + x] = bilinearSample(plane, height, width, sy, sx, border);
    }
  }
  return out;
}

/**
 * One-axis resampling weights of Pillow's BOX filter (Image.resize with
 * Image.BOX), which ImageNet-C's pixelate uses: output pixel i covers the
 * input pixels whose centres fall in the box of half-width
 * ½·max(in/out, 1) around (i + ½)·in/out; weights are 1 inside, then
 * normalised. Returns, per output pixel, the first input index and weights.
 */
export function boxResampleWeights(inSize: number, outSize: number): { start: number; weights: number[] }[] {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 0.5 * filterScale;
  const result: { start: number; weights: number[] }[] = [];
  for (let i = 0; i < outSize; i++) {
    const centre = (i + 0.5) * scale;
    const start = Math.max(Math.trunc(centre - support + 0.5), 0);
    const stop = Math.min(Math.trunc(centre + support + 0.5), inSize);
    const weights: number[] = [];
    let total = 0;
    for (let j = start; j < stop; j++) {
      const t = (j - centre + 0.5) / filterScale;
      const w = t > -0.5 && t <= 0.5 ? 1 : 0;
      weights.push(w);
      total += w;
    }
    result.push({ start, weights: weights.map((w) => (total > 0 ? w / total : 0)) });
  }
  return result;
}

/** Resizes a plane with the BOX filter along both axes (width first, as Pillow does). */
export function boxResize(plane: Float64Array, height: number, width: number, outHeight: number, outWidth: number): Float64Array {
  const wx = boxResampleWeights(width, outWidth);
  const wy = boxResampleWeights(height, outHeight);
  const tmp = new Float64Array(height * outWidth);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < outWidth; x++) {
      const { start, weights } = wx[x];
      let acc = 0;
      for (let k = 0; k < weights.length; k++) acc += weights[k] * plane[y * width + start + k];
      tmp[y * outWidth + x] = acc;
    }
  }
  const out = new Float64Array(outHeight * outWidth);
  for (let y = 0; y < outHeight; y++) {
    const { start, weights } = wy[y];
    for (let x = 0; x < outWidth; x++) {
      let acc = 0;
      for (let k = 0; k < weights.length; k++) acc += weights[k] * tmp[(start + k) * outWidth + x];
      out[y * outWidth + x] = acc;
    }
  }
  return out;
}

/** Python's round(): to the nearest integer, halves to even. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * numpy's `arange(start, stop, step)` for floats, value for value: length
 * ⌈(stop − start)/step⌉ and values start + i·δ with δ = (start + step) − start,
 * as numpy fills it (so `arange(1, 1.11, 0.01)` has 12 values, up to 1.11).
 */
export function numpyArange(start: number, stop: number, step: number): number[] {
  const length = Math.max(0, Math.ceil((stop - start) / step));
  const delta = start + step - start;
  return Array.from({ length }, (_, i) => start + i * delta);
}

/**
 * scipy.ndimage.zoom(plane, factor, order=1) with its default grid (output
 * size round(n·factor) per axis; output index o reads input coordinate
 * o·(n − 1)/(out − 1), linear interpolation).
 */
export function zoomLinear(plane: Float64Array, height: number, width: number, factor: number): { plane: Float64Array; height: number; width: number } {
  const outH = roundHalfEven(height * factor);
  const outW = roundHalfEven(width * factor);
  const scaleY = outH > 1 ? (height - 1) / (outH - 1) : 0;
  const scaleX = outW > 1 ? (width - 1) / (outW - 1) : 0;
  const out = new Float64Array(outH * outW);
  for (let o = 0; o < outH; o++) {
    const cy = o * scaleY;
    const y0 = Math.min(Math.floor(cy), height - 1);
    const y1 = Math.min(y0 + 1, height - 1);
    const fy = cy - y0;
    for (let p = 0; p < outW; p++) {
      const cx = p * scaleX;
      const x0 = Math.min(Math.floor(cx), width - 1);
      const x1 = Math.min(x0 + 1, width - 1);
      const fx = cx - x0;
      const top = plane[y0 * width + x0] * (1 - fx) + plane[y0 * width + x1] * fx;
      const bottom = plane[y1 * width + x0] * (1 - fx) + plane[y1 * width + x1] * fx;
      out[o * outW + p] = top * (1 - fy) + bottom * fy;
    }
  }
  return { plane: out, height: outH, width: outW };
}

/**
 * The reference's `clipped_zoom`: the central ⌈n/factor⌉ pixels (starting at
 * ⌊(n − ⌈n/factor⌉)/2⌋) zoomed by `factor` with {@link zoomLinear}, then the
 * central n pixels of the result; per axis, so non-square planes work too.
 */
export function clippedZoom(plane: Float64Array, height: number, width: number, factor: number): Float64Array {
  const cropH = Math.ceil(height / factor);
  const cropW = Math.ceil(width / factor);
  const top = Math.floor((height - cropH) / 2);
  const left = Math.floor((width - cropW) / 2);
  const crop = new Float64Array(cropH * cropW);
  for (let y = 0; y < cropH; y++) for (let x = 0; x < cropW; x++) crop[y * cropW + x] = plane[(top + y) * width + left + x];
  const zoomed = zoomLinear(crop, cropH, cropW, factor);
  const trimTop = Math.floor((zoomed.height - height) / 2);
  const trimLeft = Math.floor((zoomed.width - width) / 2);
  const out = new Float64Array(height * width);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out[y * width + x] = zoomed.plane[(trimTop + y) * zoomed.width + trimLeft + x];
  return out;
}
