/**
 * The spatter corruption of ImageNet-C's extras (Hendrycks & Dietterich,
 * ICLR 2019; `spatter` in `create_c/make_imagenet_c.py`): a liquid layer
 * L = G_σ * N(μ, s) per pixel (skimage gaussian, 'nearest' borders), values
 * below t set to 0; then either
 *
 *   mud (severities whose last parameter is 1): m = G_σm * [L > t], values
 *       below 0.8 set to 0, and x ← x·(1 − m) + m·(63, 42, 20)/255;
 *   water (last parameter 0): droplet outlines from the 8-bit layer — Canny
 *       edges (thresholds 50/150, 3×3 Sobel, L1 magnitude, as cv2.Canny),
 *       their distance transform (cv2's 5×5 chamfer, weights 1, 1.4, 2.1969),
 *       truncated at 20, 3×3 box blur, 8 bits, histogram equalisation
 *       (cv2.equalizeHist), the emboss kernel [[−2,−1,0],[−1,1,1],[0,1,2]]
 *       (8-bit, saturated), another box blur; m = L₈·D scaled to peak at the
 *       strength, and x ← x + m·(175, 238, 238)/255 (the reference adds that
 *       colour in its array's channel order, so RGB images turn turquoise).
 *
 * 8-bit conversions follow numpy's cast (truncation; the layer can exceed 1,
 * and numpy's cast then wraps modulo 256, which we reproduce). A layer with
 * no liquid at all leaves the image unchanged (the reference divides by a
 * zero peak there). Gray images receive the luma of the colours. Results are
 * clipped to [0, 1]. Each step is a function of its own, checked against a
 * numpy/scipy rendering of the same operations (scripts/gen_corruption_fixtures.py).
 */
import type { Rng } from '../../engine/random.js';
import { borderIndex, gaussianFilter } from './filters.js';
import { clip01, LUMA, readPlane, writePlane, type ImageBatch } from './image.js';

/** [layer mean, layer spread, layer σ, threshold, strength (water) or mud σ, 0 water / 1 mud]. */
export type SpatterParameters = [number, number, number, number, number, number];

/** numpy's float → uint8 cast of a non-negative value: truncation, wrapping modulo 256. */
function toUint8(v: number): number {
  return Math.floor(v) & 255;
}

/** 3×3 box filter (cv2.blur, reflect-101 borders). */
export function boxBlur3(plane: Float64Array, height: number, width: number): Float64Array {
  const out = new Float64Array(plane.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) sum += plane[borderIndex(y + dy, height, 'mirror') * width + borderIndex(x + dx, width, 'mirror')];
      out[y * width + x] = sum / 9;
    }
  }
  return out;
}

/** cv2.Canny(image, low, high) of an 8-bit plane (3×3 Sobel with replicated borders, L1 magnitude): 1 on edges, 0 elsewhere. */
export function cannyEdges(image: Float64Array, height: number, width: number, low: number, high: number): Uint8Array {
  const at = (y: number, x: number) => image[Math.min(height - 1, Math.max(0, y)) * width + Math.min(width - 1, Math.max(0, x))];
  const gx = new Float64Array(image.length);
  const gy = new Float64Array(image.length);
  const mag = new Float64Array(image.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const k = y * width + x;
      gx[k] = at(y - 1, x + 1) + 2 * at(y, x + 1) + at(y + 1, x + 1) - at(y - 1, x - 1) - 2 * at(y, x - 1) - at(y + 1, x - 1);
      gy[k] = at(y + 1, x - 1) + 2 * at(y + 1, x) + at(y + 1, x + 1) - at(y - 1, x - 1) - 2 * at(y - 1, x) - at(y - 1, x + 1);
      mag[k] = Math.abs(gx[k]) + Math.abs(gy[k]);
    }
  }
  const m = (y: number, x: number) => (y < 0 || y >= height || x < 0 || x >= width ? 0 : mag[y * width + x]);
  // 2 strong, 1 weak (a local maximum above `low`), 0 none
  const state = new Uint8Array(image.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const k = y * width + x;
      const v = mag[k];
      if (v <= low) continue;
      const ax = Math.abs(gx[k]);
      const ay = Math.abs(gy[k]);
      let maximum: boolean;
      if (ay < ax * Math.SQRT2 - ax) maximum = v > m(y, x - 1) && v >= m(y, x + 1);
      else if (ay > ax * Math.SQRT2 + ax) maximum = v > m(y - 1, x) && v >= m(y + 1, x);
      else {
        const s = gx[k] * gy[k] < 0 ? -1 : 1;
        maximum = v > m(y - 1, x - s) && v > m(y + 1, x + s);
      }
      if (maximum) state[k] = v > high ? 2 : 1;
    }
  }
  const edges = new Uint8Array(image.length);
  const stack: number[] = [];
  state.forEach((s, k) => {
    if (s === 2) {
      edges[k] = 1;
      stack.push(k);
    }
  });
  while (stack.length > 0) {
    const k = stack.pop() as number;
    const y = Math.floor(k / width);
    const x = k % width;
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        const ny = y + dy;
        const nx = x + dx;
        if (ny < 0 || ny >= height || nx < 0 || nx >= width) continue;
        const n = ny * width + nx;
        if (state[n] > 0 && !edges[n]) {
          edges[n] = 1;
          stack.push(n);
        }
      }
    }
  }
  return edges;
}

/** Distance of every pixel to the nearest zero of `mask` by cv2's 5×5 chamfer (DIST_L2, mask 5); Infinity without zeros. */
export function chamferDistance5(mask: ArrayLike<number>, height: number, width: number): Float64Array {
  const a = 1;
  const b = 1.4;
  const c = 2.1969;
  const steps: Array<[number, number, number]> = [
    [-2, -1, c], [-2, 1, c], [-1, -2, c], [-1, -1, b], [-1, 0, a], [-1, 1, b], [-1, 2, c], [0, -1, a],
  ];
  const d = Float64Array.from({ length: height * width }, (_, k) => (mask[k] === 0 ? 0 : Infinity));
  const relax = (y: number, x: number, sign: number) => {
    let best = d[y * width + x];
    for (const [dy, dx, w] of steps) {
      const ny = y + sign * dy;
      const nx = x + sign * dx;
      if (ny >= 0 && ny < height && nx >= 0 && nx < width) best = Math.min(best, d[ny * width + nx] + w);
    }
    d[y * width + x] = best;
  };
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) relax(y, x, 1);
  for (let y = height - 1; y >= 0; y--) for (let x = width - 1; x >= 0; x--) relax(y, x, -1);
  return d;
}

/** cv2.equalizeHist of an 8-bit plane. */
export function equalizeHistogram(image: ArrayLike<number>): Float64Array {
  const hist = new Float64Array(256);
  for (let k = 0; k < image.length; k++) hist[image[k]]++;
  let first = 0;
  while (hist[first] === 0) first++;
  if (hist[first] === image.length) return Float64Array.from(image);
  const scale = 255 / (image.length - hist[first]);
  const lut = new Float64Array(256);
  let sum = 0;
  for (let i = first + 1; i < 256; i++) {
    sum += hist[i];
    lut[i] = Math.min(255, roundHalfEven(sum * Math.fround(scale)));
  }
  return Float64Array.from(image, (v) => lut[v]);
}

function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const EMBOSS = [-2, -1, 0, -1, 1, 1, 0, 1, 2];

/** The water branch's droplet map m (before scaling to the strength), from the thresholded liquid layer. */
export function waterMap(layer: Float64Array, height: number, width: number): Float64Array {
  const bytes = layer.map((v) => toUint8(v * 255));
  const edges = cannyEdges(bytes, height, width, 50, 150);
  const distance = chamferDistance5(Array.from(edges, (e) => (e ? 0 : 255)), height, width).map((v) => Math.min(v, 20));
  const blurred = boxBlur3(distance, height, width).map((v) => Math.floor(v));
  const equalised = equalizeHistogram(blurred);
  const embossed = new Float64Array(equalised.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) sum += EMBOSS[(dy + 1) * 3 + dx + 1] * equalised[borderIndex(y + dy, height, 'mirror') * width + borderIndex(x + dx, width, 'mirror')];
      embossed[y * width + x] = Math.min(255, Math.max(0, sum));
    }
  }
  const smooth = boxBlur3(embossed, height, width).map((v) => roundHalfEven(v));
  return smooth.map((v, k) => bytes[k] * v);
}

/** Spatter on one image's planes given the layer's standard normals (see the module comment). */
export function spatterPlanes(planes: Float64Array[], height: number, width: number, p: SpatterParameters, normals: ArrayLike<number>): Float64Array[] {
  const [mean, spread, sigma, threshold, strength, mud] = p;
  const raw = Float64Array.from(normals, (z) => mean + spread * z);
  const layer = gaussianFilter(raw, height, width, sigma, 'nearest').map((v) => (v < threshold ? 0 : v));
  const gray = planes.length === 1;
  if (mud === 1) {
    const m = gaussianFilter(layer.map((v) => (v > threshold ? 1 : 0)), height, width, strength, 'nearest').map((v) => (v < 0.8 ? 0 : v));
    const colour = [63 / 255, 42 / 255, 20 / 255];
    const tint = gray ? [LUMA[0] * colour[0] + LUMA[1] * colour[1] + LUMA[2] * colour[2]] : colour;
    return planes.map((plane, ch) => plane.map((x, k) => clip01(x * (1 - m[k]) + tint[ch] * m[k])));
  }
  const map = waterMap(layer, height, width);
  let peak = 0;
  for (const v of map) peak = Math.max(peak, v);
  if (peak === 0) return planes.map((plane) => plane.map(clip01));
  const colour = [175 / 255, 238 / 255, 238 / 255];
  const tint = gray ? [LUMA[0] * colour[0] + LUMA[1] * colour[1] + LUMA[2] * colour[2]] : colour;
  return planes.map((plane, ch) => plane.map((x, k) => clip01(x + (map[k] / peak) * strength * tint[ch])));
}

export function spatter(images: ImageBatch, p: SpatterParameters, rng: Rng): ImageBatch {
  const [n, h, w, c] = images.shape;
  const out: ImageBatch = { data: new Float32Array(images.data.length), shape: [n, h, w, c] };
  for (let i = 0; i < n; i++) {
    const normals = Float64Array.from({ length: h * w }, () => rng.normal());
    const planes = Array.from({ length: c }, (_, ch) => readPlane(images, i, ch));
    spatterPlanes(planes, h, w, p, normals).forEach((plane, ch) => writePlane(out, i, ch, plane));
  }
  return out;
}
